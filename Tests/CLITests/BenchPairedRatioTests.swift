import Foundation
import Testing
import TestSupport

/// bench/paired.py: the paired ratios bench/compare and bench/against print, with the sign test's
/// interval for their median and a verdict against a threshold.
///
/// Checked against values derived by hand, not by the module: the Binomial(n, ½) distribution
/// function, the order statistics the interval must pick and its coverage for 5, 10 and 20 pairs.
/// Checked also by simulation: for ratios drawn from a continuous distribution, the interval
/// holds the true median in the stated fraction of 20,000 draws. And the table: `bench/compare
/// --render` of a run with paired ratios prints their line, and a run saved before they existed
/// still renders.
@Suite("bench/paired.py")
struct BenchPairedRatioTests {
    static let bench = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench").path

    /// Runs `body` (Python; `paired` imported from bench/) and expects it to print `OK`.
    func python(_ body: String) throws {
        guard let interpreter = pythonImporting("statistics", orSkipping: "bench/paired.py") else { return }
        let script = "import sys\nsys.path.insert(0, sys.argv[1])\nimport paired\n" + body + "\nprint('OK')\n"
        let r = try runPython(interpreter, script: script, arguments: [Self.bench])
        #expect(r.status == 0 && r.output.hasSuffix("OK\n"), "\(r.output)\(r.error)")
    }

    @Test func intervalIsTheSignTestsOrderStatistics() throws {
        try python("""
        from fractions import Fraction as F
        # P(B ≤ k) for B ~ Binomial(n, 1/2), by hand: C(5,0) = 1; C(10,0..1) = 1 + 10; C(20,0..5) = 1+20+190+1140+4845+15504
        assert paired.binomial_cdf_half(5, 0) == 1 / 32
        assert paired.binomial_cdf_half(10, 1) == 11 / 1024
        assert paired.binomial_cdf_half(20, 5) == 21700 / 2 ** 20
        assert paired.binomial_cdf_half(4, -1) == 0 and paired.binomial_cdf_half(4, 4) == 1
        # 5 pairs: even [min, max] misses 95% (P(B ≤ 0) = 1/32 > 2.5%); it is the widest, at 1 − 2/32
        assert paired.median_interval([5, 1, 4, 2, 3]) == (3, 1, 5, 0.9375)
        # 10 pairs: P(B ≤ 1) = 11/1024 ≤ 2.5% < P(B ≤ 2) = 56/1024, so k = 2: [x(2), x(9)] at 1 − 22/1024
        assert paired.median_interval(list(range(10, 0, -1))) == (5.5, 2, 9, 1 - 22 / 1024)
        # 20 pairs: P(B ≤ 5) = 21700/2^20 ≤ 2.5% < P(B ≤ 6) = 60460/2^20, so k = 6: [x(6), x(15)]
        m, lo, hi, c = paired.median_interval(list(range(1, 21)))
        assert (m, lo, hi) == (10.5, 6, 15) and abs(c - (1 - 43400 / 2 ** 20)) < 1e-15, (m, lo, hi, c)
        assert paired.median_interval([7.0]) == (7.0, 7.0, 7.0, 0.0)
        """)
    }

    @Test func coverageHoldsInSimulation() throws {
        try python("""
        import random
        rng = random.Random(1)
        for n in (5, 7, 12):
            _, _, _, stated = paired.median_interval(list(range(n)))
            hits = 0
            for _ in range(20000):
                x = [rng.random() for _ in range(n)]   # continuous, true median 0.5
                _, lo, hi, _ = paired.median_interval(x)
                hits += lo <= 0.5 <= hi
            # exact for a continuous distribution; the simulation's standard error is below 0.0018
            assert abs(hits / 20000 - stated) < 0.008, (n, hits / 20000, stated)
        """)
    }

    @Test func verdictNeedsTheWholeIntervalOnOneSideAndEnoughPairs() throws {
        try python("""
        p = paired.paired({0: 80, 1: 85, 2: 82, 3: 88, 4: 84}, {k: 100 for k in range(5)}, 0.9)
        assert p["verdict"] == "< 0.9" and p["pairs"] == 5 and (p["low"], p["high"]) == (0.8, 0.88), p
        assert paired.paired({k: 95 + k for k in range(6)}, {k: 100 for k in range(6)}, 0.9)["verdict"] == "> 0.9"
        assert paired.paired({0: 80, 1: 95, 2: 82, 3: 88, 4: 84}, {k: 100 for k in range(5)}, 0.9)["verdict"] == "UNDECIDED"
        # four pairs cover only 87.5%: undecided even when every ratio is below
        assert paired.paired({k: 50 for k in range(4)}, {k: 100 for k in range(4)}, 0.9)["verdict"] == "UNDECIDED"
        # only alternations both ran are paired: 2 and 3 are missing on one side
        p = paired.paired({0: 50, 1: 60, 2: 70}, {0: 100, 1: 100, 3: 100}, 1.0)
        assert p["pairs"] == 2 and p["median"] == 0.55, p
        assert paired.paired({0: 1.0}, {1: 1.0}, 1.0) is None
        assert paired.describe(None) == "–"
        assert paired.describe(paired.paired({k: 80 for k in range(5)}, {k: 100 for k in range(5)}, 0.9)) == "0.80 [0.80–0.80] 93.8% < 0.9"
        """)
    }

    @Test func compareRendersThePairedLineAndOldRuns() throws {
        guard let interpreter = pythonImporting("statistics", orSkipping: "bench/compare --render") else { return }
        let row: [String: Any] = ["workload": "W6", "threads": 2, "saddle_median_us": 50000.0, "saddle_min_us": 48000.0,
                                  "saddle_max_us": 60000.0, "pytorch_median_us": 60000.0, "pytorch_min_us": 55000.0,
                                  "pytorch_max_us": 70000.0, "ratio_to_pytorch": 50000.0 / 60000.0]
        var withPairs = row
        withPairs["paired_ratio_to_pytorch"] = ["median": 0.83, "low": 0.8, "high": 0.86, "coverage": 0.9375, "pairs": 5,
                                                "threshold": 0.9, "verdict": "< 0.9"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paired-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, r, expectPaired) in [("new", withPairs, true), ("old", row, false)] {
            var run: [String: Any] = ["machine": [["threads": 2, "fma_peak_gflops": 350.0]], "alternations": 5, "iterations": 10,
                                      "warmup": 2, "frameworks": ["saddle", "pytorch"], "rows": [r]]
            if expectPaired { run["threshold"] = 0.9 }
            let file = dir.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: run).write(to: file)
            let script = "import runpy, sys\nsys.argv = [sys.argv[1], '--render', sys.argv[2]]\nrunpy.run_path(sys.argv[0], run_name='__main__')"
            let out = try runPython(interpreter, script: script, arguments: [Self.bench + "/compare", file.path])
            #expect(out.status == 0, "\(name): \(out.error)")
            #expect(out.output.contains("W6") && out.output.contains("0.83"), "\(name): \(out.output)")
            #expect(out.output.contains("S/PT 0.83 [0.80–0.86] 93.8% < 0.9") == expectPaired, "\(name): \(out.output)")
        }
    }

    /// `bench/compare` measuring, with a stand-in peer interpreter (imports succeed, every peer step
    /// takes 2,000 µs) and the real `saddle` on W1: it runs to the end, keeps each alternation's
    /// times, pairs them, and reverses the frameworks' order in the second alternation.
    @Test func compareMeasuresPairsAndAlternatesTheOrder() throws {
        guard let interpreter = pythonImporting("statistics", orSkipping: "bench/compare") else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = dir.appendingPathComponent("peer-python").path
        try "#!/bin/sh\ncase \"$1\" in -c) exit 0;; esac\necho '{\"median_us\": 2000.0}'\n".write(toFile: stub, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub)
        let script = "import runpy, sys\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')"
        let r = try runPython(interpreter, script: script, arguments: [
            Self.bench + "/compare", "--python", stub, "--saddle", SaddleBinary.url.path, "--workloads", "W1", "--threads", "1",
            "--alternations", "2", "--iterations", "2", "--warmup", "0", "--json"])
        #expect(r.status == 0, "\(r.error)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let row = try #require((result["rows"] as? [[String: Any]])?.first)
        let saddle = try #require(row["saddle_runs_us"] as? [Double]), peer = try #require(row["pytorch_runs_us"] as? [Double])
        #expect(saddle.count == 2 && peer == [2000, 2000], "\(row)")
        let pairs = try #require(row["paired_ratio_to_pytorch"] as? [String: Any])
        #expect(pairs["pairs"] as? Int == 2)
        let median = try #require(pairs["median"] as? Double)
        #expect(abs(median - (saddle[0] + saddle[1]) / 4000) < 1e-12, "\(pairs)")
        let order = r.error.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("alternation"), let name = line.split(separator: " ").dropFirst(4).first else { return nil }
            return String(name.dropLast())
        }
        #expect(order == ["saddle", "pytorch", "jax-jit", "jax-jit", "pytorch", "saddle"], "\(order)")
    }

    /// `bench/compare --render a.json b.json …` prints each table, then the paired ratios of all
    /// their alternations pooled (missing alternations and runs saved without per-alternation
    /// times add no pairs); a file that is not a saved run is refused with its name.
    @Test func renderPoolsThePairsOfSeveralRuns() throws {
        guard let interpreter = pythonImporting("statistics", orSkipping: "bench/compare --render") else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pooled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func save(_ name: String, saddle: [Double?]?, pytorch: [Double?]?, threshold: Double) throws -> String {
            var row: [String: Any] = ["workload": "W6", "threads": 2, "saddle_median_us": 90.0, "saddle_min_us": 80.0,
                                      "saddle_max_us": 100.0, "pytorch_median_us": 100.0, "pytorch_min_us": 100.0,
                                      "pytorch_max_us": 100.0, "ratio_to_pytorch": 0.9]
            if let saddle, let pytorch {
                row["saddle_runs_us"] = saddle.map { $0 as Any? ?? NSNull() }
                row["pytorch_runs_us"] = pytorch.map { $0 as Any? ?? NSNull() }
            }
            let run: [String: Any] = ["machine": [["threads": 2]], "alternations": 3, "iterations": 10, "warmup": 2,
                                      "frameworks": ["saddle", "pytorch"], "threshold": threshold, "rows": [row]]
            let path = dir.appendingPathComponent(name).path
            try JSONSerialization.data(withJSONObject: run).write(to: URL(fileURLWithPath: path))
            return path
        }
        let a = try save("a.json", saddle: [80, 90, 100], pytorch: [100, 100, 100], threshold: 0.9)
        let b = try save("b.json", saddle: [85, 95, nil], pytorch: [100, 100, 100], threshold: 1.0)
        let old = try save("old.json", saddle: nil, pytorch: nil, threshold: 1.0)
        let script = "import runpy, sys\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')"
        let compare = Self.bench + "/compare"
        // ratios 0.80, 0.90, 1.00, 0.85, 0.95: median 0.90, five pairs give [min, max] at 93.75%
        let pooled = try runPython(interpreter, script: script, arguments: [compare, "--render", a, b, old])
        #expect(pooled.status == 0, "\(pooled.error)")
        #expect(pooled.output.contains("pooled paired ratios over 3 runs") && pooled.output.contains("against 0.9 "), "\(pooled.output)")
        #expect(pooled.output.contains("S/PT 0.90 [0.80–1.00] 93.8% UNDECIDED, 5 pairs"), "\(pooled.output)")
        let above = try runPython(interpreter, script: script, arguments: [compare, "--render", a, b, "--threshold", "1.05"])
        #expect(above.output.contains("S/PT 0.90 [0.80–1.00] 93.8% < 1.05, 5 pairs"), "\(above.output)")
        let bad = dir.appendingPathComponent("bad.json").path
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try runPython(interpreter, script: script, arguments: [compare, "--render", a, bad])
        #expect(refused.status != 0 && refused.error.contains("bad.json") && refused.error.contains("not a run"), "\(refused.error)")
    }
}
