/* Does OpenBLAS's sgemm give the same bits at one and at two threads?
 *
 * For C = A·B with A [m, K] and B [K, n] (row-major, random operands in [-0.5, 0.5)), computes C
 * at one thread and at two and compares the bytes, for every K in 1...kmax. Prints the K that
 * differ, as ranges. docs/metrics.md explains why the answer matters for the classifier caches.
 *
 *   cc -O2 bench/blas-thread-bits.c -o /tmp/blas-thread-bits -lopenblas
 *   /tmp/blas-thread-bits [m n kmax]        (default 64 256 1024)
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int);

static int same_bits(int m, int n, int k) {
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c1 = calloc((size_t)m * n, sizeof(float)), *c2 = calloc((size_t)m * n, sizeof(float));
    if (!a || !b || !c1 || !c2) { fprintf(stderr, "blas-thread-bits: out of memory\n"); exit(1); }
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)rand() / RAND_MAX - 0.5f;
    openblas_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c1, n);
    openblas_set_num_threads(2);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c2, n);
    int same = memcmp(c1, c2, sizeof(float) * (size_t)m * n) == 0;
    free(a); free(b); free(c1); free(c2);
    return same;
}

int main(int argc, char **argv) {
    int m = argc > 1 ? atoi(argv[1]) : 64, n = argc > 2 ? atoi(argv[2]) : 256, kmax = argc > 3 ? atoi(argv[3]) : 1024;
    if (m < 1 || n < 1 || kmax < 1) { fprintf(stderr, "usage: blas-thread-bits [m n kmax], all positive\n"); return 2; }
    int differ = 0, start = 0;
    for (int k = 1; k <= kmax + 1; k++) {
        int d = k <= kmax && !same_bits(m, n, k);
        if (d) { differ++; if (!start) start = k; }
        else if (start) { printf(start == k - 1 ? "differ: K = %d\n" : "differ: K = %d...%d\n", start, k - 1); start = 0; }
    }
    printf("m = %d, n = %d: %d of K = 1...%d differ between one and two threads\n", m, n, differ, kmax);
    return 0;
}
