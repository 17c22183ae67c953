/* Fused elementwise kernels; see include/CKernels.h for the contract. */
#include "CKernels.h"
#include <math.h>

/* No a*b+c → fma contraction: the baseline and the AVX2 clone must agree bit for bit. */
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define SK_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SK_CLONES
#endif

#define SK_LOOP(n) for (size_t i = 0; i < (n); i++)

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

#define SK_DEFINE(T, S, EXP, LOG, SQRT, TANH, LOG1P, FABS)                                      \
  SK_CLONES void sk_fill_##S(T *out, T v, size_t n) { SK_LOOP(n) out[i] = v; }                  \
  SK_CLONES void sk_add_##S(const T *a, const T *b, T *out, size_t n) { SK_LOOP(n) out[i] = a[i] + b[i]; } \
  SK_CLONES void sk_sub_##S(const T *a, const T *b, T *out, size_t n) { SK_LOOP(n) out[i] = a[i] - b[i]; } \
  SK_CLONES void sk_mul_##S(const T *a, const T *b, T *out, size_t n) { SK_LOOP(n) out[i] = a[i] * b[i]; } \
  SK_CLONES void sk_div_##S(const T *a, const T *b, T *out, size_t n) { SK_LOOP(n) out[i] = a[i] / b[i]; } \
  SK_CLONES void sk_axpby_##S(T al, const T *x, T be, const T *y, T *out, size_t n) {          \
    SK_LOOP(n) out[i] = al * x[i] + be * y[i];                                                  \
  }                                                                                             \
  SK_CLONES void sk_scale_add_##S(const T *x, T al, T be, T *out, size_t n) {                   \
    SK_LOOP(n) out[i] = al * x[i] + be;                                                         \
  }                                                                                             \
  SK_CLONES void sk_leaky_relu_##S(const T *x, T slope, T *out, size_t n) {                    \
    SK_LOOP(n) { T v = x[i]; out[i] = v > 0 ? v : slope * v; }                                  \
  }                                                                                             \
  SK_CLONES void sk_mask_by_sign_##S(const T *g, const T *ref, T slope, T *out, size_t n) {    \
    SK_LOOP(n) out[i] = ref[i] > 0 ? g[i] : slope * g[i];                                       \
  }                                                                                             \
  SK_CLONES void sk_step_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = x[i] > 0 ? (T)1 : (T)0; } \
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
  SK_CLONES void sk_sqrt_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = SQRT(x[i]); } \
  SK_CLONES void sk_tanh_##S(const T *x, T *out, size_t n) { SK_LOOP(n) out[i] = TANH(x[i]); } \
  SK_CLONES void sk_sigmoid_##S(const T *x, T *out, size_t n) {                                \
    /* Split by sign so that exp never overflows. */                                           \
    SK_LOOP(n) {                                                                                \
      T v = x[i];                                                                               \
      if (v >= 0) { out[i] = (T)1 / ((T)1 + EXP(-v)); }                                         \
      else { T e = EXP(v); out[i] = e / ((T)1 + e); }                                           \
    }                                                                                           \
  }                                                                                             \
  SK_CLONES void sk_softplus_##S(const T *x, T *out, size_t n) {                               \
    /* log(1+e^x) = max(x,0) + log1p(e^{-|x|}): exact for large |x|, no overflow. */           \
    SK_LOOP(n) { T v = x[i]; out[i] = (v > 0 ? v : (T)0) + LOG1P(EXP(-FABS(v))); }              \
  }                                                                                             \
  SK_CLONES void sk_elu_##S(const T *x, T *out, size_t n) {                                    \
    SK_LOOP(n) { T v = x[i]; out[i] = v > 0 ? v : EXP(v) - (T)1; }                              \
  }                                                                                             \
  SK_CLONES void sk_clamp_##S(const T *x, T lo, T hi, T *out, size_t n) {                      \
    SK_LOOP(n) { T v = x[i]; v = v < lo ? lo : v; out[i] = v > hi ? hi : v; }                   \
  }                                                                                             \
  SK_CLONES void sk_transpose_##S(const T *x, size_t rows, size_t cols, T *out) {              \
    for (size_t r = 0; r < rows; r++)                                                           \
      for (size_t c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];                    \
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

SK_CLONES void sk_convert_f32_to_f64(const float *x, double *out, size_t n) { SK_LOOP(n) out[i] = (double)x[i]; }
SK_CLONES void sk_convert_f64_to_f32(const double *x, float *out, size_t n) { SK_LOOP(n) out[i] = (float)x[i]; }

int sk_uses_avx2(void) {
#if defined(__x86_64__) && defined(__clang__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}
