import CKernels
import Dispatch

/// Measures the machine itself — its FMA peak and its streaming read bandwidth — so that
/// benchmarks report "% of peak" against this machine, today, rather than against a number from a
/// data sheet (a shared VM's clock and neighbours move both).
///
/// Each measurement runs `threads` copies of a C probe at once (``CKernels``' `sk_probe_*`) and
/// keeps the best of several trials: a peak is what the machine can do, and a noisy neighbour can
/// only make a trial slower.
public enum MachineProbe {
    /// GFLOP/s of independent FP32 FMA chains on `threads` threads at once, at the widest vectors
    /// that retire the most: the better of 12 8-wide chains (AVX2) and, where the CPU has AVX-512,
    /// 24 16-wide ones — each the best of `trials` trials of about 20 ms of CPU time (see `timed`).
    /// On Intel cores with two 512-bit FMA units the AVX-512 chains retire twice the FLOPs (93
    /// against 175 GFLOP/s a core on a Xeon of model 207, 2026-12-07); AMD's Zen 4 runs a 512-bit
    /// FMA as two 256-bit halves, so there the two should agree (not measured since the change).
    /// Until 2026-12-07 only the AVX2 chains ran, which halved the peak of such Intel cores. 0 on a
    /// CPU without AVX2 + FMA.
    public static func fmaPeak(threads: Int, trials: Int = 5) -> Double {
        ensure(threads >= 1 && trials >= 1, "MachineProbe.fmaPeak: threads \(threads) and trials \(trials) must be ≥ 1")
        let iterations = 10_000_000  // 1.9 GFLOP per thread with AVX2: ≈ 20 ms at 100 GFLOP/s
        var best = 0.0
        // The AVX-512 chains do 4× the FLOPs an iteration: half the iterations keep a trial near 20 ms.
        let probes: [(run: (Int, UnsafeMutablePointer<Float>) -> Double, iterations: Int)] =
            [(sk_probe_fma_f32, iterations), (sk_probe_fma512_f32, iterations / 2)]
        for _ in 0..<trials {
            for probe in probes {
                let flopsPerSecond = timed(threads) { _ in
                    var sink: Float = 0
                    return probe.run(probe.iterations, &sink) + (sink.isNaN ? 1 : 0)
                }
                best = max(best, flopsPerSecond / 1e9)
            }
        }
        return best
    }

    /// GB/s of reading a buffer of `bytes` (Float64s) from start to end, split into `threads`
    /// equal parts read at once, best of `trials`. A buffer that fits the last-level cache
    /// (8 MB here) measures cache bandwidth; one far larger (128 MB) measures DRAM bandwidth.
    public static func streamingRead(bytes: Int, threads: Int, trials: Int = 5) -> Double {
        ensure(threads >= 1 && trials >= 1 && bytes >= 8 * threads, "MachineProbe.streamingRead: bad arguments")
        let n = bytes / 8
        let buffer = Tensor.filled(1, [n], dtype: .float64)  // touched, so no page faults are timed
        let chunk = n / threads
        // Enough passes for ≥ ~25 ms per trial at 40 GB/s, so thread start-up is noise.
        let passes = max(1, 1_000_000_000 / bytes)
        nonisolated(unsafe) let base = buffer.f64
        var best = 0.0
        defer { withExtendedLifetime(buffer) {} }
        for _ in 0..<trials {
            let bytesPerSecond = timed(threads) { t in
                var s = 0.0
                for _ in 0..<passes { s += sk_probe_stream_read_f64(base + t * chunk, chunk) }
                return s > 0 ? Double(passes * chunk * 8) : 0
            }
            best = max(best, bytesPerSecond / 1e9)
        }
        return best
    }

    /// Runs `work(t)` for t in 0..<threads at once and returns Σₜ work(t) / (CPU seconds of t).
    ///
    /// Rates are per thread CPU time, not wall time: on a shared machine (this project's has 2
    /// cores and often 6+ runnable processes) a wall-clock trial measures the neighbours, while the
    /// rate at which a thread retires FMAs or reads memory *while it runs* is the machine's. The
    /// threads run at once, so a shared resource (the L3, DRAM) is shared during the measurement.
    private static func timed(_ threads: Int, _ work: @escaping @Sendable (Int) -> Double) -> Double {
        let rates = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
        defer { rates.deallocate() }
        nonisolated(unsafe) let r = rates
        let one: @Sendable (Int) -> Void = { t in
            let start = CPUTime.thread
            let amount = work(t)
            r[t] = amount / max(CPUTime.thread - start, 1e-9)
        }
        if threads == 1 { one(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: one) }
        return rates.reduce(0, +)
    }
}

#if canImport(Glibc)
import Glibc
#endif
