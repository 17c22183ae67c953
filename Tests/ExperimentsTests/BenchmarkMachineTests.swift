import Testing
import Experiments
import Tensors

/// The suite's yardsticks: the machine's FMA peak and streaming read bandwidth, and the W4 bound
/// computed from them.
@Suite("Benchmark machine measurements")
struct BenchmarkMachineTests {
    /// The probes measure something, and what they measure has the machine's shape: two threads
    /// retire more FMAs than one, and reading a cache-resident 8 MB buffer is faster than reading
    /// 128 MB from DRAM. (Loose bounds: the rates are per thread CPU time, so load hardly moves them.)
    @Test func probesMeasureThePeakAndTheBandwidths() {
        let profile = MachineProfile.measure(threadCounts: [1, 2], trials: 2)
        let one = profile.row(threads: 1)!, two = profile.row(threads: 2)!
        #expect(one.fma_peak_gflops > 5, "1-thread FMA peak \(one.fma_peak_gflops) GFLOP/s")
        #expect(two.fma_peak_gflops > 1.3 * one.fma_peak_gflops, "2 threads \(two.fma_peak_gflops) vs 1: \(one.fma_peak_gflops)")
        #expect(one.cache_read_gbytes_per_second > 1.5 * one.dram_read_gbytes_per_second && one.dram_read_gbytes_per_second > 0.5,
                "8 MB \(one.cache_read_gbytes_per_second) GB/s, 128 MB \(one.dram_read_gbytes_per_second) GB/s")
    }

    /// W4's bound is the time to stream its bytes at the matching bandwidth, and the row's % of
    /// the bound is bound / median; GAN steps get % of peak and no bound.
    @Test func rowsGivePercentOfPeakAndOfTheBound() throws {
        var bench = Benchmark(workloads: [.w4, .w1], threadCounts: [1])
        bench.repetitions = 1
        bench.iterations = 2
        bench.warmup = 0
        let profile = MachineProfile(rows: [.init(threads: 1, fma_peak_gflops: 100, cache_read_gbytes_per_second: 50,
                                                  dram_read_gbytes_per_second: 10)])
        let rows = try bench.run(machine: profile)
        let w4 = rows.first { $0.workload == "W4-1000" }!, w1 = rows.first { $0.workload == "W1" }!
        #expect(abs(w4.bound_us! - 32e6 / 50e9 * 1e6) < 1e-9)  // 32 MB at 50 GB/s = 640 µs
        #expect(abs(w4.percent_of_bound! - 100 * w4.bound_us! / w4.median_us) < 1e-9)
        #expect(abs(w1.percent_of_peak! - w1.gflops) < 1e-9)    // a 100 GFLOP/s peak
        #expect(w1.bound_us == nil)
    }
}
