import Testing
import Metrics
import Reproductions

/// The comparison protocol (issue 19): equal tuning budgets, held-out seeds, the best setting
/// picked from a synthetic score table.
@Suite("Comparison protocol: equal tuning, held-out evaluation seeds")
struct ComparisonProtocolTests {
    @Test func gridsHaveSixSettingsForEveryMethod() {
        let plain = ComparisonProtocol.grid(mirror: false), mirror = ComparisonProtocol.grid(mirror: true)
        #expect(plain.count == 6 && mirror.count == 6)
        #expect(Set(plain).count == 6 && Set(mirror).count == 6)
        // The half-decade grid 3e-4…3e-2 is inside the plain grid; both players share the step.
        for a in [3e-4, 1e-3, 3e-3, 1e-2, 3e-2] {
            #expect(plain.contains { $0.entries == [["generator_step_size", "\(a)"], ["discriminator_step_size", "\(a)"]] })
        }
        // The mirror grid: ε ∈ {0, 1e-3} paired with K ∈ {1, 5}.
        #expect(Set(mirror.map { $0.entries[2][1] + "/" + $0.entries[3][1] }) == ["0/1", "0.001/5"])
        #expect(mirror[0].yaml == "generator_step_size: 0.001\ndiscriminator_step_size: 0.001\nthermal_noise: 0\nsgld_steps: 1\n")
    }

    @Test func bestPicksTheLowestMeanAndRanksDivergedRunsLast() {
        let table: [[Double]] = [[0.5, 0.7], [0.2, 0.9], [0.3, 0.4], [.nan, 0.01], [0.35, 0.35], [0.8, 0.1]]
        // Means 0.6, 0.55, 0.35, (diverged), 0.35, 0.45: a tie between rows 2 and 4 goes to row 2.
        #expect(ComparisonProtocol.best(table, lowerIsBetter: true) == 2)
        #expect(ComparisonProtocol.best(table, lowerIsBetter: false) == 0)
        #expect(ComparisonProtocol.best([[.infinity], [3]], lowerIsBetter: true) == 1)
        #expect(ComparisonProtocol.best([[.nan], [.nan]], lowerIsBetter: true) == 0)
    }

    @Test func tuningSpendsTheSameRunsOnEveryMethodAndEvaluatesOnHeldOutSeeds() throws {
        let p = ComparisonProtocol.standard
        #expect(p.tuningSeeds == [100, 101] && p.evaluationSeeds == Array(0...9))
        // A synthetic score: setting 3 is best (lowest) on every seed; the seed adds a small offset.
        var calls: [(Int, UInt64)] = []
        let settings = ComparisonProtocol.grid(mirror: false)
        let tuned = p.tune(method: "m", settings: settings, lowerIsBetter: true) { s, seed in
            let i = settings.firstIndex(of: s)!
            calls.append((i, seed))
            return abs(Double(i) - 3) + Double(seed % 7) * 0.01
        }
        #expect(tuned.chosen == 3)
        #expect(tuned.tuningScores.count == 6 && tuned.tuningScores.allSatisfy { $0.count == 2 })
        let tuningCalls = calls.filter { $0.1 >= 100 }, evaluationCalls = calls.filter { $0.1 < 100 }
        #expect(tuningCalls.count == 12 && Set(tuningCalls.map(\.1)) == [100, 101])
        #expect(evaluationCalls.count == 10 && evaluationCalls.allSatisfy { $0.0 == 3 })
        #expect(tuned.evaluationScores == (0...9).map { Double($0 % 7) * 0.01 })
    }

    @Test func aClaimOverTunedMethods() {
        let p = ComparisonProtocol.standard
        func tuned(_ name: String, _ scores: [Double]) -> ComparisonProtocol.Tuned {
            p.tune(method: name, settings: [ComparisonProtocol.Setting([("k", "v")])], lowerIsBetter: true) { _, seed in
                seed >= 100 ? 0 : scores[Int(seed)]
            }
        }
        let m = tuned("m", (0..<10).map { Double($0) * 0.1 }), c = tuned("c", (0..<10).map { 5 + Double($0) * 0.1 })
        let claim = p.claim("m beats c", method: m, beats: [c], lowerIsBetter: true)
        #expect(claim.verdict == .pass)
        // Every split of 20 distinct values is equally likely: the observed one is the most extreme of C(20, 10).
        #expect(abs(claim.comparisons[0].pBetter - 1 / 184_756) < 1e-15)
    }
}
