import Foundation
import Testing
import TestSupport

/// `saddle solve` as users see it (issue 3, acceptance 5): the JSON summary, the run folder, and
/// one-line errors that list the valid choices.
@Suite("saddle solve")
struct SolveCommandTests {
    func json(_ args: [String]) throws -> [String: Any] {
        let r = try SaddleBinary.run(["solve"] + args + ["--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// θφ from (2, 0.5), EFTP at α = 0.5 (the double root 1/√2): squared-distance factor ≈ 0.507
    /// (accept 0.49–0.53) and final/initial distance below 1e-27.
    @Test func eftpOnBilinearReportsTheRate() throws {
        let o = try json(["--game", "bilinear", "--method", "eftp", "--step", "0.5", "--iterations", "200"])
        for key in ["initial_distance", "final_distance", "residual", "observed_rate", "oracle_calls", "iterations"] {
            #expect(o[key] is Double, "missing \(key)")
        }
        let rate = try #require(o["observed_rate"] as? Double)
        #expect(rate >= 0.49 && rate <= 0.53, "observed rate \(rate)")
        let d0 = try #require(o["initial_distance"] as? Double), d = try #require(o["final_distance"] as? Double)
        #expect(abs(d0 - (4.25).squareRoot()) < 1e-12)
        #expect(d / d0 < 1e-27)
        #expect(o["iterations"] as? Double == 200 && o["oracle_calls"] as? Double == 201)
    }

    @Test func runFolderHasTheTrajectoryAndTheResolvedConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-solve-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let o = try json(["--game", "bilinear", "--method", "srfb", "--step", "0.5", "--iterations", "50", "--out", dir])
        #expect(o["out"] as? String == dir)
        let csv = try String(contentsOfFile: dir + "/trajectory.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "iteration,oracle_calls,distance,residual,gap,theta,phi")
        #expect(csv.count == 52)
        #expect(csv[1].hasPrefix("0,0.0,") && csv[1].hasSuffix(",2.0,0.5"))
        let config = try String(contentsOfFile: dir + "/config.yaml", encoding: .utf8)
        for line in ["game: bilinear", "method: srfb", "step_size: 0.5", "relaxation: 0.618", "seed: 0", "iterations: 50"] {
            #expect(config.contains(line), "config.yaml lacks '\(line)':\n\(config)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/summary.json"))
    }

    @Test func toleranceAndOracleBudgetStopTheRun() throws {
        let tol = try json(["--game", "avi-psd", "--dimension", "40", "--method", "eg", "--tol", "1e-6", "--iterations", "100000"])
        #expect(tol["stop_reason"] as? String == "tolerance")
        #expect((tol["residual"] as? Double ?? 1) <= 1e-6)
        let budget = try json(["--game", "bilinear", "--method", "eg", "--step", "0.1", "--max-oracle-calls", "11", "--iterations", "100"])
        #expect(budget["stop_reason"] as? String == "max-oracle-calls" && budget["oracle_calls"] as? Double == 10)
        let gap = try json(["--game", "matrix-game", "--dimension", "10", "--method", "mirror-prox", "--iterations", "300"])
        #expect((gap["gap"] as? Double ?? 1) < 0.05)
    }

    @Test(arguments: [
        (["--step", "-1"], "(0, ∞)"),
        (["--step=-0.5"], "(0, ∞)"),
        (["--method", "srfb", "--relaxation", "1.2"], "[0, 1)"),
        (["--method", "srfb", "--relaxation", "-0.1"], "[0, 1)"),
        (["--game", "no-such-game"], "bilinear, bilinear-matrix, quadratic"),
        (["--method", "no-such-method"], "fb, alternating-gda, eg, eftp, ogda, frb, srfb, graal"),
        (["--method", "alternating-gda", "--discriminator-steps", "0"], "≥ 1"),
        (["--game", "matrix-game", "--method", "eg", "--average", "nope"], "uniform"),
    ])
    func invalidParametersExitNonZeroWithOneLine(_ args: [String], _ listed: String) throws {
        let r = try SaddleBinary.run(["solve"] + args)
        #expect(r.status != 0)
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error:") && first.contains(listed), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Program crashed"))
    }

    @Test func relaxationBelowTheTheoryWarnsOnStderr() throws {
        let r = try SaddleBinary.run(["solve", "--method", "srfb", "--relaxation", "0.5", "--step", "0.5", "--iterations", "10", "--json"])
        #expect(r.status == 0 && r.stderr.hasPrefix("warning:") && r.stderr.contains("0.618"))
    }
}
