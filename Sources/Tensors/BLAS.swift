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

    /// The OpenBLAS kernel family this CPU's instruction sets can run ("Cooperlake", "SkylakeX",
    /// "Haswell"), nil for older or non-x86 CPUs: what OpenBLAS 0.3 picks on the CPUs its table
    /// knows with those sets.
    public static var coreForThisCPU: String? {
        guard let p = sk_openblas_core_for_cpu() else { return nil }
        return String(cString: p)
    }

    /// The kernel family to ask OpenBLAS for through `OPENBLAS_CORETYPE` (read once, when OpenBLAS
    /// loads), or nil to keep the one it chose.
    ///
    /// OpenBLAS picks its kernels from a table of CPU models; a model newer than the table (Intel's
    /// model 207, Emerald Rapids, under Debian 12's OpenBLAS 0.3.21) gets its generic "Prescott"
    /// kernels — SSE3, slower than the AVX-512 ones (W1 1.3–1.5× at one thread there), and summing in another order,
    /// so the same seed gave other bits than on the CPUs the table knows (W6's fingerprint
    /// 3817024f… against 4faa4f74…, 2026-12-07). This asks for the family the CPU's instruction
    /// sets allow (``coreForThisCPU``) exactly when OpenBLAS fell back to Prescott on a CPU that
    /// can do better and the user has not named a family themselves (`requested`, the
    /// environment's `OPENBLAS_CORETYPE`, is always left alone). With it, that machine gives the
    /// bits of the others of its family (W6 4faa4f74… as on AMD Zen 4, Cooperlake).
    public static func coreToRequest(chosen: String, forThisCPU: String?, requested: String?) -> String? {
        guard requested == nil, chosen == "Prescott", let better = forThisCPU, better != chosen else { return nil }
        return better
    }

    /// ``coreToRequest(chosen:forThisCPU:requested:)`` for this process: `saddle` restarts itself
    /// with `OPENBLAS_CORETYPE` set to it (``restartWithRequestedCore()``); a program of your own
    /// that links Saddle can do the same, or be started with the variable set.
    public static var coreToRequest: String? {
        coreToRequest(chosen: coreName, forThisCPU: coreForThisCPU,
                      requested: getenv("OPENBLAS_CORETYPE").map { String(cString: $0) })
    }

    /// Starts this program again with `OPENBLAS_CORETYPE` set to ``coreToRequest`` — the same
    /// process (execv of /proc/self/exe) with the same arguments; OpenBLAS reads the variable only
    /// when it loads, and the new image, seeing it set, does not restart again. Returns nil at once
    /// when there is nothing to request. Otherwise it returns only if the restart failed, with the
    /// reason; the variable is then unset again and products keep OpenBLAS's own choice.
    ///
    /// A process-wide action, for the first line of a program's `main`, before any thread starts or
    /// file opens; Saddle's library code never calls it. `saddle` calls it, and so do the programs in
    /// Examples/, so that on a CPU newer than OpenBLAS's table (Intel's model 207 under Debian 12)
    /// they run the kernels — and give the bits — of the CPUs of their family.
    @discardableResult
    public static func restartWithRequestedCore() -> String? {
        guard let core = coreToRequest else { return nil }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        return "OpenBLAS chose its generic \(coreName) kernels on this CPU and restarting with OPENBLAS_CORETYPE=\(core) failed (\(reason)); products run slower and results differ in their last bits from \(core) machines. Set OPENBLAS_CORETYPE=\(core) yourself to avoid this."
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// Whether Saddle's own elementwise kernels run their AVX2 + FMA clone.
    public static var kernelsUseAVX2: Bool { sk_uses_avx2() != 0 }

    /// Whether Saddle's own AVX-512 single-precision products run here (`sk_gemm_f32`: the
    /// mid-sized matrix products and the one-pass convolution kernels; elsewhere OpenBLAS and
    /// im2col/col2im do that work).
    public static var productsUseAVX512: Bool { sk_gemm_f32_available() != 0 }

    /// The number of online processors (the default thread count).
    public static var availableCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#endif
