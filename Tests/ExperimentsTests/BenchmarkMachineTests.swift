import Testing
import Experiments
import Tensors
import CKernels

/// The suite's yardsticks: the machine's FMA peak and streaming read bandwidth, and the W4 bound
/// computed from them.
@Suite("Benchmark machine measurements")
struct BenchmarkMachineTests {
    /// The probes measure something: finite, positive rates at each thread count. How fast the
    /// host is (two threads against one, cache against DRAM) depends on its load, so it is not a test
    /// verdict (issue 18): the benchmark warns instead (``MachineProfile/warnings``, next test).
    @Test func probesMeasureThePeakAndTheBandwidths() {
        let profile = MachineProfile.measure(threadCounts: [1, 2], trials: 2)
        #expect(profile.rows.map(\.threads) == [1, 2])
        for r in profile.rows {
            for (name, v) in [("FMA peak", r.fma_peak_gflops), ("8 MB read", r.cache_read_gbytes_per_second), ("128 MB read", r.dram_read_gbytes_per_second)] {
                #expect(v.isFinite && v > 0, "\(r.threads) thread(s): \(name) \(v)")
            }
        }
    }

    /// The two FMA probes do the work they count: 12 8-wide chains (96 lanes) and 24 16-wide ones
    /// (384 lanes) of the same recurrence x ← 0.999999·x + 1e-7 from 1, so each lane ends at the
    /// same value and the sums they return stand in the ratio of their lanes. A probe that ran
    /// fewer chains or lanes than it counts would give another ratio.
    @Test func theFMAProbesRunTheChainsTheyCount() throws {
        var narrow: Float = 0, wide: Float = 0
        #expect(sk_probe_fma_f32(1000, &narrow) == 192_000)
        var lane: Float = 1
        for _ in 0..<1000 { lane = Float(1e-7).addingProduct(lane, 0.999999) }  // one fused multiply–add, as the probes
        #expect(abs(narrow / 96 - lane) <= 1e-6 * lane, "AVX2 chains: \(narrow / 96) per lane, expected \(lane)")
        let flops = sk_probe_fma512_f32(1000, &wide)
        if BLAS.coreForThisCPU == "Cooperlake" || BLAS.coreForThisCPU == "SkylakeX" {  // AVX-512
            #expect(flops == 768_000)
            #expect(abs(wide / 384 - lane) <= 1e-6 * lane, "AVX-512 chains: \(wide / 384) per lane, expected \(lane)")
        } else {
            #expect(flops == 0)
        }
    }

    /// The benchmark's warnings about a loaded host, on made-up measurements.
    @Test func aLoadedHostIsReportedNotFailed() {
        func profile(_ peak2: Double, _ cache: Double) -> MachineProfile {
            MachineProfile(rows: [.init(threads: 1, fma_peak_gflops: 100, cache_read_gbytes_per_second: cache, dram_read_gbytes_per_second: 20),
                                  .init(threads: 2, fma_peak_gflops: peak2, cache_read_gbytes_per_second: 2 * cache, dram_read_gbytes_per_second: 25)])
        }
        #expect(profile(190, 60).warnings.isEmpty)
        let busy = profile(114, 60).warnings
        #expect(busy.count == 1 && busy[0].contains("1.14 × the FMAs of 1"), "\(busy)")
        let shared = profile(190, 25).warnings
        #expect(shared.count == 1 && shared[0].contains("at 1 thread(s) an 8 MB buffer reads at 25.0 GB/s"), "\(shared)")
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
        // By CPU time: the MFLOP per iteration over the process's CPU µs per iteration, against
        // the 1-thread peak of 100 GFLOP/s.
        let cpu = try #require(w1.median_cpu_us)
        #expect(cpu > 0 && abs(w1.percent_of_peak_by_cpu! - w1.mflop_per_iteration / cpu * 1e3) < 1e-9)
    }

    /// Without a 1-thread row in the profile, efficiency by CPU time is against the measured
    /// t-thread peak's share per thread.
    @Test func efficiencyByCPUTimeWithoutAOneThreadRow() throws {
        var bench = Benchmark(workloads: [.w1], threadCounts: [2])
        (bench.repetitions, bench.iterations, bench.warmup) = (1, 2, 0)
        let profile = MachineProfile(rows: [.init(threads: 2, fma_peak_gflops: 160, cache_read_gbytes_per_second: 50,
                                                  dram_read_gbytes_per_second: 10)])
        let w1 = try #require(try bench.run(machine: profile).first)
        let cpu = try #require(w1.median_cpu_us)
        #expect(abs(w1.percent_of_peak_by_cpu! - w1.mflop_per_iteration / cpu * 1e3 / 80 * 100) < 1e-9)
    }
}
