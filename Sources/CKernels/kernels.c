/* Fused elementwise kernels; see include/CKernels.h for the contract. */
#include "CKernels.h"
#include <math.h>
#include <string.h>

/* No a*b+c → fma contraction: the baseline and the AVX2 clone must agree bit for bit. */
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define SK_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SK_CLONES
#endif

#define SK_LOOP(n) for (size_t i = 0; i < (n); i++)

/* An elementwise map: out[i] depends on the inputs' element i only. Outputs may be an input
   itself ("in place allowed"), never a shifted view of one (the header's contract), so the
   loop's accesses carry no dependence from one i to another and the compiler may vectorize it
   without its runtime overlap test — a test that fails whenever out == input and then ran the
   scalar loop: Adam's and the EMA's in-place axpby took 5.5 instructions per element (W5,
   callgrind). No reduction runs under it, so nothing is reassociated: the same bits as the
   scalar loop. */
#if defined(__clang__)
#define SK_MAP(n) _Pragma("clang loop vectorize(assume_safety)") for (size_t i = 0; i < (n); i++)
#else
#define SK_MAP(n) SK_LOOP(n)
#endif

/* sqrt without errno: libm's sqrtf may set errno, which keeps the compiler from vectorizing a
   loop of calls (5% of a training iteration went to scalar sqrtf calls in Adam). The result is
   the same correctly rounded IEEE square root. */
#if defined(__clang__) && __has_builtin(__builtin_elementwise_sqrt)
#define SK_SQRTF(x) __builtin_elementwise_sqrt(x)
#define SK_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define SK_SQRTF(x) sqrtf(x)
#define SK_SQRT(x) sqrt(x)
#endif

/* e^x for x ≤ 0 in float, branch-free so that loops over it vectorize (libm's expf is a call per
   element, and sigmoid's sign test around it mispredicted on random data: 16% of a W2 step went
   to sk_sigmoid_f32 and expf). Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two
   parts, so n·C1 is exact), e^r by a degree-7 polynomial, 2ⁿ by building the exponent bits.
   Relative error ≤ 2 ulp. Below −87.33, e^x is (nearly) subnormal in float and is flushed to 0
   (absolute error < 1.19e-38); from −87.33 up, 2ⁿ with n ≥ −126 is a normal float. Only IEEE +, −, × and conversions, contraction off: the baseline and the
   AVX2 clone compute the same bits. */
static inline float sk_exp_nonpositive_f32(float x) {
  float xc = x < -87.33f ? -87.33f : x;
  float nf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round(x / ln2) */
  float r = xc - nf * 0.693359375f;
  r = r - nf * -2.12194440e-4f;
  float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  union { unsigned int u; float f; } scale;
  scale.u = (unsigned int)((int)nf + 127) << 23;
  float e = p * scale.f;
  return x < -87.33f ? 0.0f : e;
}

/* σ(x) = 1 / (1 + e^−x) for x ≥ 0, e^x / (1 + e^x) below, both from e = e^−|x| (no overflow). */
static inline float sk_sigmoid1_f32(float v) {
  float e = sk_exp_nonpositive_f32(v > 0 ? -v : v);
  return (v >= 0 ? 1.0f : e) / (1.0f + e);
}

SK_CLONES void sk_sigmoid_f32(const float *x, float *out, size_t n) { SK_MAP(n) out[i] = sk_sigmoid1_f32(x[i]); }

/* out = g·σ(x)·(1 − σ(x)), evaluated as (g·s)·(1 − s): the same operations, in the same order, as
   the differentiable composite of Variable.sigmoid's rule, in one pass instead of four. */
SK_CLONES void sk_sigmoid_backward_f32(const float *g, const float *x, float *out, size_t n) {
  SK_MAP(n) { float s = sk_sigmoid1_f32(x[i]); out[i] = (g[i] * s) * (-1.0f * s + 1.0f); }
}

/* Double precision keeps libm's exp (Float64 is the accuracy path, not the fast one). */
SK_CLONES void sk_sigmoid_f64(const double *x, double *out, size_t n) {
  SK_LOOP(n) {
    double v = x[i];
    if (v >= 0) { out[i] = 1.0 / (1.0 + exp(-v)); }
    else { double e = exp(v); out[i] = e / (1.0 + e); }
  }
}

SK_CLONES void sk_sigmoid_backward_f64(const double *g, const double *x, double *out, size_t n) {
  SK_LOOP(n) {
    double v = x[i], s;
    if (v >= 0) { s = 1.0 / (1.0 + exp(-v)); }
    else { double e = exp(v); s = e / (1.0 + e); }
    out[i] = (g[i] * s) * (-1.0 * s + 1.0);
  }
}

#define SK_DEFINE(T, S, EXP, LOG, SQRT, TANH, LOG1P, FABS)                                      \
  SK_CLONES void sk_fill_##S(T *out, T v, size_t n) { SK_MAP(n) out[i] = v; }                  \
  SK_CLONES void sk_add_##S(const T *a, const T *b, T *out, size_t n) { SK_MAP(n) out[i] = a[i] + b[i]; } \
  SK_CLONES void sk_sub_##S(const T *a, const T *b, T *out, size_t n) { SK_MAP(n) out[i] = a[i] - b[i]; } \
  SK_CLONES void sk_mul_##S(const T *a, const T *b, T *out, size_t n) { SK_MAP(n) out[i] = a[i] * b[i]; } \
  SK_CLONES void sk_div_##S(const T *a, const T *b, T *out, size_t n) { SK_MAP(n) out[i] = a[i] / b[i]; } \
  SK_CLONES void sk_axpby_##S(T al, const T *x, T be, const T *y, T *out, size_t n) {          \
    SK_MAP(n) out[i] = al * x[i] + be * y[i];                                                  \
  }                                                                                             \
  SK_CLONES void sk_axpy_sum_##S(T al, const T *a, const T *b, T *y, size_t n) {                \
    SK_MAP(n) y[i] = al * (a[i] + b[i]) + y[i];                                                \
  }                                                                                             \
  SK_CLONES void sk_scale_add_##S(const T *x, T al, T be, T *out, size_t n) {                   \
    SK_MAP(n) out[i] = al * x[i] + be;                                                         \
  }                                                                                             \
  SK_CLONES void sk_leaky_relu_##S(const T *x, T slope, T *out, size_t n) {                    \
    SK_MAP(n) { T v = x[i]; out[i] = v > 0 ? v : slope * v; }                                  \
  }                                                                                             \
  SK_CLONES void sk_mask_by_sign_##S(const T *g, const T *ref, T slope, T *out, size_t n) {    \
    SK_MAP(n) out[i] = ref[i] > 0 ? g[i] : slope * g[i];                                       \
  }                                                                                             \
  SK_CLONES void sk_step_##S(const T *x, T *out, size_t n) { SK_MAP(n) out[i] = x[i] > 0 ? (T)1 : (T)0; } \
  SK_CLONES void sk_bias_act_##S(T *x, const T *b, size_t rows, size_t cols, int act, T slope) { \
    for (size_t r = 0; r < rows; r++) {                                                         \
      T *row = x + r * cols;                                                                    \
      if (act == 1) {                                                                           \
        for (size_t j = 0; j < cols; j++) { T v = row[j] + b[j]; row[j] = v > 0 ? v : slope * v; } \
      } else {                                                                                  \
        for (size_t j = 0; j < cols; j++) row[j] = row[j] + b[j];                               \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_mask_sum_rows_##S(const T *g, const T *ref, T slope, size_t rows, size_t cols, T *out, \
                                      T *sums) {                                                \
    for (size_t j = 0; j < cols; j++) sums[j] = 0;                                              \
    for (size_t r = 0; r < rows; r++) {                                                         \
      const T *gr = g + r * cols, *rr = ref + r * cols;                                         \
      T *o = out + r * cols;                                                                    \
      for (size_t j = 0; j < cols; j++) {                                                       \
        const T v = rr[j] > 0 ? gr[j] : slope * gr[j];                                          \
        o[j] = v;                                                                               \
        sums[j] += v;                                                                           \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_sum_rows_##S(const T *x, size_t rows, size_t cols, T *out) {               \
    for (size_t j = 0; j < cols; j++) out[j] = 0;                                               \
    for (size_t r = 0; r < rows; r++) {                                                         \
      const T *row = x + r * cols;                                                              \
      for (size_t j = 0; j < cols; j++) out[j] += row[j];                                       \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_sum_cols_##S(const T *x, size_t rows, size_t cols, T *out) {               \
    for (size_t r = 0; r < rows; r++) {                                                         \
      const T *row = x + r * cols;                                                              \
      T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                      \
      size_t j = 0;                                                                             \
      for (; j + 8 <= cols; j += 8)                                                             \
        for (int k = 0; k < 8; k++) acc[k] += row[j + k];                                       \
      T s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
      for (; j < cols; j++) s += row[j];                                                        \
      out[r] = s;                                                                               \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_broadcast_rows_##S(const T *row, size_t rows, size_t cols, T *out) {       \
    for (size_t r = 0; r < rows; r++)                                                           \
      for (size_t j = 0; j < cols; j++) out[r * cols + j] = row[j];                             \
  }                                                                                             \
  SK_CLONES void sk_broadcast_cols_##S(const T *col, size_t rows, size_t cols, T *out) {       \
    for (size_t r = 0; r < rows; r++) {                                                         \
      T v = col[r];                                                                             \
      for (size_t j = 0; j < cols; j++) out[r * cols + j] = v;                                  \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_add_row_##S(const T *x, const T *row, size_t rows, size_t cols, T *out) {  \
    for (size_t r = 0; r < rows; r++)                                                           \
      _Pragma("clang loop vectorize(assume_safety)")                                            \
      for (size_t j = 0; j < cols; j++) out[r * cols + j] = x[r * cols + j] + row[j];           \
  }                                                                                             \
  SK_CLONES double sk_sum_##S(const T *x, size_t n) {                                          \
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                   \
    size_t i = 0;                                                                               \
    for (; i + 8 <= n; i += 8)                                                                  \
      for (int k = 0; k < 8; k++) acc[k] += (double)x[i + k];                                   \
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
    for (; i < n; i++) s += (double)x[i];                                                       \
    return s;                                                                                   \
  }                                                                                             \
  SK_CLONES double sk_dot_##S(const T *a, const T *b, size_t n) {                              \
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                   \
    size_t i = 0;                                                                               \
    for (; i + 8 <= n; i += 8)                                                                  \
      for (int k = 0; k < 8; k++) acc[k] += (double)a[i + k] * (double)b[i + k];               \
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
    for (; i < n; i++) s += (double)a[i] * (double)b[i];                                        \
    return s;                                                                                   \
  }                                                                                             \
  SK_CLONES double sk_max_abs_##S(const T *x, size_t n) {                                      \
    double m = 0; int nan = 0;                                                                  \
    SK_LOOP(n) { double v = FABS(x[i]); nan |= (v != v); m = v > m ? v : m; }                   \
    return nan ? NAN : m;                                                                       \
  }                                                                                             \
  SK_CLONES int sk_all_finite_##S(const T *x, size_t n) {                                      \
    int ok = 1;                                                                                 \
    SK_LOOP(n) { T v = x[i]; ok &= (v - v == 0); }                                              \
    return ok;                                                                                  \
  }                                                                                             \
  SK_CLONES void sk_exp_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = EXP(x[i]); }   \
  SK_CLONES void sk_log_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = LOG(x[i]); }   \
  SK_CLONES void sk_sqrt_##S(const T *x, T *out, size_t n) { SK_MAP(n) out[i] = SQRT(x[i]); } \
  SK_CLONES void sk_tanh_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = TANH(x[i]); } \
  SK_CLONES void sk_softplus_##S(const T *x, T *out, size_t n) {                               \
    /* log(1+e^x) = max(x,0) + log1p(e^{-|x|}): exact for large |x|, no overflow. */           \
    SK_LOOP(n) { T v = x[i]; out[i] = (v > 0 ? v : (T)0) + LOG1P(EXP(-FABS(v))); }              \
  }                                                                                             \
  SK_CLONES void sk_elu_##S(const T *x, T *out, size_t n) {                                    \
    SK_LOOP(n) { T v = x[i]; out[i] = v > 0 ? v : EXP(v) - (T)1; }                              \
  }                                                                                             \
  SK_CLONES void sk_clamp_##S(const T *x, T lo, T hi, T *out, size_t n) {                      \
    SK_MAP(n) { T v = x[i]; v = v < lo ? lo : v; out[i] = v > hi ? hi : v; }                   \
  }                                                                                             \
  SK_CLONES void sk_outer_sum_##S(const T *A, const T *B, size_t k, size_t m, size_t n, T beta, T *c) { \
    for (size_t i = 0; i < m; i++) {                                                            \
      T *row = c + i * n;                                                                       \
      if (beta == 0) { for (size_t j = 0; j < n; j++) row[j] = 0; }                             \
      else if (beta != 1) { for (size_t j = 0; j < n; j++) row[j] *= beta; }                    \
      for (size_t p = 0; p < k; p++) {                                                         \
        T a = A[p * m + i];                                                                     \
        const T *b = B + p * n;                                                                 \
        for (size_t j = 0; j < n; j++) row[j] += a * b[j];                                      \
      }                                                                                         \
    }                                                                                           \
  }

SK_DEFINE(float, f32, expf, logf, SK_SQRTF, tanhf, log1pf, fabsf)
SK_DEFINE(double, f64, exp, log, SK_SQRT, tanh, log1p, fabs)

/* sk_transpose_f32 is in gemm.c, with the AVX-512 blocks. */
SK_CLONES void sk_transpose_f64(const double *x, size_t rows, size_t cols, double *out) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
}

SK_CLONES void sk_convert_f32_to_f64(const float *x, double *out, size_t n) { SK_MAP(n) out[i] = (double)x[i]; }
SK_CLONES void sk_convert_f64_to_f32(const double *x, float *out, size_t n) { SK_MAP(n) out[i] = (float)x[i]; }

int sk_uses_avx2(void) {
#if defined(__x86_64__) && defined(__clang__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

void sk_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* A·x and Aᵀ·y in one pass over rows r0..r1 of a row-major A with `cols` columns: ax[r] is the
   dot product of row r with x, and aty (cols entries, zeroed here) receives y[r]·row r for each
   row, in row order. Each dot product keeps 8 independent partial sums, lane j%8, added at the end
   in a fixed tree, so the vectorized clone and the baseline compute the same bits. Rows go four at
   a time, so x and aty are loaded (and aty stored) once per four rows of A: the pass is then bound
   by reading A rather than by the loads and stores of x and aty. */
#define SK_GEMV_PAIR(T, S)                                                                        \
  static inline T sk_tree8_##S(const T *p) {                                                     \
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));                  \
  }                                                                                              \
  SK_CLONES void sk_gemv_pair_##S(const T *restrict a, size_t r0, size_t r1, size_t cols,        \
                                  const T *restrict x, const T *restrict y, T *restrict ax,       \
                                  T *restrict aty) {                                              \
    for (size_t j = 0; j < cols; j++) aty[j] = 0;                                                \
    size_t body = cols - cols % 8;                                                               \
    size_t r = r0;                                                                               \
    for (; r + 4 <= r1; r += 4) {                                                                \
      const T *q0 = a + r * cols, *q1 = q0 + cols, *q2 = q1 + cols, *q3 = q2 + cols;             \
      T y0 = y[r], y1 = y[r + 1], y2 = y[r + 2], y3 = y[r + 3];                                  \
      T p0[8] = {0}, p1[8] = {0}, p2[8] = {0}, p3[8] = {0};                                      \
      for (size_t j = 0; j < body; j += 8) {                                                     \
        for (size_t k = 0; k < 8; k++) {                                                         \
          T xv = x[j + k];                                                                       \
          T v0 = q0[j + k], v1 = q1[j + k], v2 = q2[j + k], v3 = q3[j + k];                      \
          p0[k] = p0[k] + v0 * xv; p1[k] = p1[k] + v1 * xv;                                      \
          p2[k] = p2[k] + v2 * xv; p3[k] = p3[k] + v3 * xv;                                      \
          aty[j + k] = (((aty[j + k] + y0 * v0) + y1 * v1) + y2 * v2) + y3 * v3;                 \
        }                                                                                        \
      }                                                                                          \
      for (size_t j = body; j < cols; j++) {                                                     \
        T xv = x[j];                                                                             \
        T v0 = q0[j], v1 = q1[j], v2 = q2[j], v3 = q3[j];                                        \
        p0[j - body] = p0[j - body] + v0 * xv; p1[j - body] = p1[j - body] + v1 * xv;            \
        p2[j - body] = p2[j - body] + v2 * xv; p3[j - body] = p3[j - body] + v3 * xv;            \
        aty[j] = (((aty[j] + y0 * v0) + y1 * v1) + y2 * v2) + y3 * v3;                           \
      }                                                                                          \
      ax[r] = sk_tree8_##S(p0); ax[r + 1] = sk_tree8_##S(p1);                                    \
      ax[r + 2] = sk_tree8_##S(p2); ax[r + 3] = sk_tree8_##S(p3);                                \
    }                                                                                            \
    for (; r < r1; r++) {                                                                        \
      const T *row = a + r * cols;                                                               \
      T yr = y[r];                                                                               \
      T p[8] = {0};                                                                              \
      for (size_t j = 0; j < body; j += 8) {                                                     \
        for (size_t k = 0; k < 8; k++) {                                                         \
          T v = row[j + k];                                                                      \
          p[k] = p[k] + v * x[j + k];                                                            \
          aty[j + k] = aty[j + k] + yr * v;                                                      \
        }                                                                                        \
      }                                                                                          \
      for (size_t j = body; j < cols; j++) {                                                     \
        T v = row[j];                                                                            \
        p[j - body] = p[j - body] + v * x[j];                                                    \
        aty[j] = aty[j] + yr * v;                                                                \
      }                                                                                          \
      ax[r] = sk_tree8_##S(p);                                                                   \
    }                                                                                            \
  }
SK_GEMV_PAIR(float, f32)
SK_GEMV_PAIR(double, f64)

/* ---- Random numbers: Philox4x32-10 blocks and the polar method's normals -------------------
   The same integer and IEEE operations, in the same order, as RandomGenerator's scalar code
   (Sources/Tensors/Random.swift), so every clone — baseline, AVX2, AVX-512 — gives its bits.
   In Swift the lanes are SSE2 registers (the package's baseline target); here the loops
   vectorize at the width the machine offers, 16 Philox blocks per AVX-512 operation. */
#if defined(__x86_64__) && defined(__clang__)
#define SK_CLONES_WIDE __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SK_CLONES_WIDE
#endif

SK_CLONES_WIDE static void sk_philox_lanes(uint32_t *words, size_t count, uint64_t low, uint64_t high,
                                            uint32_t k0, uint32_t k1) {
  const uint32_t c2 = (uint32_t)high, c3 = (uint32_t)(high >> 32);
  SK_MAP(count) {
    const uint64_t counter = low + (uint64_t)i;
    uint32_t x0 = (uint32_t)counter, x1 = (uint32_t)(counter >> 32), x2 = c2, x3 = c3;
    uint32_t key0 = k0, key1 = k1;
#define SK_PHILOX_ROUND                                                                      \
    {                                                                                        \
      const uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;       \
      const uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ key0, y2 = (uint32_t)(p0 >> 32) ^ x3 ^ key1; \
      x1 = (uint32_t)p1; x3 = (uint32_t)p0; x0 = y0; x2 = y2;                                \
    }
#define SK_PHILOX_BUMP key0 += 0x9E3779B9u; key1 += 0xBB67AE85u;
    SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP
    SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP
    SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP SK_PHILOX_ROUND SK_PHILOX_BUMP
    SK_PHILOX_ROUND
#undef SK_PHILOX_ROUND
#undef SK_PHILOX_BUMP
    words[4 * i] = x0; words[4 * i + 1] = x1; words[4 * i + 2] = x2; words[4 * i + 3] = x3;
  }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SK_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))

/* The 32×32 → 64-bit products of the 16 lanes of x with m, as (high words, low words): the even
   lanes' products come from one vpmuludq, the odd lanes' from another on x shifted down. */
SK_AVX512 static inline void sk_mul_hi_lo(__m512i x, __m512i m, __m512i *hi, __m512i *lo) {
  const __m512i even = _mm512_mul_epu32(x, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  *hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
  *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

/* Philox4x32-10 for 16 counters per pass in AVX-512 registers, one word of each counter per
   register, transposed to the blocks' word order on the way out. Clang's vectorization of the
   portable loop widened every product to 64-bit lanes and back and spent about 16 cycles a block
   (W5, Zen 4); the same integer operations, so the same words. Returns the blocks done (a
   multiple of 16). */
SK_AVX512 static size_t sk_philox_avx512(uint32_t *words, size_t count, uint64_t low, uint64_t high,
                                         uint32_t k0, uint32_t k1) {
  const __m512i m0 = _mm512_set1_epi32((int)0xD2511F53u), m1 = _mm512_set1_epi32((int)0xCD9E8D57u);
  const __m512i w0 = _mm512_set1_epi32((int)0x9E3779B9u), w1 = _mm512_set1_epi32((int)0xBB67AE85u);
  const __m512i c2 = _mm512_set1_epi32((int)(uint32_t)high), c3 = _mm512_set1_epi32((int)(uint32_t)(high >> 32));
  const __m512i lanesLow = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), lanesHigh = _mm512_setr_epi64(8, 9, 10, 11, 12, 13, 14, 15);
  size_t b = 0;
  for (; b + 16 <= count; b += 16) {
    const __m512i base = _mm512_set1_epi64((long long)(low + b));
    const __m512i ca = _mm512_add_epi64(base, lanesLow), cb = _mm512_add_epi64(base, lanesHigh);
    /* Word 0 of each counter (its low half) and word 1 (its high half), lanes in counter order. */
    __m512i x0 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(ca)), _mm512_cvtepi64_epi32(cb), 1);
    __m512i x1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(_mm512_srli_epi64(ca, 32))),
                                    _mm512_cvtepi64_epi32(_mm512_srli_epi64(cb, 32)), 1);
    __m512i x2 = c2, x3 = c3;
    __m512i key0 = _mm512_set1_epi32((int)k0), key1 = _mm512_set1_epi32((int)k1);
    for (int round = 0; round < 10; round++) {
      if (round > 0) { key0 = _mm512_add_epi32(key0, w0); key1 = _mm512_add_epi32(key1, w1); }
      __m512i hi0, lo0, hi1, lo1;
      sk_mul_hi_lo(x0, m0, &hi0, &lo0);
      sk_mul_hi_lo(x2, m1, &hi1, &lo1);
      const __m512i y0 = _mm512_ternarylogic_epi32(hi1, x1, key0, 0x96); /* hi₁ ⊕ x₁ ⊕ k₀ */
      const __m512i y2 = _mm512_ternarylogic_epi32(hi0, x3, key1, 0x96); /* hi₀ ⊕ x₃ ⊕ k₁ */
      x1 = lo1; x3 = lo0; x0 = y0; x2 = y2;
    }
    /* 4 × 4 transposes within each 128-bit lane (lane L then holds blocks 4L … 4L + 3, block
       4L + r in t_r), then the lanes gathered into block order. */
    const __m512i a = _mm512_unpacklo_epi32(x0, x1), bb = _mm512_unpackhi_epi32(x0, x1);
    const __m512i c = _mm512_unpacklo_epi32(x2, x3), d = _mm512_unpackhi_epi32(x2, x3);
    const __m512i t0 = _mm512_unpacklo_epi64(a, c), t1 = _mm512_unpackhi_epi64(a, c);
    const __m512i t2 = _mm512_unpacklo_epi64(bb, d), t3 = _mm512_unpackhi_epi64(bb, d);
    const __m512i u = _mm512_shuffle_i32x4(t0, t1, 0x44), v = _mm512_shuffle_i32x4(t2, t3, 0x44);
    const __m512i uu = _mm512_shuffle_i32x4(t0, t1, 0xEE), vv = _mm512_shuffle_i32x4(t2, t3, 0xEE);
    uint32_t *o = words + 4 * b;
    _mm512_storeu_si512(o, _mm512_shuffle_i32x4(u, v, 0x88));
    _mm512_storeu_si512(o + 16, _mm512_shuffle_i32x4(u, v, 0xDD));
    _mm512_storeu_si512(o + 32, _mm512_shuffle_i32x4(uu, vv, 0x88));
    _mm512_storeu_si512(o + 48, _mm512_shuffle_i32x4(uu, vv, 0xDD));
  }
  return b;
}
#endif

void sk_philox4x32_10(uint32_t *words, size_t count, uint64_t low, uint64_t high, uint32_t k0, uint32_t k1) {
  size_t done = 0;
#if defined(__x86_64__) && defined(__clang__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
      && __builtin_cpu_supports("avx512bw"))
    done = sk_philox_avx512(words, count, low, high, k0, k1);
#endif
  if (done < count) sk_philox_lanes(words + 4 * done, count - done, low + done, high, k0, k1);
}

static inline double sk_bits_to_f64(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
static inline uint64_t sk_f64_to_bits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }

/* portableLog of a positive normal double: Random.swift's `portableLogLanes`, step for step
   (Cody & Waite's reduction, the Taylor series of ln((1+s)/(1−s)) in two Horner chains, k·ln 2 in
   two parts); its comment derives the method and the error bound. */
static inline double sk_portable_log(double x) {
  const uint64_t bits = sk_f64_to_bits(x);
  const uint64_t oneToTwo = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  const uint64_t halve = sk_bits_to_f64(oneToTwo) >= 0x1.6a09e667f3bcdp0 ? ~0ull : 0ull;
  const double f = sk_bits_to_f64(oneToTwo - (halve & 0x0010000000000000ull)) - 1;
  const uint64_t e = (bits >> 52) - halve; /* x > 0: the sign bit is clear, so the shift is exact */
  const double k = sk_bits_to_f64(e | 0x4330000000000000ull) - (0x1p52 + 1023);
  const double s = f / (2 + f);
  const double z = s * s;
  const double w = z * z;
  const double odd = z * (0x1.5555555555555p-1 + w * (0x1.2492492492492p-2 + w * (0x1.745d1745d1746p-3
                     + w * (0x1.1111111111111p-3 + w * 0x1.af286bca1af28p-4))));
  const double even = w * (0x1.999999999999ap-2 + w * (0x1.c71c71c71c71cp-3 + w * (0x1.3b13b13b13b14p-3
                      + w * (0x1.e1e1e1e1e1e1ep-4 + w * 0x1.8618618618618p-4))));
  const double r = odd + even;
  const double halfSquare = 0.5 * f * f;
  return k * 0x1.62e42feep-1 - ((halfSquare - (s * (halfSquare + r) + k * 0x1.a39ef35793c76p-33)) - f);
}

/* Marsaglia's polar method straight from the Philox stream (RandomGenerator.fillNormals): chunks
   of Philox blocks a multiple of the vector width (chunks of 63 blocks left 15 to the 8-, 4- and
   1-lane remainders: 40% of the Philox kernel's time), the candidates' v1, v2, s computed in
   vector lanes before the branch-free packing, the scratch on this function's stack (a Swift
   temporary allocation of 2.5 KB went to malloc). Same words, same operations in the same order,
   so the same bits as normalDouble(). */
#define SK_NORMAL_CHUNK 256 /* fresh blocks per chunk, a multiple of 16 */
#define SK_FILL_NORMALS(T, S)                                                                    \
  SK_CLONES_WIDE size_t sk_fill_normals_##S(const uint32_t *carried, size_t start, uint64_t low,   \
                                            uint64_t high, uint32_t k0, uint32_t k1, size_t count, \
                                            double mean, double sd, T *out, double *spare,        \
                                            uint32_t *last) {                                     \
    const size_t hasCarried = start < 4 ? 1 : 0;                                                 \
    const size_t pairs = (count + 1) / 2;                                                        \
    uint32_t words[4 * (SK_NORMAL_CHUNK + 1)];                                                   \
    double x[SK_NORMAL_CHUNK + 1], y[SK_NORMAL_CHUNK + 1], q[SK_NORMAL_CHUNK + 1];               \
    double v1[SK_NORMAL_CHUNK + 1], v2[SK_NORMAL_CHUNK + 1], s[SK_NORMAL_CHUNK + 1];             \
    size_t p = hasCarried ? start : 0; /* stream word index; block 0 is the carried one, if any */ \
    size_t done = 0, b0 = 0;                                                                     \
    while (done < pairs) {                                                                       \
      b0 = p / 4;                                                                                \
      const size_t lp = p % 4, rem = pairs - done;                                               \
      /* Enough blocks for the remaining pairs at the acceptance rate π/4, plus slack. */        \
      size_t fresh = (lp + 4 * (rem + rem / 4 + 2) + 3) / 4;                                     \
      fresh = (fresh + 15) & ~(size_t)15;                                                        \
      if (fresh > SK_NORMAL_CHUNK) fresh = SK_NORMAL_CHUNK;                                      \
      size_t filled = 0;                                                                         \
      if (hasCarried && b0 == 0) {                                                               \
        memcpy(words, carried, 4 * sizeof(uint32_t));                                            \
        filled = 1;                                                                              \
      }                                                                                          \
      /* Fresh blocks from counter (low + b0 + filled − hasCarried, high), carried into high    \
         where the low word wraps. */                                                            \
      const uint64_t from = low + (uint64_t)(b0 + filled - hasCarried);                         \
      const uint64_t id = from < low ? high + 1 : high;                                          \
      const size_t before = (from + (uint64_t)fresh < from) ? (size_t)(0 - from) : fresh;        \
      sk_philox4x32_10(words + 4 * filled, before, from, id, k0, k1);                            \
      if (before < fresh) sk_philox4x32_10(words + 4 * (filled + before), fresh - before, 0, id + 1, k0, k1); \
      const size_t candidates = (4 * (filled + fresh) - lp) / 4;                                 \
      const uint32_t *w = words + lp;                                                            \
      SK_MAP(candidates) {                                                                       \
        const uint64_t a = (uint64_t)w[4 * i] | (uint64_t)w[4 * i + 1] << 32;                    \
        const uint64_t b = (uint64_t)w[4 * i + 2] | (uint64_t)w[4 * i + 3] << 32;                \
        const double xi = (double)((int64_t)a >> 11) * 0x1p-52;                                  \
        const double yi = (double)((int64_t)b >> 11) * 0x1p-52;                                  \
        x[i] = xi; y[i] = yi; q[i] = xi * xi + yi * yi;                                          \
      }                                                                                          \
      /* Every candidate goes to the next free slot, which only an accepted one keeps. */        \
      size_t n = 0, c = 0;                                                                       \
      while (n < rem && c < candidates) {                                                        \
        v1[n] = x[c]; v2[n] = y[c]; s[n] = q[c];                                                 \
        n += (q[c] < 1 && q[c] > 0) ? 1 : 0;                                                     \
        c++;                                                                                     \
      }                                                                                          \
      /* The last pair of an odd count keeps its second normal as the spare. */                 \
      const size_t whole = (done + n == pairs && count % 2 == 1) ? n - 1 : n;                    \
      T *o = out + 2 * done;                                                                     \
      SK_MAP(whole) {                                                                            \
        const double factor = SK_SQRT(-2 * sk_portable_log(s[i]) / s[i]);                        \
        o[2 * i] = (T)(mean + sd * (v1[i] * factor));                                            \
        o[2 * i + 1] = (T)(mean + sd * (v2[i] * factor));                                        \
      }                                                                                          \
      if (whole < n) {                                                                           \
        const double factor = SK_SQRT(-2 * sk_portable_log(s[whole]) / s[whole]);               \
        o[2 * whole] = (T)(mean + sd * (v1[whole] * factor));                                    \
        *spare = v2[whole] * factor;                                                             \
      }                                                                                          \
      done += n;                                                                                 \
      p += 4 * c;                                                                                \
    }                                                                                            \
    if (p % 4 != 0) memcpy(last, words + 4 * (p / 4 - b0), 4 * sizeof(uint32_t));               \
    return p;                                                                                    \
  }
SK_FILL_NORMALS(float, f32)
SK_FILL_NORMALS(double, f64)

/* One Adam step on one block (Kingma & Ba 2015, Algorithm 1), fused: m ← a1·g + b1·m,
   v ← a2·g² + b2·v, d = rate·((mScale·m) / (√(vScale·v) + ε)), each step the operation the unfused
   tensor passes performed (axpby, mul, axpby, scale_add with shift 0, sqrt, scale_add, scale_add,
   div, scale_add), in the same order and precision — so the same bits, in one pass over the
   block instead of nine passes and six temporaries (6% of a W5 iteration at one thread). With
   `add`, Δ is added to the point in d in the same pass (Adam.move: ω ← ω + Δ without Δ stored). */
#define SK_ADAM_ELEMENT(T, SQRT)                                                                 \
      const T gi = g[i];                                                                         \
      const T mi = a1 * gi + b1 * m[i];                                                          \
      const T gg = gi * gi;                                                                      \
      const T vi = a2 * gg + b2 * v[i];                                                          \
      m[i] = mi;                                                                                 \
      v[i] = vi;                                                                                 \
      const T den = (T)1 * SQRT(vScale * vi + (T)0) + eps;                                       \
      const T q = (mScale * mi + (T)0) / den;                                                    \
      const T di = rate * q + (T)0;
#define SK_ADAM(T, S, SQRT)                                                                      \
  SK_CLONES void sk_adam_##S(const T *g, T *m, T *v, T *d, size_t n, T a1, T b1, T a2, T b2,     \
                             T mScale, T vScale, T eps, T rate, int add) {                       \
    if (add) {                                                                                   \
      /* d is the point: d ← 1·Δ + 1·d, as axpby(1, Δ, 1, d) computes it */                      \
      SK_MAP(n) { SK_ADAM_ELEMENT(T, SQRT) d[i] = (T)1 * di + (T)1 * d[i]; }                     \
    } else {                                                                                     \
      SK_MAP(n) { SK_ADAM_ELEMENT(T, SQRT) d[i] = di; }                                          \
    }                                                                                            \
  }
SK_ADAM(float, f32, SK_SQRTF)
SK_ADAM(double, f64, SK_SQRT)
