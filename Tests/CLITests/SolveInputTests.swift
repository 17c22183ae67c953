import Foundation
import Testing
import TestSupport

/// Inputs from a new-user review of `saddle solve`: each must give a one-line error naming the
/// flag, a non-zero exit, and no crash — and `--out` must never replace an earlier run silently.
@Suite("saddle solve: bad input and run folders")
struct SolveInputTests {
    @Test(arguments: [
        (["--game", "dirac-gan", "--penalty", "nan"], "--penalty"),             // crashed before
        (["--game", "gaussian-location", "--penalty", "inf"], "--penalty"),
        (["--game", "avi-psd", "--dimension", "1"], "--dimension"),             // crashed before
        (["--iterations", "-1"], "--iterations"),                                         // was "Missing value"
        (["--iterations", "100000000"], "--iterations"),                                  // memory grew without bound
        (["--tol", "-1"], "--tol"),
        (["--seed", "-1"], "--seed"),
        (["--step", "nan"], "--step"),
        (["--step", "inf"], "--step"),
        (["--noise", "nan"], "--noise"),                                        // was silently dropped
        (["--box", "nan"], "--box"),
        (["--start", "nan,1"], "--start"),
        (["--game", "quadratic", "--coupling", "nan"], "--coupling"),           // blamed the step size
        (["--relaxation", "1"], "--relaxation"),                                // ignored for eftp before
        (["--beta1", "5"], "--beta1"),
        (["--method", "eftp", "--max-oracle-calls", "1.5"], "--max-oracle-calls"), // overspent before
        (["--max-oracle-calls", "-1"], "--max-oracle-calls"),
    ])
    func rejected(_ args: [String], _ flag: String) throws {
        let r = try SaddleBinary.run(["solve"] + args)
        #expect(r.status != 0)
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error:") && first.contains(flag), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("crashed") && !r.stderr.contains("Fatal error"))
    }

    @Test func outRefusesToReplaceAnEarlierRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try SaddleBinary.run(["solve", "--iterations", "50", "--out", dir]).status == 0)
        let before = try String(contentsOfFile: dir + "/trajectory.csv", encoding: .utf8)
        let again = try SaddleBinary.run(["solve", "--iterations", "5", "--method", "eg", "--out", dir])
        #expect(again.status != 0 && again.stderr.contains("--force"))
        #expect(try String(contentsOfFile: dir + "/trajectory.csv", encoding: .utf8) == before)
        let forced = try SaddleBinary.run(["solve", "--iterations", "5", "--method", "eg", "--out", dir, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: dir + "/trajectory.csv", encoding: .utf8) != before)
        // A file where the folder should be, and a folder that cannot be made: one line each.
        let file = dir + "/trajectory.csv"
        let onFile = try SaddleBinary.run(["solve", "--out", file])
        #expect(onFile.status != 0 && onFile.stderr.hasPrefix("Error: --out \(file): exists and is not a folder"))
    }

    /// --max-oracle-calls 0 is no budget, as in `saddle train` and config files (it was an error here).
    @Test func budgetZeroMeansNoBudget() throws {
        let r = try SaddleBinary.run(["solve", "--method", "eg", "--max-oracle-calls", "0", "--iterations", "40", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["iterations"] as? Int == 40 && o["stop_reason"] as? String == "iterations" && o["oracle_calls"] as? Int == 80)
    }

    /// The trajectory's first row is the start point for every method, averaging ones included.
    @Test func averagedSRFBStartsAtTheStart() throws {
        let r = try SaddleBinary.run(["solve", "--method", "averaged-srfb", "--iterations", "10", "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(abs((o["initial_distance"] as? Double ?? 0) - (4.25).squareRoot()) < 1e-12)   // ‖(2, 0.5)‖
        #expect(o["iterations"] as? Int == 10 && o["warnings"] is [Any] && o["step_size"] is Double)
    }

    /// config.yaml is typed as meant by a YAML reader: floats with a mantissa dot, null for none.
    @Test func configYAMLRecordsTheStartAndTypedValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-yaml-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["solve", "--iterations", "5", "--tol", "1e-8", "--start", "0.3,0.2", "--out", dir])
        #expect(r.status == 0)
        let yaml = try String(contentsOfFile: dir + "/config.yaml", encoding: .utf8)
        #expect(yaml.contains("\ntol: 1.0e-08\n") && yaml.contains("\nmax_oracle_calls: null\n") && yaml.contains("start: \"0.3,0.2\""))
        #expect(yaml.hasSuffix("\n"))
    }
}
