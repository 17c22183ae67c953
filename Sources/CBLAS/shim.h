#ifndef SADDLE_CBLAS_SHIM_H
#define SADDLE_CBLAS_SHIM_H
/* OpenBLAS through Debian's multiarch cblas.h (pkg-config openblas adds the openblas-pthread path). */
#include <cblas.h>
/* OpenBLAS extensions, declared again so the shim also compiles against a generic cblas.h. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
/* LAPACK (OpenBLAS ships it): symmetric and general eigenvalues, used by diagnostics. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info);
/* LAPACK's dense solve, the independent reference of the Krylov tests. */
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);
#endif
