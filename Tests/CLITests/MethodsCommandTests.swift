import Foundation
import Testing
import TestSupport

/// Issue 16 from the command line: every new method runs in `saddle solve` where its theory applies
/// and is refused in one line where it does not; `saddle train` takes them, Lookahead around any of
/// them, consensus optimization by name, and an oracle budget.
@Suite("saddle solve and train: the methods of issue 16")
struct MethodsCommandTests {
    func json(_ args: [String]) throws -> [String: Any] {
        let r = try SaddleBinary.run(["solve"] + args + ["--json"])
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// On bilinear-matrix n = 20 (unconstrained) every new method, at its default step, ends closer
    /// to ω* than it started; the products are counted in the summary.
    @Test(arguments: ["fbf", "agraal", "eag-c", "eag-v", "feg", "sga", "cgd", "anderson-eg", "frb", "graal"])
    func solvesTheBilinearGame(method: String) throws {
        let o = try json(["--game", "bilinear-matrix", "--dimension", "20", "--method", method, "--iterations", "1000"])
        let d0 = try #require(o["initial_distance"] as? Double), d = try #require(o["final_distance"] as? Double)
        #expect(d < 0.1 * d0, "\(method): distance \(d0) → \(d)")
        if ["sga", "cgd"].contains(method) {
            let jvp = try #require(o["jacobian_vector_products"] as? Double)
            #expect(jvp >= 1000 && (o["product_calls"] as? Double ?? 0) == jvp + (o["vector_jacobian_products"] as? Double ?? -1))
        }
        #expect(o["last_iterate_residual"] is Double && o["solve_seconds"] is Double)
    }

    /// Lookahead around GDA (fb) on θφ: GDA alone diverges, with --lookahead 5 it converges at the
    /// closed-form rate ρ = |(1 − α) + α(1 − iη)⁵| per 5 iterations (0.839587 at η = 0.3).
    @Test func lookaheadStabilizesGradientDescentAscent() throws {
        let r = try SaddleBinary.run(["solve", "--game", "bilinear", "--method", "fb", "--step", "0.3", "--iterations", "300", "--json"])
        let alone = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(r.status == 2 || (alone?["final_distance"] as? Double ?? 0) > 2, "GDA alone: \(r.stdout)")
        let o = try json(["--game", "bilinear", "--method", "fb", "--step", "0.3", "--lookahead", "5", "--iterations", "300"])
        let d0 = try #require(o["initial_distance"] as? Double), d = try #require(o["final_distance"] as? Double)
        #expect(abs(d / d0 - pow(0.8395867964213111, 60)) < 1e-9 * pow(0.8395867964213111, 60), "\(d / d0)")
    }

    /// One line each, naming the method and why.
    @Test func refusalsAreOneLine() throws {
        let cases: [([String], String)] = [
            (["--game", "avi-psd", "--method", "cgd"], "unconstrained"),
            (["--game", "avi-psd", "--method", "eag-c"], "unconstrained"),
            (["--game", "avi-psd", "--box", "0", "--dimension", "20", "--method", "cgd", "--cgd-linear-solver", "cg"], "zero-sum"),
            (["--game", "bilinear", "--method", "eag-v", "--step", "0.9"], "0.75"),
            (["--game", "bilinear", "--method", "agraal", "--generator-step", "0.1", "--discriminator-step", "0.2"], "one step size for both players"),
            (["--game", "bilinear", "--method", "fb", "--lookahead", "5", "--lookahead-alpha", "1.5"], "--lookahead-alpha"),
            (["--game", "bilinear", "--method", "cgd", "--cgd-tolerance", "2"], "--cgd-tolerance"),
            (["--game", "bilinear", "--method", "agraal", "--agraal-phi", "1.7"], "--agraal-phi"),
        ]
        for (args, mentioned) in cases {
            let r = try SaddleBinary.run(["solve"] + args + ["--iterations", "5"])
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.contains("--help") }
            #expect(r.status != 0 && r.stderr.contains(mentioned) && lines.count == 1, "\(args): status \(r.status), stderr \(r.stderr)")
        }
    }

    /// Found by trying the CLI as a new user: budgets are used up to the last affordable inner
    /// iteration, one inner iteration suffices to move, refused runs write nothing, and CG runs on the
    /// zero-sum Dirac-GAN.
    @Test func budgetsRefusalsAndSmallInnerSolves() throws {
        let dir = try makeScratchFolder("methods-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // CGD sizes its inner solve to the calls left: the budget is spent to within one iteration's minimum (1 + 3 JVPs).
        let budget = try json(["--game", "bilinear-matrix", "--dimension", "20", "--method", "cgd", "--max-oracle-calls", "1000", "--iterations", "100000"])
        let spent = try #require(budget["oracle_calls"] as? Double)
        #expect(spent <= 1000 && spent > 1000 - 4, "CGD under a budget of 1000 spent \(spent)")
        // One inner iteration per step (besides the warm start's residual) still converges on θφ.
        let small = try json(["--game", "bilinear", "--method", "cgd", "--cgd-max-inner-products", "1", "--iterations", "100"])
        #expect((small["residual"] as? Double ?? 1) < 1e-6, "\(small)")
        #expect(try json(["--game", "dirac-gan", "--method", "cgd", "--cgd-linear-solver", "cg", "--iterations", "5"])["iterations"] as? Double == 5)
        for args in [["--game", "avi-psd", "--method", "cgd"], ["--game", "matrix-game", "--method", "mirror-prox", "--lookahead", "5"]] {
            let r = try SaddleBinary.run(["solve"] + args + ["--out", dir + "/refused", "--iterations", "5"])
            #expect(r.status != 0 && !FileManager.default.fileExists(atPath: dir + "/refused"), "\(args): \(r.stderr)")
        }
        for args in [["--method", "eg", "--max-oracle-calls", "1"], ["--method", "consensus-optimization", "--r1-weight", "0.5"]] {
            let r = try SaddleBinary.run(["train"] + args + ["--out", dir + "/t"])
            #expect(r.status != 0 && !FileManager.default.fileExists(atPath: dir + "/t"), "\(args): \(r.stderr)")
        }
    }

    /// A diverged run with --json still prints its summary on stdout (exit status 2): SGA at the
    /// default step diverges on the ring within 10 iterations.
    @Test func divergedTrainingPrintsItsSummaryWithJSON() throws {
        let dir = try makeScratchFolder("diverged-json")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["train", "--method", "sga", "--iterations", "50", "--log-every", "50", "--threads", "1", "--json", "--out", dir + "/r"])
        #expect(r.status == 2, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout)")
        #expect(summary["exitStatus"] as? String == "diverged")
    }

    /// `saddle solve --method consensus-optimization`: fb on F + γJᵀF. On θφ that is
    /// (1 − αγ)I − αJ, squared-distance factor (1 − αγ)² + α² per step (0.8 at α = 0.4, γ = 0.5);
    /// a VI without losses (avi-psd) is refused in one line.
    @Test func consensusOptimizationInSolve() throws {
        let o = try json(["--game", "bilinear", "--method", "consensus-optimization", "--consensus-weight", "0.5", "--step", "0.4", "--iterations", "100"])
        let rate = try #require(o["observed_rate"] as? Double)
        #expect(abs(rate - 0.8) < 1e-9 * 0.8 && o["method"] as? String == "consensus-optimization", "\(o)")
        let r = try SaddleBinary.run(["solve", "--game", "avi-psd", "--method", "consensus-optimization", "--iterations", "5"])
        #expect(r.status != 0 && r.stderr.contains("needs a game") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// `--method consensus-optimization` is fb with the consensus regularizer: the same bits.
    @Test func consensusOptimizationIsForwardBackwardWithConsensus() throws {
        let dir = try makeScratchFolder("consensus-optimization")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["--iterations", "40", "--log-every", "40", "--checkpoint-every", "40", "--step-size", "1e-3", "--regularizer-weight", "0.1", "--threads", "1"]
        let a = try SaddleBinary.run(["train", "--method", "consensus-optimization", "--out", dir + "/a"] + common)
        let b = try SaddleBinary.run(["train", "--method", "fb", "--regularizer", "consensus", "--out", dir + "/b"] + common)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        let (ca, cb) = (try checkpointBytes(dir + "/a", iteration: 40), try checkpointBytes(dir + "/b", iteration: 40))
        #expect(!ca.isEmpty && ca == cb)
        let config = try String(contentsOfFile: dir + "/a/config.yaml", encoding: .utf8)
        #expect(config.contains("method: fb") && config.contains("regularizer: consensus"))
        let bad = try SaddleBinary.run(["train", "--method", "consensus-optimization", "--regularizer", "r1", "--out", dir + "/c"])
        #expect(bad.status != 0 && bad.stderr.contains("consensus") && !FileManager.default.fileExists(atPath: dir + "/c"))
    }

    /// Training with a new method under Lookahead and an oracle budget: the budget stops it, the
    /// summary says budget-spent, a resume has nothing to do, and the config records both.
    @Test func trainingUnderABudgetWithLookahead() throws {
        let dir = try makeScratchFolder("budget")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["train", "--method", "sga", "--step-size", "1e-3", "--lookahead", "5", "--iterations", "100000",
                                      "--max-oracle-calls", "300", "--log-every", "50", "--threads", "1", "--out", dir + "/r"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r/summary.json"))) as? [String: Any])
        // SGA on the GAN: one F (1 call) + one JVP and one VJP (3 calls each) = 7 calls per iteration.
        #expect(summary["exitStatus"] as? String == "budget-spent" && summary["iterations"] as? Int == 42 && summary["oracleCalls"] as? Double == 294)
        let config = try String(contentsOfFile: dir + "/r/config.yaml", encoding: .utf8)
        #expect(config.contains("lookahead_steps: 5") && config.contains("max_oracle_calls: 300.0") && config.contains("method: sga"))
        let again = try SaddleBinary.run(["train", "--resume", dir + "/r"])
        #expect(again.status == 0 && again.stderr.contains("oracle budget"), "\(again.stderr)")
    }
}
