/* im2col and col2im for NCHW convolutions: see include/CKernels.h (sk_unfold, sk_fold). */
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

/* No a*b+c → fma contraction, as in kernels.c (col2im's sums must not depend on the clone). */
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

/* no_builtin: the short row copies stay inline loops (clang turned them into memcpy calls, whose
   call cost exceeded a 7-element copy). */
#if defined(__x86_64__) && defined(__clang__)
#define SK_CONV_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), no_builtin("memcpy", "memset")))
#elif defined(__clang__)
#define SK_CONV_CLONES __attribute__((no_builtin("memcpy", "memset")))
#else
#define SK_CONV_CLONES
#endif

/* Both kernels go plane by plane (sample n, channel i) through the zero-padded plane split into
   its s × s stride phases: phase (a, b) holds the padded plane's entries (Y, X) with Y ≡ a and
   X ≡ b (mod s), at (Y / s, X / s), each phase PH × PW (PH = ⌈(h + 2p)/s⌉, PW = ⌈(w + 2p)/s⌉). The
   element (r, c) of kernel offset (u, v) — padded (r·s + u, c·s + v) — is then entry
   (r + u / s, c + v / s) of phase (u mod s, v mod s): every offset reads (unfold) or adds into (fold)
   contiguous runs of ow elements, with no bounds tests and no strided gathers or scatters. The
   Swift loops these replace tested bounds per 7- or 14-pixel row, and a direct C version with
   stride-2 accesses became scatters (unfold and fold were 18% of a W6 step in perf, 2026-12-06).
   Phases of up to 4096 elements in all use the stack; larger ones malloc (−1 if that fails). */
#define SK_PHASES_ON_STACK 4096

/* Rows move in 8-lane vectors (a 7-pixel row is one load and one store; scalar loops of 7 were
   most of both kernels). A row's vector may run past its end while it stays inside its block of
   oh × ow (the next row rewrites those lanes, unfold) or adds only zeros there (fold: lanes past
   the row are masked to +0 before the add, and x + (+0) = x for every accumulator, which starts
   at +0 and so is never −0); the rows where it would leave the block go element by element. */
typedef float sk_v8_f32 __attribute__((vector_size(32), aligned(4)));
typedef double sk_v8_f64 __attribute__((vector_size(64), aligned(8)));
typedef int32_t sk_m8_f32 __attribute__((vector_size(32)));
typedef int64_t sk_m8_f64 __attribute__((vector_size(64)));
#define SK_VECTOR_SLACK 8

/* The offset in the phases of padded pixel (Y, X): phase (Y mod s, X mod s), entry (Y / s, X / s). */
static inline __attribute__((always_inline)) size_t sk_phase_offset(size_t Y, size_t X, size_t s, size_t phase,
                                                                    size_t PW) {
  return ((Y % s) * s + X % s) * phase + (Y / s) * PW + X / s;
}

/* One body for both directions (`fold` and the stride `s` are constants where it is inlined):
   unfold copies x's plane into the phases, then each offset's rows out to the columns; fold adds
   each offset's rows from the columns into zeroed phases, then copies the plane out to x. */
#define SK_CONVOLUTION_MOVES(T, S)                                                                  \
  static inline __attribute__((always_inline)) int sk_moves_##S(                                    \
      const int fold, const T *in, T *out, size_t batch, size_t channels, size_t h, size_t w,       \
      size_t kh, size_t kw, const size_t s, size_t p, size_t oh, size_t ow, size_t columns) {       \
    /* columns: the row stride of the column matrix (batch · oh · ow, or a wider buffer's) */       \
    const size_t PW = (w + 2 * p + s - 1) / s, phase = ((h + 2 * p + s - 1) / s) * PW;              \
    const size_t plane = oh * ow, total = s * s * phase + SK_VECTOR_SLACK;                          \
    const size_t wide = (ow + 7) & ~(size_t)7; /* lanes moved per row by the vector path */         \
    T stack[SK_PHASES_ON_STACK];                                                                    \
    T *ph = total <= SK_PHASES_ON_STACK ? stack : (T *)malloc(total * sizeof(T));                   \
    if (!ph) return -1;                                                                             \
    sk_m8_##S tail; /* fold: all ones in the lanes of a row's last, partial vector */               \
    for (size_t l = 0; l < 8; l++) tail[l] = l < ow % 8 ? -1 : 0;                                  \
    if (!fold) for (size_t k = 0; k < total; k++) ph[k] = 0; /* unfold's padding, never written */ \
    for (size_t i = 0; i < channels; i++) {                                                         \
      for (size_t n = 0; n < batch; n++) {                                                          \
        T *pixels = (fold ? out : (T *)in) + (n * channels + i) * h * w;                            \
        if (fold) {                                                                                 \
          for (size_t k = 0; k < total; k++) ph[k] = 0;                                             \
        } else {                                                                                    \
          for (size_t y = 0; y < h; y++)                                                            \
            for (size_t z = 0; z < w; z++) ph[sk_phase_offset(y + p, z + p, s, phase, PW)] = pixels[y * w + z]; \
        }                                                                                           \
        /* fold: each pixel's terms arrive in the order of (u, v), from +0 — the order of the      \
           loops over (channel, u, v, sample, r, c) this replaced, so the same sums bit for bit. */ \
        for (size_t u = 0; u < kh; u++) {                                                           \
          for (size_t v = 0; v < kw; v++) {                                                         \
            T *block = (fold ? (T *)in : out) + ((i * kh + u) * kw + v) * columns + n * plane;     \
            T *base = ph + sk_phase_offset(u, v, s, phase, PW);                                     \
            for (size_t r = 0; r < oh; r++) {                                                       \
              T *q = base + r * PW, *b = block + r * ow;                                            \
              if (r * ow + wide > plane) { /* the vectors would leave the block */                 \
                if (fold) for (size_t c = 0; c < ow; c++) q[c] += b[c];                             \
                else for (size_t c = 0; c < ow; c++) b[c] = q[c];                                   \
              } else if (fold) {                                                                    \
                size_t c = 0;                                                                       \
                for (; c + 8 <= ow; c += 8) *(sk_v8_##S *)(q + c) += *(const sk_v8_##S *)(b + c);   \
                if (c < ow) *(sk_v8_##S *)(q + c) += (sk_v8_##S)((sk_m8_##S)*(const sk_v8_##S *)(b + c) & tail); \
              } else {                                                                              \
                for (size_t c = 0; c < wide; c += 8) *(sk_v8_##S *)(b + c) = *(const sk_v8_##S *)(q + c); \
              }                                                                                     \
            }                                                                                       \
          }                                                                                         \
        }                                                                                           \
        if (fold)                                                                                   \
          for (size_t y = 0; y < h; y++)                                                            \
            for (size_t z = 0; z < w; z++) pixels[y * w + z] = ph[sk_phase_offset(y + p, z + p, s, phase, PW)]; \
      }                                                                                             \
    }                                                                                               \
    if (ph != stack) free(ph);                                                                      \
    return 0;                                                                                       \
  }                                                                                                 \
                                                                                                    \
  /* The stride as a constant where it is 1 or 2, so the phase arithmetic (/ s, % s) is shifts and  \
     masks: with a variable s its divisions were most of both kernels' time. */                     \
  static inline __attribute__((always_inline)) int sk_moves_by_stride_##S(                          \
      int fold, const T *in, T *out, size_t batch, size_t channels, size_t h, size_t w, size_t kh,  \
      size_t kw, size_t s, size_t p, size_t oh, size_t ow, size_t ld) {                             \
    if (s == 1) return sk_moves_##S(fold, in, out, batch, channels, h, w, kh, kw, 1, p, oh, ow, ld); \
    if (s == 2) return sk_moves_##S(fold, in, out, batch, channels, h, w, kh, kw, 2, p, oh, ow, ld); \
    return sk_moves_##S(fold, in, out, batch, channels, h, w, kh, kw, s, p, oh, ow, ld);           \
  }                                                                                                 \
  SK_CONV_CLONES int sk_unfold_##S(const T *x, T *cols, size_t batch, size_t channels, size_t h,    \
                                   size_t w, size_t kh, size_t kw, size_t s, size_t p, size_t oh,   \
                                   size_t ow) {                                                     \
    return sk_moves_by_stride_##S(0, x, cols, batch, channels, h, w, kh, kw, s, p, oh, ow, batch * oh * ow); \
  }                                                                                                 \
  SK_CONV_CLONES int sk_fold_##S(const T *cols, T *x, size_t batch, size_t channels, size_t h,      \
                                 size_t w, size_t kh, size_t kw, size_t s, size_t p, size_t oh,     \
                                 size_t ow) {                                                       \
    return sk_moves_by_stride_##S(1, cols, x, batch, channels, h, w, kh, kw, s, p, oh, ow, batch * oh * ow); \
  }                                                                                                 \
  SK_CONV_CLONES int sk_fold_strided_##S(const T *cols, size_t ld, T *x, size_t batch, size_t channels, \
                                         size_t h, size_t w, size_t kh, size_t kw, size_t s, size_t p, \
                                         size_t oh, size_t ow) {                                    \
    return sk_moves_by_stride_##S(1, cols, x, batch, channels, h, w, kh, kw, s, p, oh, ow, ld);    \
  }

SK_CONVOLUTION_MOVES(float, f32)
SK_CONVOLUTION_MOVES(double, f64)
