import CBLAS
import CKernels

/// Process-wide control of OpenBLAS: its thread count and what it runs on.
public enum BLAS {
    /// The number of threads OpenBLAS uses for matrix products: 1 from the start of every program
    /// that links Saddle (set by a constructor in CKernels, blas_threads.c, whatever
    /// `OPENBLAS_NUM_THREADS` says), the count at which Saddle's results are defined. Raising it
    /// may change the last bits of products whose inner dimension exceeds OpenBLAS's K block
    /// (docs/metrics.md) and oversubscribes the cores under Saddle's own workers; `saddle analyze
    /// --threads` raises it for its large products. (An OpenMP build of OpenBLAS sets OpenMP's
    /// count with it: see docs/architecture.md.)
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            ensure(newValue >= 1, "BLAS.threads must be at least 1, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// The OpenBLAS kernel family chosen at run time (for example "Cooperlake", "Haswell").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// Whether Saddle's own elementwise kernels run their AVX2 + FMA clone.
    public static var kernelsUseAVX2: Bool { sk_uses_avx2() != 0 }

    /// The number of online processors (the default thread count).
    public static var availableCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#endif
