import Foundation
import Metrics
import Runs
import Reproductions
import Testing

/// The mixed-Nash study's verdict logic, on synthetic runs whose numbers are chosen by hand.
@Suite("saddle reproduce mixed-nash: verdicts")
struct MixedNashStudyTests {
    static func run(_ entry: String, seed: UInt64, curve: [Double]) -> GANComparison.Run {
        let records = curve.enumerated().map { i, hq -> MetricsRecord in
            var m = GeneratorMetrics()
            let json = #"{"samples": 2500, "modes": 8, "modesCovered": 8, "highQualityPercent": \#(hq), "klToUniform": 0, "smallestModeShare": 0.1, "fairShare": 0.125}"#
            m.mixture = try! JSONDecoder().decode(MixtureMetrics.self, from: Data(json.utf8))
            return MetricsRecord(iteration: i + 1, wallSeconds: 0, oracleCalls: Double(i + 1), lossGenerator: 0, lossDiscriminator: 0,
                                 fieldNorm: 0, last: m, ema: m)
        }
        return GANComparison.Run(entry: entry, seed: seed, iterations: curve.count, records: records, summary: nil, failure: nil)
    }

    @Test func mirrorMustBeatEveryBaselineInQualityAndSpeed() {
        // mirror-gan is best at the end and on average over the curve → pass.
        var runs = [GANComparison.Run]()
        for seed: UInt64 in [0, 1] {
            runs.append(Self.run("mirror-gan", seed: seed, curve: [50, 80, 90]))
            runs.append(Self.run("mirror-prox-gan", seed: seed, curve: [10, 20, 30]))
            runs.append(Self.run("sgd", seed: seed, curve: [5, 10, 20]))
            runs.append(Self.run("adam", seed: seed, curve: [40, 70, 85]))
            runs.append(Self.run("rmsprop", seed: seed, curve: [30, 60, 80]))
        }
        var v = MixedNashStudy.verdicts(runs: ["ring": runs], skipped: ["mnist": "no data"])
        #expect(v[0].pass == true)
        #expect(v.first { $0.claim.hasPrefix("ring") }?.pass == true)
        #expect(v.first { $0.claim.hasPrefix("mnist") }?.pass == nil)
        #expect(v.first { $0.claim.hasPrefix("ring") }?.numbers["adam.final_quality"] == 85)

        // Adam ends higher than the best mirror method → fail.
        runs = runs.map { $0.entry == "adam" ? Self.run("adam", seed: $0.seed, curve: [40, 70, 95]) : $0 }
        v = MixedNashStudy.verdicts(runs: ["ring": runs], skipped: [:])
        #expect(v[0].pass == false)

        // Same final qualities, but RMSProp is faster over the budget → fail on speed.
        runs = runs.map { $0.entry == "adam" ? Self.run("adam", seed: $0.seed, curve: [40, 70, 85]) : $0 }
        runs = runs.map { $0.entry == "rmsprop" ? Self.run("rmsprop", seed: $0.seed, curve: [85, 85, 85]) : $0 }
        v = MixedNashStudy.verdicts(runs: ["ring": runs], skipped: [:])
        #expect(v[0].pass == false)
    }

    /// Equal budget: every method's iteration count spends the same number of minibatch gradients
    /// (within one iteration's cost).
    @Test func everyMethodGetsTheSameGradientBudget() throws {
        let study = MixedNashStudy.quick
        let comparison = try study.comparison(for: "ring")
        for entry in comparison.entries {
            let c = try comparison.configuration(of: entry, seed: 0)
            let solver = try c.solverConfiguration().makeSolver()
            let spent = Double(c.iterations) * 2 * solver.cost.perIteration + 2 * solver.cost.initialization
            #expect(spent <= Double(comparison.budget) && spent > Double(comparison.budget) - 2 * solver.cost.perIteration,
                    "\(entry.name): \(spent) gradients of \(comparison.budget)")
        }
    }
}
