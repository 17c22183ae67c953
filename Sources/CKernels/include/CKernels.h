#ifndef SADDLE_CKERNELS_H
#define SADDLE_CKERNELS_H
/*
 * Saddle's fused elementwise kernels. Every kernel exists for float (_f32) and double (_f64).
 * On x86-64 each is compiled twice, for baseline x86-64 and for x86-64-v3 (AVX2 + FMA), and the
 * dynamic loader picks the clone once (target_clones). Floating-point contraction is off, so both
 * clones compute bit-identical results: a machine with AVX2 and one without agree.
 * Pointers may alias only where a kernel says so ("in place allowed").
 */
#include <stddef.h>
#include <stdint.h>

#define SK_DECLARE(T, S) \
  void sk_fill_##S(T *out, T value, size_t n); \
  void sk_add_##S(const T *a, const T *b, T *out, size_t n);                /* in place allowed */ \
  void sk_sub_##S(const T *a, const T *b, T *out, size_t n);                /* in place allowed */ \
  void sk_mul_##S(const T *a, const T *b, T *out, size_t n);                /* in place allowed */ \
  void sk_div_##S(const T *a, const T *b, T *out, size_t n);                /* in place allowed */ \
  void sk_axpby_##S(T alpha, const T *x, T beta, const T *y, T *out, size_t n); /* out = αx + βy; in place allowed */ \
  void sk_axpy_sum_##S(T alpha, const T *a, const T *b, T *y, size_t n);     /* y += α(a + b), one pass */ \
  void sk_scale_add_##S(const T *x, T alpha, T beta, T *out, size_t n);     /* out = αx + β */ \
  void sk_leaky_relu_##S(const T *x, T slope, T *out, size_t n);           /* slope 0 = ReLU */ \
  void sk_mask_by_sign_##S(const T *g, const T *ref, T slope, T *out, size_t n); /* ref > 0 ? g : slope·g */ \
  void sk_step_##S(const T *x, T *out, size_t n);                          /* x > 0 ? 1 : 0 */ \
  void sk_bias_act_##S(T *x, const T *bias, size_t rows, size_t cols, int act, T slope); /* x[i,j] = act(x[i,j] + b[j]), act 0 none, 1 leaky */ \
  void sk_sum_rows_##S(const T *x, size_t rows, size_t cols, T *out);      /* out[j] = Σ_i x[i,j] */ \
  /* out = sk_mask_by_sign(g, ref) and sums = sk_sum_rows(out) in one pass, the same bits */ \
  void sk_mask_sum_rows_##S(const T *g, const T *ref, T slope, size_t rows, size_t cols, T *out, T *sums); \
  void sk_sum_cols_##S(const T *x, size_t rows, size_t cols, T *out);      /* out[i] = Σ_j x[i,j] */ \
  void sk_broadcast_rows_##S(const T *row, size_t rows, size_t cols, T *out); \
  void sk_broadcast_cols_##S(const T *col, size_t rows, size_t cols, T *out); \
  void sk_add_row_##S(const T *x, const T *row, size_t rows, size_t cols, T *out); /* in place allowed */ \
  double sk_sum_##S(const T *x, size_t n);                                 /* accumulated in double */ \
  double sk_dot_##S(const T *a, const T *b, size_t n);                     /* accumulated in double */ \
  double sk_max_abs_##S(const T *x, size_t n);                             /* NaN if any entry is NaN */ \
  int sk_all_finite_##S(const T *x, size_t n); \
  void sk_exp_##S(const T *x, T *out, size_t n); \
  void sk_log_##S(const T *x, T *out, size_t n); \
  void sk_sqrt_##S(const T *x, T *out, size_t n); \
  void sk_tanh_##S(const T *x, T *out, size_t n); \
  void sk_sigmoid_##S(const T *x, T *out, size_t n); \
  void sk_sigmoid_backward_##S(const T *g, const T *x, T *out, size_t n);  /* g·σ(x)·(1 − σ(x)); out may alias g */ \
  void sk_softplus_##S(const T *x, T *out, size_t n);                      /* log(1 + e^x), stable */ \
  void sk_elu_##S(const T *x, T *out, size_t n); \
  void sk_clamp_##S(const T *x, T lo, T hi, T *out, size_t n);             /* in place allowed */ \
  /* c = β·c + Σ_p colsA[p] ⊗ rowsB[p]: a product with a small inner dimension k, as k outer \
     products in one pass over c. colsA is k×m (column p of op(A) in row p), rowsB is k×n. */ \
  void sk_outer_sum_##S(const T *colsA, const T *rowsB, size_t k, size_t m, size_t n, T beta, T *c);

SK_DECLARE(float, f32)
SK_DECLARE(double, f64)

/* out (cols × rows) = the transpose of x (rows × cols), both row-major; the float version is in
   gemm.c (AVX-512 register blocks where the CPU has them). Both only move values. */
void sk_transpose_f32(const float *x, size_t rows, size_t cols, float *out);
void sk_transpose_f64(const double *x, size_t rows, size_t cols, double *out);

void sk_convert_f32_to_f64(const float *x, double *out, size_t n);
void sk_convert_f64_to_f32(const double *x, float *out, size_t n);

/* Which clone the loader chose: 1 when the x86-64-v3 (AVX2 + FMA) kernels run, 0 otherwise. */
int sk_uses_avx2(void);
/* The OpenBLAS kernel family (OPENBLAS_CORETYPE's name) this CPU's instruction sets can run:
   "Cooperlake", "SkylakeX", "Haswell", or NULL (blas_threads.c). */
const char *sk_openblas_core_for_cpu(void);

/* Machine probes for the benchmark suite (machine.c), not used by any computation.
   sk_probe_fma_f32 runs `iterations` rounds of 12 independent 8-wide FMA chains and returns the
   FLOPs performed (0 without AVX2 + FMA); sk_probe_fma512_f32 the same with 24 16-wide AVX-512
   chains (0 without AVX-512 F). The result goes to *sink so the work is not optimized away.
   sk_probe_stream_read_f64 reads x[0..<n] once, summing it with independent accumulators. */
double sk_probe_fma_f32(size_t iterations, float *sink);
double sk_probe_fma512_f32(size_t iterations, float *sink);
double sk_probe_stream_read_f64(const double *x, size_t n);

/* A·x and Aᵀ·y over rows r0..<r1 of a row-major matrix in one pass (kernels.c): ax[r0..<r1] gets
   the rows' dot products with x, aty[0..<cols] (overwritten) the rows' share Σ_r y[r]·row r. */
void sk_gemv_pair_f32(const float *a, size_t r0, size_t r1, size_t cols, const float *x, const float *y, float *ax, float *aty);
void sk_gemv_pair_f64(const double *a, size_t r0, size_t r1, size_t cols, const double *x, const double *y, double *ax, double *aty);

/* A spin-wait hint (x86 PAUSE): lets a core that polls a flag yield its pipeline (kernels.c). */
void sk_cpu_relax(void);

/* Philox4x32-10 (Random123's philox4x32_R, R = 10) for the `count` counters (low + b, high),
   b = 0..<count, under the key (k0, k1): block b's four words go to words[4b..<4b+4], least
   significant first. The caller guarantees that low + count does not wrap. */
void sk_philox4x32_10(uint32_t *words, size_t count, uint64_t low, uint64_t high, uint32_t k0, uint32_t k1);


/* `count` normals mean + sd·z (z by the polar method, as RandomGenerator.normalDouble() draws
   them; stored as T after the affine map in double) from the Philox stream (low + b, high) under
   (k0, k1). Stream words are numbered from the carried block `carried[0..<4]` when start < 4
   (the next word is carried[start]; fresh block b is word 4 + 4b on) or from fresh block 0 when
   start == 4. An odd count's last second normal goes to *spare. Returns the index just past the
   last word used; when that is not a multiple of 4, the block it falls in is copied to last.
   A wrap of the low counter word carries into high. */
size_t sk_fill_normals_f32(const uint32_t *carried, size_t start, uint64_t low, uint64_t high, uint32_t k0,
                           uint32_t k1, size_t count, double mean, double sd, float *out, double *spare,
                           uint32_t *last);
size_t sk_fill_normals_f64(const uint32_t *carried, size_t start, uint64_t low, uint64_t high, uint32_t k0,
                           uint32_t k1, size_t count, double mean, double sd, double *out, double *spare,
                           uint32_t *last);

/* One Adam step on one block: m ← a1·g + b1·m, v ← a2·g² + b2·v (in place), and
   Δ = rate·((mScale·m)/(√(vScale·v) + eps)) written to d, or with `add` added to d (d ← Δ + d, a
   point moved by Δ); bit for bit the unfused tensor passes (kernels.c). */
void sk_adam_f32(const float *g, float *m, float *v, float *d, size_t n, float a1, float b1, float a2, float b2,
                 float mScale, float vScale, float eps, float rate, int add);
void sk_adam_f64(const double *g, double *m, double *v, double *d, size_t n, double a1, double b1, double a2, double b2,
                 double mScale, double vScale, double eps, double rate, int add);

/* C (m × n, leading dimension ldc) = op(A)·op(B), or C += op(A)·op(B) with `accumulate`, in single
   precision on AVX-512 without packing the operands (gemm.c). op(A) is m × k: A is m × k (lda)
   or, with ta, k × m; op(B) is k × n: B is k × n (ldb) or, with tb, n × k, turned 32 columns at
   a time into a panel just before use (moving values only). Past 100³ multiply–adds, k is split into OpenBLAS's K
   blocks (320 while 640 remain, then the rest in one or two blocks); below, as on OpenBLAS's
   small-matrix path, it is one block. Each element of C gets, block after block, the
   fused multiply–add chain over the block's p in order from zero, added to C's value (to 0 for the
   first block without `accumulate`): bit for bit what OpenBLAS 0.3's SkylakeX/Cooperlake SGEMM
   computes with alpha 1 when its small-matrix path is not taken (Tensor+Linear.swift says which
   shapes, and tests check).
   No operand may overlap C. Returns 0, doing nothing, on a CPU without AVX-512 (or when the
   memory for a long transposed panel is not there). */
int sk_gemm_f32(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                int accumulate, float *c, size_t ldc);
/* Whether OpenBLAS 0.3's SGEMM may take its small-matrix path for an m × n × k product by its size:
   at most 100³ multiply–adds. sk_gemm_f32 runs one chain over k there, and matmul sends it such
   products only with a transposed A (Tensor+Linear.swift); the one statement of the threshold. */
static inline int sk_sgemm_small_by_size(size_t m, size_t n, size_t k) {
  return (double)m * (double)n * (double)k <= 1e6;
}
/* Whether this CPU runs sk_gemm_f32 (AVX-512 F, DQ, VL, BW). */
int sk_gemm_f32_available(void);
/* The adjoint of a convolution (its input gradient, or a transposed convolution) in one pass:
   x [batch, cin, h, w] = col2im(Wᵀ·g) for w [cout, cin·kh·kw] and g [batch, cout, oh·ow] (batch
   major), bit for bit sk_fold_f32 of sk_gemm_f32(ta = 1) of g moved to [cout, batch·oh·ow] — each
   column of C is the same chain of fused multiply–adds, whatever columns are computed with it, and
   each plane is folded in the same order — but with C in a window of a few samples' columns that
   stays in cache, each sample folded once its columns are done, and g read where it is. Needs
   cout ≤ 320 (one K block) and AVX-512: returns 1 when done, 0 when it declines (nothing written),
   −1 when a plane's fold finds no memory for its scratch. `scratch` holds
   sk_convolution_adjoint_scratch(…) floats (the caller's, so that a pool can hand the same buffer
   out again: a fresh mapping per call, and its unmapping, cost more than the pass saved at two
   threads). */
size_t sk_convolution_adjoint_scratch(size_t cin, size_t cout, size_t kh, size_t kw, size_t oh, size_t ow);
int sk_convolution_adjoint_f32(const float *w, const float *g, float *x, size_t batch, size_t cin, size_t cout,
                               size_t h, size_t wd, size_t kh, size_t kw, size_t s, size_t p, size_t oh, size_t ow,
                               float *scratch);

/* A convolution's forward product and its weight gradient without the column matrix cols
   [cin·kh·kw, batch·oh·ow] (sk_unfold_f32's), each column's entries gathered from x where a tile
   needs them. sk_convolution_forward_f32: y [batch, cout, oh·ow] = w [cout, cin·kh·kw]·cols moved to
   batch-major, plus bias [cout] (NULL: none), bit for bit sk_gemm_f32(w, cols) then that move and
   add. sk_convolution_weight_gradient_f32: dw [cout, cin·kh·kw] = g·colsᵀ (or dw += g·colsᵀ with
   `accumulate`) for g [batch, cout, oh·ow] (batch major, read in place), bit for bit
   sk_gemm_f32(tb = 1) of g moved to [cout, batch·oh·ow]. Both need AVX-512 and a product past
   sk_sgemm_small_by_size (OpenBLAS's K blocks): 1 when done, 0 when declined (nothing written).
   `scratch` holds sk_convolution_forward_scratch(…) floats, or
   sk_convolution_weight_gradient_scratch(…) for the weight gradient, 8-byte aligned. */
size_t sk_convolution_weight_gradient_scratch(size_t batch, size_t cout, size_t oh, size_t ow);
size_t sk_convolution_forward_scratch(size_t batch, size_t cin, size_t cout, size_t kh, size_t kw, size_t oh, size_t ow);
int sk_convolution_forward_f32(const float *w, const float *x, const float *bias, float *y, size_t batch, size_t cin,
                               size_t cout, size_t h, size_t wd, size_t kh, size_t kw, size_t s, size_t p, size_t oh,
                               size_t ow, float *scratch);
int sk_convolution_weight_gradient_f32(const float *g, const float *x, float *dw, int accumulate, size_t batch,
                                       size_t cin, size_t cout, size_t h, size_t wd, size_t kh, size_t kw, size_t s,
                                       size_t p, size_t oh, size_t ow, float *scratch);

/* im2col of x [batch, channels, h, w] (NCHW) for a kh × kw kernel, stride s, zero padding p, output
   oh × ow: cols [channels·kh·kw, batch·oh·ow], row (i, u, v), column (n, r, c) holding
   x[n, i, r·s − p + u, c·s − p + v], 0 where that is padding. sk_fold is its adjoint: x (written
   whole) gets every column entry added into the pixel it came from, padding entries dropped; each
   pixel's terms are added from +0 in the order of (u, v). Values are only moved (unfold) or summed
   in that fixed order (fold), so every clone gives the same bits (convolution.c). Returns 0, or −1
   when a plane whose padded size passes 4096 elements finds no memory for its scratch.
   sk_fold_strided reads a column matrix whose rows are `ld` apart (≥ batch·oh·ow): a window of a
   wider one. */
#define SK_DECLARE_CONVOLUTION_MOVES(T, S) \
  int sk_unfold_##S(const T *x, T *cols, size_t batch, size_t channels, size_t h, size_t w, size_t kh, size_t kw, \
                    size_t s, size_t p, size_t oh, size_t ow); \
  int sk_fold_##S(const T *cols, T *x, size_t batch, size_t channels, size_t h, size_t w, size_t kh, size_t kw, \
                  size_t s, size_t p, size_t oh, size_t ow); \
  int sk_fold_strided_##S(const T *cols, size_t ld, T *x, size_t batch, size_t channels, size_t h, size_t w, \
                          size_t kh, size_t kw, size_t s, size_t p, size_t oh, size_t ow);
SK_DECLARE_CONVOLUTION_MOVES(float, f32)
SK_DECLARE_CONVOLUTION_MOVES(double, f64)

#endif
