import Foundation
import Metrics
import Runs
import Reproductions
import Testing

/// The mixed-Nash study's scores, claims and budgets, on synthetic runs whose numbers are chosen by
/// hand (issue 19).
@Suite("saddle reproduce mixed-nash: protocol, scores, verdicts")
struct MixedNashStudyTests {
    /// A run whose log points come every 100 gradients with the given sliced Wasserstein distances.
    static func run(_ entry: String, seed: UInt64, curve: [Double], failure: String? = nil) -> GANComparison.Run {
        let records = curve.enumerated().map { i, sw -> MetricsRecord in
            var m = GeneratorMetrics()
            m.slicedWasserstein = sw
            return MetricsRecord(iteration: i + 1, wallSeconds: 0, oracleCalls: Double(50 * (i + 1)), lossGenerator: 0, lossDiscriminator: 0,
                                 fieldNorm: 0, last: m, ema: m)
        }
        return GANComparison.Run(entry: entry, seed: seed, iterations: curve.count, records: records, summary: nil, failure: failure,
                                 cpuSeconds: curve.indices.map { Double($0 + 1) })
    }

    @Test func scoresReadTheBudgetsLogPointAndTheMeanUpToIt() {
        let r = Self.run("adam", seed: 0, curve: [0.9, 0.5, 0.3, 0.2])  // at 100, 200, 300, 400 gradients
        #expect(MixedNashStudy.scores(r, budget: 400, speedPoints: 4) == (0.2, (0.9 + 0.5 + 0.3 + 0.2) / 4))
        #expect(MixedNashStudy.scores(r, budget: 200, speedPoints: 2) == (0.5, 0.7))
        // Speed at 2 points of 400 gradients: the log points at 200 and 400.
        #expect(MixedNashStudy.scores(r, budget: 400, speedPoints: 2) == (0.2, (0.5 + 0.2) / 2))
        // 99% of the budget counts as reaching it (an initialization cost may leave a run 2 short).
        #expect(MixedNashStudy.scores(r, budget: 202, speedPoints: 1).final == 0.5)
        // A run that stopped (diverged) before the budget scores +∞.
        let short = Self.run("sgd", seed: 0, curve: [0.9, 0.5], failure: "NaN")
        #expect(MixedNashStudy.scores(short, budget: 400, speedPoints: 4).final == .infinity)
        #expect(MixedNashStudy.scores(short, budget: 400, speedPoints: 4).area == .infinity)
        var m = GeneratorMetrics()
        m.slicedWasserstein = .nan
        #expect(MixedNashStudy.metric(m) == .infinity)
    }

    /// Speed at a smaller budget averages every method at the same gradient counts: a run to 40,000
    /// gradients read at 10,000 (log points every 2,000) and a run to 10,000 (every 500) of the same
    /// curve get the same speed — the points of the coarser one. Averaging each run over its own log
    /// points (as before 2026-12-07) gave the finer run 20 points where the coarser had 5.
    @Test func speedAtASmallerBudgetIsAveragedAtTheSamePointsForEveryRun() {
        func curve(every step: Double, count: Int) -> GANComparison.Run {
            let records = (1...count).map { i -> MetricsRecord in
                var m = GeneratorMetrics()
                m.slicedWasserstein = 1000 / (step * Double(i))  // the same curve 1000/g for both runs
                return MetricsRecord(iteration: i, wallSeconds: 0, oracleCalls: step * Double(i) / 2, lossGenerator: 0,
                                     lossDiscriminator: 0, fieldNorm: 0, last: m, ema: m)
            }
            return GANComparison.Run(entry: "x", seed: 0, iterations: count, records: records, summary: nil, failure: nil)
        }
        let long = curve(every: 2000, count: 20), short = curve(every: 500, count: 20)
        let method = MixedNashStudy.Cell.Method(name: "adam", settings: [], tuningRuns: [], chosen: [:], evaluationRuns: [:])
        let cell = MixedNashStudy.Cell(dataset: "ring", objective: .wganGP, budgets: [10_000, 40_000], points: 20, methods: [method])
        #expect(cell.speedPoints(budget: 10_000) == 5 && cell.speedPoints(budget: 40_000) == 20)
        let a = MixedNashStudy.scores(long, budget: 10_000, speedPoints: cell.speedPoints(budget: 10_000))
        let b = MixedNashStudy.scores(short, budget: 10_000, speedPoints: cell.speedPoints(budget: 10_000))
        #expect(a.final == 0.1 && b.final == 0.1)
        #expect(a.area == b.area)
        #expect(abs(a.area - (0.5 + 0.25 + 1.0 / 6 + 0.125 + 0.1) / 5) < 1e-15)
        // The budget's own points: all 20 log points of the long run.
        let full = MixedNashStudy.scores(long, budget: 40_000, speedPoints: 20)
        #expect(abs(full.area - (1...20).map { 0.5 / Double($0) }.reduce(0, +) / 20) < 1e-15)
    }

    /// A cell whose evaluation runs have the given final scores per method (flat curves).
    static func cell(_ finals: [String: [Double]]) -> MixedNashStudy.Cell {
        let methods = MixedNashStudy.methodNames.map { name -> MixedNashStudy.Cell.Method in
            let runs = (finals[name] ?? []).enumerated().map { Self.run(name, seed: UInt64($0.offset), curve: [$0.element, $0.element]) }
            return .init(name: name, settings: [.init([("k", "v")])], tuningRuns: [[]], chosen: [200: 0], evaluationRuns: [200: runs])
        }
        return MixedNashStudy.Cell(dataset: "ring", objective: .wganGP, budgets: [200], points: 2, methods: methods)
    }

    @Test func claimsTestEachMirrorMethodAgainstTheThreeBaselines() {
        let good = (0..<10).map { 0.1 + 0.01 * Double($0) }, bad = (0..<10).map { 1 + 0.01 * Double($0) }
        let study = MixedNashStudy.full
        var claims = study.claims([Self.cell(["mirror-gan": good, "mirror-prox-gan": bad, "sgd": bad, "adam": bad, "rmsprop": bad, "past-extra-adam": good])])
        #expect(claims.count == 4)  // 2 mirror methods × quality, speed
        #expect(claims.allSatisfy { $0.test.comparisons.map(\.comparator) == ["sgd", "adam", "rmsprop"] })
        #expect(claims.filter { $0.method == "mirror-gan" }.allSatisfy { $0.test.verdict == .pass })
        #expect(claims.filter { $0.method == "mirror-prox-gan" }.allSatisfy { $0.test.verdict == .undecided })
        // Adam better than Mirror-GAN → FAIL.
        claims = study.claims([Self.cell(["mirror-gan": bad, "mirror-prox-gan": bad, "sgd": bad, "adam": good, "rmsprop": bad])])
        #expect(claims.filter { $0.method == "mirror-gan" }.allSatisfy { $0.test.verdict == .fail })
        // Past-Extra-Adam is a reference line: it is in no claim.
        #expect(claims.allSatisfy { !$0.test.comparisons.contains { $0.comparator == "past-extra-adam" } })
    }

    @Test func studiesAndGrids() throws {
        let full = MixedNashStudy.full, quick = MixedNashStudy.quick
        #expect(full.objectives == [.wganClipping, .wganGP] && MixedNashStudy.sensitivity.objectives == [.nonSaturatingR1])
        #expect(full.comparisonProtocol.evaluationSeeds == Array(0...9) && full.comparisonProtocol.tuningSeeds == [100, 101])
        for m in MixedNashStudy.methodNames {
            #expect(full.settings(for: m).count == 6 && quick.settings(for: m).count == 2)
        }
        // The objectives reach the configuration; the tuned setting overrides the step.
        let c = try full.configuration(dataset: "ring", objective: .wganClipping, method: "adam", setting: full.settings(for: "adam")[0])
        #expect(c.loss == .wasserstein && c.regularizer == .clipping && c.regularizerWeight == 0.01)
        #expect(c.generatorStepSize == 1e-4 && c.beta1 == 0.5 && c.method == .adam)
        let r1 = try full.configuration(dataset: "ring", objective: .nonSaturatingR1, method: "mirror-gan", setting: full.settings(for: "mirror-gan")[3])
        #expect(r1.loss == .nonSaturating && r1.regularizer == .r1 && r1.thermalNoise == 1e-3 && r1.sgldSteps == 5)
        // --dcgan: MNIST from the mnist-dcgan preset.
        let dc = try MixedNashStudy.dcgan.configuration(dataset: "mnist", objective: .wganGP, method: "adam", setting: full.settings(for: "adam")[2])
        #expect(dc.architecture == .dcgan && dc.loss == .wasserstein && dc.regularizer == .wganGP && dc.generatorStepSize == 1e-3)
        #expect(try full.configuration(dataset: "mnist", objective: .wganGP, method: "adam", setting: full.settings(for: "adam")[2]).architecture == .mlp)
    }

    /// Equal budget: every method's iteration count spends the same number of minibatch gradients
    /// (within one iteration's cost).
    @Test func everyMethodGetsTheSameGradientBudget() throws {
        let study = MixedNashStudy.quick
        let budget = study.budgets["ring"]!.last!
        for m in MixedNashStudy.methodNames {
            let entry = GANComparison.Entry(name: m, configuration: try study.configuration(dataset: "ring", objective: .wganGP, method: m,
                                                                                          setting: study.settings(for: m)[0]))
            let comparison = GANComparison(entries: [entry], seeds: [0], budget: budget)
            let c = try comparison.configuration(of: entry, seed: 0)
            let solver = try c.solverConfiguration().makeSolver()
            let spent = Double(c.iterations) * 2 * solver.cost.perIteration + 2 * solver.cost.initialization
            #expect(spent <= Double(budget) && spent > Double(budget) - 2 * solver.cost.perIteration, "\(m): \(spent) gradients of \(budget)")
        }
    }
}
