/* Probes of the machine itself, for the benchmark suite: the FMA peak and the streaming read
   bandwidth that Saddle's timings are compared against (SPEC §7: "% of the measured FMA peak",
   W4 "at the measured streaming bandwidth"). Not used by any computation. */
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/* 12 independent FMA chains on 8-float AVX2 registers: Zen 4 and recent Intel cores issue two
   FMAs per cycle with a latency of 4, so at least 8 chains are needed to keep both pipes busy;
   12 leave margin and still fit in the 16 ymm registers. 192 FLOP per iteration. */
__attribute__((target("avx2,fma"))) static float fma_chains(size_t iterations) {
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  __m256 a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  /* x·m + c with m slightly below 1 and c small: the values converge and never overflow. */
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (size_t i = 0; i < iterations; i++) {
    a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c);
    a2 = _mm256_fmadd_ps(a2, m, c); a3 = _mm256_fmadd_ps(a3, m, c);
    a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
    a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c);
    a8 = _mm256_fmadd_ps(a8, m, c); a9 = _mm256_fmadd_ps(a9, m, c);
    a10 = _mm256_fmadd_ps(a10, m, c); a11 = _mm256_fmadd_ps(a11, m, c);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

/* The same on 16-float AVX-512 registers (24 chains: enough for two 512-bit FMA pipes at latency
   4 with margin, in 32 zmm registers). 768 FLOP per iteration. On Intel cores with two 512-bit FMA
   units this retires twice the FLOPs of the AVX2 chains; on AMD Zen 4, which runs a 512-bit FMA
   as two 256-bit halves, about the same is expected (not measured). */
__attribute__((target("avx512f"))) static float fma_chains_512(size_t iterations) {
  __m512 a[24];
  for (int j = 0; j < 24; j++) a[j] = _mm512_set1_ps(1.0f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (size_t i = 0; i < iterations; i++) {
#pragma clang loop unroll(full)
    for (int j = 0; j < 24; j++) a[j] = _mm512_fmadd_ps(a[j], m, c);
  }
  __m512 s = a[0];
  for (int j = 1; j < 24; j++) s = _mm512_add_ps(s, a[j]);
  return _mm512_reduce_add_ps(s);
}

/* Sums n doubles with 8 independent 4-wide accumulators (32 doubles per iteration): enough
   loads in flight that the add latency never limits the read rate. */
__attribute__((target("avx2"))) static double stream_sum(const double *x, size_t n) {
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_pd(s0, _mm256_loadu_pd(x + i));      s1 = _mm256_add_pd(s1, _mm256_loadu_pd(x + i + 4));
    s2 = _mm256_add_pd(s2, _mm256_loadu_pd(x + i + 8));  s3 = _mm256_add_pd(s3, _mm256_loadu_pd(x + i + 12));
    s4 = _mm256_add_pd(s4, _mm256_loadu_pd(x + i + 16)); s5 = _mm256_add_pd(s5, _mm256_loadu_pd(x + i + 20));
    s6 = _mm256_add_pd(s6, _mm256_loadu_pd(x + i + 24)); s7 = _mm256_add_pd(s7, _mm256_loadu_pd(x + i + 28));
  }
  __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)),
                            _mm256_add_pd(_mm256_add_pd(s4, s5), _mm256_add_pd(s6, s7)));
  double out[4];
  _mm256_storeu_pd(out, s);
  double t = out[0] + out[1] + out[2] + out[3];
  for (; i < n; i++) t += x[i];
  return t;
}

static int have_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

double sk_probe_fma_f32(size_t iterations, float *sink) {
  if (!have_avx2_fma()) return 0;
  *sink = fma_chains(iterations);
  return 192.0 * (double)iterations;
}

double sk_probe_fma512_f32(size_t iterations, float *sink) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) return 0;
  *sink = fma_chains_512(iterations);
  return 768.0 * (double)iterations;
}

double sk_probe_stream_read_f64(const double *x, size_t n) {
  return have_avx2_fma() ? stream_sum(x, n) : 0;
}

#else
double sk_probe_fma_f32(size_t iterations, float *sink) { (void)iterations; *sink = 0; return 0; }
double sk_probe_fma512_f32(size_t iterations, float *sink) { (void)iterations; *sink = 0; return 0; }
double sk_probe_stream_read_f64(const double *x, size_t n) {
  double t = 0;
  for (size_t i = 0; i < n; i++) t += x[i];
  return t;
}
#endif
