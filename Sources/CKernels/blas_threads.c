/* OpenBLAS on one thread from the start of every program that links Saddle.

   Saddle's results are defined at one OpenBLAS thread: OpenBLAS cuts a product's inner dimension
   into blocks differently when it runs threaded (docs/metrics.md, bench/blas-thread-bits.c), and
   Saddle's own products (sk_gemm_f32, the two-core matrix–vector split) reproduce its one-thread
   sums. Saddle parallelizes over shards and rows with its own workers, under which OpenBLAS's
   threads only oversubscribe the cores (docs/architecture.md). OpenBLAS starts one thread per core
   (or OPENBLAS_NUM_THREADS); this constructor, run after OpenBLAS's own initialization (a shared
   library's constructors run before those of the program that links it — Debian's OpenBLAS is
   one; with a static OpenBLAS the order is the link's), sets one, so a library user's run gets
   `saddle train`'s bits on any machine. `BLAS.threads = n` raises it afterwards (saddle analyze
   --threads does, for its large products). With an OpenMP build of OpenBLAS this also sets
   OpenMP's thread count for the process (docs/architecture.md). */

/* Weak (ELF): a program that links CKernels without OpenBLAS still links on Linux (the call is then
   skipped). */
extern void openblas_set_num_threads(int num_threads) __attribute__((weak));

__attribute__((constructor)) static void sk_openblas_one_thread(void) {
  if (openblas_set_num_threads) openblas_set_num_threads(1);
}

/* The OpenBLAS kernel family this CPU can run, by its instruction sets: "Cooperlake" (AVX-512 F, CD,
   DQ, BW, VL and BF16), "SkylakeX" (the same without BF16), "Haswell" (AVX2 and FMA), or NULL. What
   OpenBLAS 0.3's own table picks for the CPUs it knows with these sets; used where that table does
   not know the CPU (BLAS.swift, BLAS.coreToRequest). The names are OPENBLAS_CORETYPE's. */
const char *sk_openblas_core_for_cpu(void) {
#if defined(__x86_64__) && defined(__clang__)
  __builtin_cpu_init();
  const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
                     && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")
                     && __builtin_cpu_supports("avx512vl");
  if (avx512 && __builtin_cpu_supports("avx512bf16")) return "Cooperlake";
  if (avx512) return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return 0;
}
