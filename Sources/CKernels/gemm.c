/* Single-precision matrix products without packing, for the mid-sized shapes of a GAN step, and the
   single-precision transpose; see include/CKernels.h (sk_gemm_f32, sk_transpose_f32) for the
   contracts. */
#include "CKernels.h"
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

/* Floats of scratch for the pixel tables of sk_decode_pixels (three size_t a pixel). */
static size_t sk_convolution_pixels_scratch(size_t batch, size_t oh, size_t ow) {
  return 3 * batch * oh * ow * (sizeof(size_t) / sizeof(float));
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SK_GEMM_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))

/* The lanes of the first min(n, 16) columns. */
static inline __mmask16 sk_lanes(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* A tile's accumulators added to C's rows (c + r·ldc, the columns in lanes m0 and m1), or to 0
   without `accumulate`. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_tile_store(const int mr, __m512 acc[8][2], float *c, size_t ldc, __mmask16 m0, __mmask16 m1, int accumulate) {
  for (int r = 0; r < mr; r++) {
    float *row = c + r * ldc;
    const __m512 c0 = accumulate ? _mm512_maskz_loadu_ps(m0, row) : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(acc[r][0], c0));
    if (m1) {
      const __m512 c1 = accumulate ? _mm512_maskz_loadu_ps(m1, row + 16) : _mm512_setzero_ps();
      _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(acc[r][1], c1));
    }
  }
}

/* The product of an mr × k block of op(A) (mr ≤ 8 rows, element (i, p) at a[i·sai + p·sak]) with
   a k × nr panel of B (nr ≤ 32 columns, row p at b + p·ldb, contiguous), into C's rows.

   Each element of C is one accumulator advanced by one fused multiply–add per p in increasing
   order from zero, then added to C (to 0 without `accumulate`): the order OpenBLAS's SkylakeX /
   Cooperlake kernel follows when k fits one of its K blocks, which is what makes the two agree bit
   for bit (include/CKernels.h). The k × nr panel stays in L1 while the row blocks stream by. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_gemm_tile(const int mr, size_t k, const float *a, size_t sai, size_t sak, const float *b, size_t ldb,
             float *c, size_t ldc, size_t nr, int accumulate) {
  const __mmask16 m0 = sk_lanes(nr), m1 = nr > 16 ? sk_lanes(nr - 16) : 0;
  __m512 acc[8][2];
  for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  if (m1) {
    for (size_t p = 0; p < k; p++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb), b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
      const float *ap = a + p * sak;
      for (int r = 0; r < mr; r++) {
        const __m512 x = _mm512_set1_ps(ap[r * sai]);
        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
      }
    }
  } else {
    for (size_t p = 0; p < k; p++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
      const float *ap = a + p * sak;
      for (int r = 0; r < mr; r++) acc[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(ap[r * sai]), b0, acc[r][0]);
    }
  }
  sk_tile_store(mr, acc, c, ldc, m0, m1, accumulate);
}

/* The next K block when `left` of the inner dimension remain, as OpenBLAS forms its blocks
   (driver/level3/level3.c, GEMM_Q = 320, GEMM_UNROLL_M = 16 for SGEMM on SkylakeX/Cooperlake): 320
   while at least 640 remain; then the rest in one block if it is at most 320, else a first block of
   half the rest rounded up to a multiple of 16 (the remainder follows). Never more than 320. */
static inline size_t sk_k_block(size_t left) {
  if (left >= 640) return 320;
  if (left > 320) return (left / 2 + 15) / 16 * 16;
  return left;
}

/* Rows 0 … m − 1 of C's columns for one panel: tiles of 8 rows, then one of the m mod 8 left. The
   tile of rows i … i + 7 reads op(A) from a + i·row (element (r, p) of the tile at r·sai + p·sak from
   there): row = sai for op(A) read in place, or the packed block stride of a copy in groups of 8. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_gemm_rows(size_t m, size_t k, const float *a, size_t row, size_t sai, size_t sak, const float *b, size_t ldb,
             float *c, size_t ldc, size_t nr, int accumulate) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8) sk_gemm_tile(8, k, a + i * row, sai, sak, b, ldb, c + i * ldc, ldc, nr, accumulate);
  const float *ai = a + i * row;
  float *ci = c + i * ldc;
  switch (m - i) {
  case 7: sk_gemm_tile(7, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 6: sk_gemm_tile(6, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 5: sk_gemm_tile(5, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 4: sk_gemm_tile(4, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 3: sk_gemm_tile(3, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 2: sk_gemm_tile(2, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  case 1: sk_gemm_tile(1, k, ai, sai, sak, b, ldb, ci, ldc, nr, accumulate); break;
  default: break;
  }
}

/* The product of an mr × k block of A whose element (r, p) is rows[r][idx[p]] with a k × nr panel of
   B (row p at b + p·ldb), into C's rows: sk_gemm_tile with A read through a table of offsets
   instead of strides — the same accumulators and the same fused multiply–adds in the same order,
   so the same bits for the same values. The weight gradient reads the batch-major g [batch, cout,
   P] in place this way (rows[r] = g + o·P, idx[p] = n·cout·P + q for pixel p = n·P + q), where it
   read a copy moved to [cout, batch·P] (memmove, 3% of a W6 step). */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_gemm_tile_indexed(const int mr, size_t k, const float *const *rows, const size_t *idx, const float *b, size_t ldb,
                     float *c, size_t ldc, size_t nr, int accumulate) {
  const __mmask16 m0 = sk_lanes(nr), m1 = nr > 16 ? sk_lanes(nr - 16) : 0;
  const float *a[8];
  for (int r = 0; r < mr; r++) a[r] = rows[r];
  __m512 acc[8][2];
  for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  if (m1) {
    for (size_t p = 0; p < k; p++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb), b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
      const size_t o = idx[p];
      for (int r = 0; r < mr; r++) {
        const __m512 x = _mm512_set1_ps(a[r][o]);
        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
      }
    }
  } else {
    for (size_t p = 0; p < k; p++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
      const size_t o = idx[p];
      for (int r = 0; r < mr; r++) acc[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[r][o]), b0, acc[r][0]);
    }
  }
  sk_tile_store(mr, acc, c, ldc, m0, m1, accumulate);
}

/* Rows 0 … m − 1 of C for one panel with A read through rows[] and idx (sk_gemm_tile_indexed): tiles
   of 8 rows, then one of the m mod 8 left, as sk_gemm_rows. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_gemm_rows_indexed(size_t m, size_t k, const float *const *rows, const size_t *idx, const float *b, size_t ldb, float *c,
                     size_t ldc, size_t nr, int accumulate) {
  size_t i = 0;
  for (; i + 8 <= m; i += 8) sk_gemm_tile_indexed(8, k, rows + i, idx, b, ldb, c + i * ldc, ldc, nr, accumulate);
  const float *const *ri = rows + i;
  float *ci = c + i * ldc;
  switch (m - i) {
  case 7: sk_gemm_tile_indexed(7, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 6: sk_gemm_tile_indexed(6, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 5: sk_gemm_tile_indexed(5, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 4: sk_gemm_tile_indexed(4, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 3: sk_gemm_tile_indexed(3, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 2: sk_gemm_tile_indexed(2, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  case 1: sk_gemm_tile_indexed(1, k, ri, idx, b, ldb, ci, ldc, nr, accumulate); break;
  default: break;
  }
}

/* out (cols × rows, row-major) = the transpose of `in` (rows × cols, leading dimension ld):
   16 × 16 blocks in registers (pairs of rows interleaved, then pairs of pairs, then the 128-bit
   lanes gathered), the ragged edges element by element. It only moves values. */
SK_GEMM_AVX512 static void sk_transpose_f32_avx512(const float *in, size_t ld, size_t rows, size_t cols, float *out) {
  size_t r0 = 0;
  for (; r0 + 16 <= rows; r0 += 16) {
    size_t c0 = 0;
    for (; c0 + 16 <= cols; c0 += 16) {
      __m512 x[16], t[16], u[16];
      for (int i = 0; i < 16; i++) x[i] = _mm512_loadu_ps(in + (r0 + i) * ld + c0);
      for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(x[2 * i], x[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(x[2 * i], x[2 * i + 1]);
      }
      /* u[4g + q], rows 4g … 4g + 3: columns q, q + 4, q + 8, q + 12 in its four 128-bit lanes. */
      for (int g = 0; g < 4; g++) {
        const __m512d lo = _mm512_castps_pd(t[4 * g]), lo2 = _mm512_castps_pd(t[4 * g + 2]);
        const __m512d hi = _mm512_castps_pd(t[4 * g + 1]), hi2 = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo, lo2));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo, lo2));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi, hi2));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi, hi2));
      }
      for (int q = 0; q < 4; q++) {
        const __m512 v = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88), v2 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xDD);
        const __m512 w = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88), w2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xDD);
        _mm512_storeu_ps(out + (c0 + q) * rows + r0, _mm512_shuffle_f32x4(v, w, 0x88));
        _mm512_storeu_ps(out + (c0 + q + 4) * rows + r0, _mm512_shuffle_f32x4(v2, w2, 0x88));
        _mm512_storeu_ps(out + (c0 + q + 8) * rows + r0, _mm512_shuffle_f32x4(v, w, 0xDD));
        _mm512_storeu_ps(out + (c0 + q + 12) * rows + r0, _mm512_shuffle_f32x4(v2, w2, 0xDD));
      }
    }
    for (; c0 < cols; c0++)
      for (size_t i = 0; i < 16; i++) out[c0 * rows + r0 + i] = in[(r0 + i) * ld + c0];
  }
  for (; r0 < rows; r0++)
    for (size_t col = 0; col < cols; col++) out[col * rows + r0] = in[r0 * ld + col];
}

/* Panel by panel of 32 columns, each through its K blocks (`blocked`: the rule below in
   sk_gemm_f32). With tb, B is n × k (ldb) and op(B) = Bᵀ: each block of a 32-column panel of op(B)
   is turned into `panel` (kb × nr, contiguous, at most 320 × 32) just before its row tiles use
   it, so the turned copy stays in L1/L2 — as OpenBLAS's packing turns it — instead of a whole
   transposed B written to memory and read back. */
SK_GEMM_AVX512 static void sk_gemm_f32_avx512(int ta, int tb, size_t m, size_t n, size_t k, int blocked, const float *a,
                                              size_t lda, const float *b, size_t ldb, int accumulate, float *c, size_t ldc,
                                              float *panel) {
  const size_t sai = ta ? 1 : lda, sak = ta ? lda : 1;
  for (size_t j = 0; j < n; j += 32) {
    const size_t nr = n - j < 32 ? n - j : 32;
    /* This panel's K blocks in order (sk_gemm_f32 states the rule): its 32 columns of C stay in L1
       from one block's chain to the next, where all of C went through memory between blocks. */
    size_t done = 0;
    do {
      const size_t kb = blocked ? sk_k_block(k - done) : k - done;
      const float *ab = a + (ta ? done * lda : done), *bb = b + (tb ? done : done * ldb);
      const int acc = done == 0 ? accumulate : 1;
      const float *bj = bb + j;
      size_t ldp = ldb;
      if (tb) {
        sk_transpose_f32_avx512(bb + j * ldb, ldb, nr, kb, panel);
        bj = panel;
        ldp = nr;
      }
      sk_gemm_rows(m, kb, ab, sai, sai, sak, bj, ldp, c + j, ldc, nr, acc);
      done += kb;
    } while (done < k);
  }
}

/* See include/CKernels.h. Columns are computed in panels of 32 (global column j = sample·P + pixel,
   P = oh·ow) into a window of the column matrix, `width` ≥ P + 32 columns wide holding global
   columns base … base + width − 1; after each panel every sample whose P columns are all done is
   folded from the window (sk_fold_strided_f32, batch 1: its planes in the order sk_fold_f32 takes
   them), and when the next panel would not fit, the columns of the samples not yet folded move to
   the window's front. The panel of g's columns is gathered from the batch-major g (its row p, column
   j: g[sample, p, pixel]) as sk_gemm_f32_avx512 reads rows of a channel-major copy, and every tile is
   sk_gemm_tile as there, one K block from zero. Wᵀ's rows are first copied in groups of 8 into
   [K/8][cout][8] blocks, which a tile then reads in order: read in place, a tile's 8 rows for one p
   are 8 floats at a stride of K floats (4 KB for K = 1024), and the cout lines of a tile fell into
   the same few L1 sets. Only values move, so the bits are those of the unpacked product. */
SK_GEMM_AVX512 static int sk_convolution_adjoint_f32_avx512(const float *w, const float *g, float *x, size_t batch,
                                                            size_t cin, size_t cout, size_t h, size_t wd, size_t kh,
                                                            size_t kw, size_t s, size_t p, size_t oh, size_t ow,
                                                            float *scratch) {
  const size_t K = cin * kh * kw, P = oh * ow, total = batch * P, width = P + 64, groups = (K + 7) / 8;
  float panel[320 * 32] __attribute__((aligned(64)));
  float *window = scratch, *packed = scratch + K * width;
  for (size_t q = 0; q < groups; q++) /* packed[q][p][r] = W[p, 8q + r] (0 past K) */
    for (size_t r0 = 0; r0 < cout; r0++)
      for (size_t r = 0; r < 8; r++) packed[(q * cout + r0) * 8 + r] = 8 * q + r < K ? w[r0 * K + 8 * q + r] : 0;
  size_t base = 0, folded = 0; /* the window's first global column; samples folded so far */
  for (size_t j = 0; j < total; j += 32) {
    const size_t nr = total - j < 32 ? total - j : 32;
    if (j + nr - base > width) { /* move the unfolded samples' columns to the front */
      const size_t start = folded * P, kept = j - start;
      for (size_t r = 0; r < K; r++) memmove(window + r * width, window + r * width + (start - base), kept * sizeof(float));
      base = start;
    }
    for (size_t t = 0; t < nr;) { /* gather columns j … j + nr − 1 of g as [cout, 32] */
      const size_t col = j + t, n = col / P, q = col % P, run = P - q < nr - t ? P - q : nr - t;
      for (size_t r = 0; r < cout; r++) memcpy(panel + r * 32 + t, g + (n * cout + r) * P + q, run * sizeof(float));
      t += run;
    }
    /* row block i of the packed copy starts at packed + i·cout (i a multiple of 8) */
    sk_gemm_rows(K, cout, packed, cout, 1, 8, panel, 32, window + (j - base), width, nr, 0);
    for (; folded < batch && (folded + 1) * P <= j + nr; folded++) {
      if (sk_fold_strided_f32(window + (folded * P - base), width, x + folded * cin * h * wd, 1, cin, h, wd, kh, kw,
                              s, p, oh, ow) != 0)
        return -1;
    }
  }
  return 1;
}

/* The pixels of a convolution's output, decoded once per call: pixel j = sample·P + oy·ow + ox reads
   sample n's planes from x + base[j], its patch's top-left corner at row top[j] = oy·s − p and
   column left[j] = ox·s − p (negative in the padding). */
typedef struct {
  size_t *base;
  ptrdiff_t *top, *left;
} sk_pixels;

static void sk_decode_pixels(sk_pixels px, size_t batch, size_t cin, size_t h, size_t wd, size_t s, size_t p, size_t oh,
                             size_t ow) {
  size_t j = 0;
  for (size_t n = 0; n < batch; n++)
    for (size_t oy = 0; oy < oh; oy++)
      for (size_t ox = 0; ox < ow; ox++, j++) {
        px.base[j] = n * cin * h * wd;
        px.top[j] = (ptrdiff_t)(oy * s) - (ptrdiff_t)p;
        px.left[j] = (ptrdiff_t)(ox * s) - (ptrdiff_t)p;
      }
}

/* The lanes t < len of a run that starts at x's column c0 and lie inside a row of wd columns
   (len ≤ 16; none when the run misses the row). */
static inline __mmask16 sk_column_mask(ptrdiff_t c0, size_t len, size_t wd) {
  const ptrdiff_t lo = c0 < 0 ? -c0 : 0, hi = (ptrdiff_t)wd - c0 < (ptrdiff_t)len ? (ptrdiff_t)wd - c0 : (ptrdiff_t)len;
  return hi > lo ? (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)) : 0;
}

/* dst[0 … kw − 1] = the kw values from `row` in the lanes of `in`, +0 in the others (kw ≤ 16);
   4-wide runs (4 × 4 kernels) in 128-bit registers: a 512-bit access would span two lines. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void sk_copy_run(float *dst, const float *row, __mmask16 in,
                                                                             size_t kw) {
  const __mmask16 all = (__mmask16)((1u << kw) - 1);
  if (kw <= 4) _mm_mask_storeu_ps(dst, (__mmask8)all, _mm_maskz_loadu_ps((__mmask8)in, row));
  else _mm512_mask_storeu_ps(dst, all, _mm512_maskz_loadu_ps(in, row));
}

/* dst[0 … count − 1] = rows r0 … r0 + count − 1 of the column matrix at pixel j (row (i, u, v) =
   x[n, i, top + u, left + v], +0 in the padding): runs of up to kw consecutive v, each one masked
   load from x's row (lanes outside the row or the plane masked off, so nothing outside x is read)
   and one masked store. Values are only moved: the column matrix's entries exactly. Where the rows
   start at v = 0 and end at a row's end (whole kernel rows, kw ≤ 16: every call of the DCGAN's
   4 × 4 kernels), every run has the pixel's one column mask and only the row test varies. */
SK_GEMM_AVX512 static inline __attribute__((always_inline)) void
sk_gather_patch(const float *x, sk_pixels px, size_t j, size_t h, size_t wd, size_t kh, size_t kw, size_t r0,
                size_t count, float *dst) {
  const float *planes = x + px.base[j];
  const ptrdiff_t top = px.top[j], left = px.left[j];
  size_t i = r0 / (kh * kw), u = r0 / kw % kh, v = r0 % kw;
  if (v == 0 && count % kw == 0 && kw <= 16) {
    const __mmask16 columns = sk_column_mask(left, kw, wd);
    const float *row = planes + (ptrdiff_t)(i * h) * (ptrdiff_t)wd + (top + (ptrdiff_t)u) * (ptrdiff_t)wd + left;
    ptrdiff_t y = top + (ptrdiff_t)u;
    for (size_t done = 0; done < count; done += kw) {
      sk_copy_run(dst + done, row, y >= 0 && y < (ptrdiff_t)h ? columns : 0, kw);
      row += wd;
      if (++u == kh) { /* the next channel's plane, its kernel row 0 */
        u = 0;
        y = top;
        row += ((ptrdiff_t)h - (ptrdiff_t)kh) * (ptrdiff_t)wd;
      } else {
        y++;
      }
    }
    return;
  }
  for (size_t done = 0; done < count;) {
    size_t run = kw - v < count - done ? kw - v : count - done;
    const ptrdiff_t y = top + (ptrdiff_t)u;
    const int row_in = y >= 0 && y < (ptrdiff_t)h;
    for (size_t t0 = 0; t0 < run; t0 += 16) {
      const size_t len = run - t0 < 16 ? run - t0 : 16;
      const ptrdiff_t c0 = left + (ptrdiff_t)(v + t0); /* x's column of lane 0 */
      const __mmask16 all = (__mmask16)((1u << len) - 1), in = row_in ? sk_column_mask(c0, len, wd) : 0;
      __m512 val = _mm512_setzero_ps();
      if (in) val = _mm512_maskz_loadu_ps(in, planes + (i * h + (size_t)y) * wd + c0);
      _mm512_mask_storeu_ps(dst + done + t0, all, val);
    }
    done += run;
    v = 0;
    if (++u == kh) { u = 0; i++; }
  }
}

/* Rows 0 … count − 1 of dst (row stride ld) = the entries of channels i0 … i0 + nch − 1 of the
   patches of pixels first … first + count − 1, each channel's kh·kw entries at (c·kh + u)·kw + v:
   what sk_gather_patch(…, i0·kh·kw, nch·kh·kw, dst + r·ld) writes for each pixel. Here the pixels go
   by runs along one output row (same sample, same oy): for each channel and kernel row u, the input
   row is found once and each pixel's kw-wide run is one masked load and store from it, at the
   column mask of its ox (`columns`, ow of them) — where pixel by pixel every run recomputed its
   row, sample and plane. Only values move. Needs kw ≤ 16. */
SK_GEMM_AVX512 static void sk_gather_channels(const float *x, size_t cin, size_t h, size_t wd, size_t kh, size_t kw,
                                              size_t s, size_t p, size_t oh, size_t ow, const __mmask16 *columns,
                                              size_t i0, size_t nch, size_t first, size_t count, float *dst, size_t ld) {
  const size_t P = oh * ow, end = first + count;
  for (size_t pix = first; pix < end;) {
    const size_t n = pix / P, q = pix % P, oy = q / ow, ox0 = q % ow;
    const size_t run = ow - ox0 < end - pix ? ow - ox0 : end - pix;
    const ptrdiff_t top = (ptrdiff_t)(oy * s) - (ptrdiff_t)p, left = (ptrdiff_t)(ox0 * s) - (ptrdiff_t)p;
    float *out = dst + (pix - first) * ld;
    for (size_t c = 0; c < nch; c++) {
      const float *plane = x + (n * cin + i0 + c) * h * wd;
      for (size_t u = 0; u < kh; u++) {
        const ptrdiff_t y = top + (ptrdiff_t)u;
        float *d = out + (c * kh + u) * kw;
        if (y < 0 || y >= (ptrdiff_t)h) {
          for (size_t t = 0; t < run; t++) sk_copy_run(d + t * ld, plane, 0, kw);
        } else {
          const float *row = plane + y * (ptrdiff_t)wd + left;
          for (size_t t = 0; t < run; t++) sk_copy_run(d + t * ld, row + (ptrdiff_t)(t * s), columns[ox0 + t], kw);
        }
      }
    }
    pix += run;
  }
}

/* The column mask of each output column ox (sk_column_mask of its patch's first column), for
   sk_gather_channels: 1 when filled, 0 (nothing written) where that gather does not apply (kw > 16
   or ow > SK_MASKED_COLUMNS). */
#define SK_MASKED_COLUMNS 256
static int sk_column_masks(size_t wd, size_t kw, size_t s, size_t p, size_t ow, __mmask16 *columns) {
  if (kw > 16 || ow > SK_MASKED_COLUMNS) return 0;
  for (size_t ox = 0; ox < ow; ox++) columns[ox] = sk_column_mask((ptrdiff_t)(ox * s) - (ptrdiff_t)p, kw, wd);
  return 1;
}

/* See include/CKernels.h. y's pixels are the rows of the product colsᵀ·Wᵀ ([batch·P, K]·[K, cout]),
   computed 32 pixels at a time: their rows of colsᵀ gathered from x (sk_gather_channels, or
   sk_gather_patch for kw > 16) into `a`
   (row stride K + 16 floats, so that a tile's 8 rows do not share L1 sets), times Wᵀ packed once
   as [K][cout], through sk_gemm_rows in OpenBLAS's K blocks of K, into `c` [32][cout], then written
   to y's channels with the bias. Each element is the chain sk_gemm_f32(W, cols) forms — the same
   fused multiply–adds (a·b and b·a round alike) over the same blocks in the same order — so y is
   bit for bit W·cols moved to [batch, cout, P] plus the bias. */
SK_GEMM_AVX512 static void sk_convolution_forward_f32_avx512(const float *w, const float *x, const float *bias, float *y,
                                                             size_t batch, size_t cin, size_t cout, size_t h, size_t wd,
                                                             size_t kh, size_t kw, size_t s, size_t p, size_t oh,
                                                             size_t ow, float *scratch) {
  const size_t K = cin * kh * kw, P = oh * ow, total = batch * P, lda = K + 16;
  sk_pixels px = {(size_t *)scratch, (ptrdiff_t *)scratch + total, (ptrdiff_t *)scratch + 2 * total};
  float *wt = scratch + sk_convolution_pixels_scratch(batch, oh, ow), *a = wt + K * cout, *c = a + 32 * lda, *ct = c + 32 * cout;
  __mmask16 columns[SK_MASKED_COLUMNS];
  const int rows_whole = sk_column_masks(wd, kw, s, p, ow, columns);
  if (!rows_whole) sk_decode_pixels(px, batch, cin, h, wd, s, p, oh, ow); /* only sk_gather_patch reads it */
  sk_transpose_f32_avx512(w, K, cout, K, wt); /* wt[q][o] = w[o][q] */
  for (size_t j = 0; j < total; j += 32) {
    const size_t rows = total - j < 32 ? total - j : 32;
    if (rows_whole) sk_gather_channels(x, cin, h, wd, kh, kw, s, p, oh, ow, columns, 0, cin, j, rows, a, lda);
    else for (size_t r = 0; r < rows; r++) sk_gather_patch(x, px, j + r, h, wd, kh, kw, 0, K, a + r * lda);
    for (size_t o = 0; o < cout; o += 32) {
      const size_t nr = cout - o < 32 ? cout - o : 32;
      size_t done = 0;
      do { /* OpenBLAS's K blocks, as sk_gemm_f32 forms them (blocked: this path is never a small product) */
        const size_t kb = sk_k_block(K - done);
        sk_gemm_rows(rows, kb, a + done, lda, lda, 1, wt + done * cout + o, cout, c + o, cout, nr, done != 0);
        done += kb;
      } while (done < K);
    }
    /* c turned to [cout][rows], then each channel's run of pixels within one sample is contiguous in y */
    sk_transpose_f32_avx512(c, cout, rows, cout, ct);
    for (size_t r = 0; r < rows;) {
      const size_t n = (j + r) / P, q = (j + r) % P, run = P - q < rows - r ? P - q : rows - r;
      for (size_t o = 0; o < cout; o++) {
        float *out = y + (n * cout + o) * P + q;
        const float *in = ct + o * rows + r;
        if (bias) {
          const float b = bias[o];
          for (size_t t = 0; t < run; t++) out[t] = in[t] + b;
        } else {
          for (size_t t = 0; t < run; t++) out[t] = in[t];
        }
      }
      r += run;
    }
  }
}

/* See include/CKernels.h. sk_gemm_f32(ta = 0, tb = 1) of g moved to [cout, batch·P] and the column
   matrix, with each K block of a 32-row panel of colsᵀ gathered from x (sk_gather_channels where
   the panel's columns are whole channels, else pixel by pixel with sk_gather_patch) instead of
   turned from a column matrix in memory, and g read where it is, batch-major
   (sk_gemm_tile_indexed): the same values in the same tiles in the same order, so the same bits. */
SK_GEMM_AVX512 static void sk_convolution_weight_gradient_f32_avx512(const float *g, const float *x, float *dw,
                                                                     int accumulate, size_t batch, size_t cin, size_t cout,
                                                                     size_t h, size_t wd, size_t kh, size_t kw, size_t s,
                                                                     size_t p, size_t oh, size_t ow, float *scratch) {
  const size_t K = cin * kh * kw, P = oh * ow, total = batch * P;
  float panel[320 * 32] __attribute__((aligned(64)));
  sk_pixels px = {(size_t *)scratch, (ptrdiff_t *)scratch + total, (ptrdiff_t *)scratch + 2 * total};
  size_t *idx = (size_t *)scratch + 3 * total; /* g's offset of pixel j in channel 0 */
  const float **rows = (const float **)(idx + total); /* channel o's plane of sample 0 */
  sk_decode_pixels(px, batch, cin, h, wd, s, p, oh, ow);
  for (size_t j = 0; j < total; j++) idx[j] = j / P * cout * P + j % P;
  for (size_t o = 0; o < cout; o++) rows[o] = g + o * P;
  __mmask16 columns[SK_MASKED_COLUMNS];
  const int rows_whole = sk_column_masks(wd, kw, s, p, ow, columns);
  for (size_t j = 0; j < K; j += 32) {
    const size_t nr = K - j < 32 ? K - j : 32;
    /* the panel's 32 columns are whole channels (kh·kw divides 32 and K: the DCGAN's 4 × 4 kernels) */
    const int whole = rows_whole && j % (kh * kw) == 0 && nr % (kh * kw) == 0;
    size_t done = 0;
    do {
      const size_t kb = sk_k_block(total - done); /* ≤ 320, the panel's rows (a small product, one block, is declined) */
      if (whole) sk_gather_channels(x, cin, h, wd, kh, kw, s, p, oh, ow, columns, j / (kh * kw), nr / (kh * kw), done, kb, panel, 32);
      else for (size_t pp = 0; pp < kb; pp++) sk_gather_patch(x, px, done + pp, h, wd, kh, kw, j, nr, panel + pp * 32);
      sk_gemm_rows_indexed(cout, kb, rows, idx + done, panel, 32, dw + j, K, nr, done == 0 ? accumulate : 1);
      done += kb;
    } while (done < total);
  }
}
#endif

size_t sk_convolution_forward_scratch(size_t batch, size_t cin, size_t cout, size_t kh, size_t kw, size_t oh, size_t ow) {
  const size_t K = cin * kh * kw;
  return K * cout + 32 * (K + 16) + 64 * cout + sk_convolution_pixels_scratch(batch, oh, ow);
}

size_t sk_convolution_weight_gradient_scratch(size_t batch, size_t cout, size_t oh, size_t ow) {
  return sk_convolution_pixels_scratch(batch, oh, ow) + (batch * oh * ow + cout) * (sizeof(size_t) / sizeof(float));
}

int sk_convolution_forward_f32(const float *w, const float *x, const float *bias, float *y, size_t batch, size_t cin,
                               size_t cout, size_t h, size_t wd, size_t kh, size_t kw, size_t s, size_t p, size_t oh,
                               size_t ow, float *scratch) {
#if defined(__x86_64__) && defined(__clang__)
  if (!sk_gemm_f32_available() || batch == 0 || sk_sgemm_small_by_size(cout, batch * oh * ow, cin * kh * kw)) return 0;
  sk_convolution_forward_f32_avx512(w, x, bias, y, batch, cin, cout, h, wd, kh, kw, s, p, oh, ow, scratch);
  return 1;
#else
  (void)w; (void)x; (void)bias; (void)y; (void)batch; (void)cin; (void)cout; (void)h; (void)wd; (void)kh; (void)kw;
  (void)s; (void)p; (void)oh; (void)ow; (void)scratch;
  return 0;
#endif
}

int sk_convolution_weight_gradient_f32(const float *g, const float *x, float *dw, int accumulate, size_t batch,
                                       size_t cin, size_t cout, size_t h, size_t wd, size_t kh, size_t kw, size_t s,
                                       size_t p, size_t oh, size_t ow, float *scratch) {
#if defined(__x86_64__) && defined(__clang__)
  if (!sk_gemm_f32_available() || batch == 0 || sk_sgemm_small_by_size(cout, cin * kh * kw, batch * oh * ow)) return 0;
  sk_convolution_weight_gradient_f32_avx512(g, x, dw, accumulate, batch, cin, cout, h, wd, kh, kw, s, p, oh, ow, scratch);
  return 1;
#else
  (void)g; (void)x; (void)dw; (void)accumulate; (void)batch; (void)cin; (void)cout; (void)h; (void)wd; (void)kh;
  (void)kw; (void)s; (void)p; (void)oh; (void)ow; (void)scratch;
  return 0;
#endif
}

size_t sk_convolution_adjoint_scratch(size_t cin, size_t cout, size_t kh, size_t kw, size_t oh, size_t ow) {
  const size_t K = cin * kh * kw;
  return K * (oh * ow + 64) + (K + 7) / 8 * 8 * cout;
}

int sk_convolution_adjoint_f32(const float *w, const float *g, float *x, size_t batch, size_t cin, size_t cout,
                               size_t h, size_t wd, size_t kh, size_t kw, size_t s, size_t p, size_t oh, size_t ow,
                               float *scratch) {
#if defined(__x86_64__) && defined(__clang__)
  if (!sk_gemm_f32_available() || cout > 320 || cout == 0 || batch == 0) return 0;
  return sk_convolution_adjoint_f32_avx512(w, g, x, batch, cin, cout, h, wd, kh, kw, s, p, oh, ow, scratch);
#else
  (void)w; (void)g; (void)x; (void)batch; (void)cin; (void)cout; (void)h; (void)wd; (void)kh; (void)kw; (void)s; (void)p;
  (void)oh; (void)ow; (void)scratch;
  return 0;
#endif
}

int sk_gemm_f32_available(void) {
#if defined(__x86_64__) && defined(__clang__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
         && __builtin_cpu_supports("avx512bw");
#else
  return 0;
#endif
}

int sk_gemm_f32(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t ldb,
                int accumulate, float *c, size_t ldc) {
#if defined(__x86_64__) && defined(__clang__)
  if (!sk_gemm_f32_available()) return 0;
  /* The turned panel of a transposed B: one K block (≤ 320) on the stack; the one-block products
     below 100³ multiply–adds may have a longer k, with a panel from the heap. */
  float stack_panel[320 * 32] __attribute__((aligned(64)));
  const int blocked = !sk_sgemm_small_by_size(m, n, k);
  float *panel = stack_panel;
  if (tb && !blocked && k > 320 && !(panel = malloc(k * 32 * sizeof(float)))) return 0;
  /* OpenBLAS's K blocks (sk_k_block). Each block's chain of fused multiply–adds is added to C in block order, as OpenBLAS adds its
     kernel's partial sums; the first block starts from C or from zero (`accumulate`). Products of
     at most 100³ multiply–adds take OpenBLAS's small-matrix path (only with a transposed A here;
     include/CKernels.h), which runs one chain over the whole of k: no blocks there. */
  sk_gemm_f32_avx512(ta, tb, m, n, k, blocked, a, lda, b, ldb, accumulate, c, ldc, panel);
  if (panel != stack_panel) free(panel);
  return 1;
#else
  (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)accumulate; (void)c; (void)ldc;
  return 0;
#endif
}

/* The one single-precision transpose (Tensor.transposed, and through it matmul's transposed B
   operands): 16 × 16 register blocks on AVX-512, an element loop elsewhere. */
void sk_transpose_f32(const float *x, size_t rows, size_t cols, float *out) {
#if defined(__x86_64__) && defined(__clang__)
  if (sk_gemm_f32_available()) {
    sk_transpose_f32_avx512(x, cols, rows, cols, out);
    return;
  }
#endif
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
}
