import Foundation
import Metrics
import Reports
import Runs
import Testing
import Experiments
import Reproductions
import Games
import Solvers
import Tensors
import TestSupport

/// Issue 8: batch schedules on every stochastic solver, the fixed-batch floor of SRFB on the
/// additive-noise oracle against its closed form, and the study's pieces (fast tier).
@Suite("SRFB study: schedules, floors, verdicts")
struct SRFBStudyTests {
    // MARK: schedules

    /// N_k = min(cap, ⌈c (k + k0)^(a+1)⌉), by hand.
    @Test func growingScheduleExactSequences() throws {
        // c = 1, k0 = 1, a = 1: (k + 1)².
        #expect((0..<6).map { BatchSchedule.growing(c: 1, k0: 1, a: 1).size(at: $0) } == [1, 4, 9, 16, 25, 36])
        // c = 0.5, k0 = 2, a = 0.5: ⌈0.5 (k + 2)^1.5⌉ = ⌈1.414⌉, ⌈2.598⌉, ⌈4⌉ (exact), ⌈5.59⌉, …, k = 7: ⌈13.5⌉.
        let s = BatchSchedule.growing(c: 0.5, k0: 2, a: 0.5)
        #expect([0, 1, 2, 3, 7].map { s.size(at: $0) } == [2, 3, 4, 6, 14])
        // c = 2, k0 = 1, a = 2: 2 (k + 1)³ = 2, 16, 54, 128, 250.
        #expect((0..<5).map { BatchSchedule.growing(c: 2, k0: 1, a: 2).size(at: $0) } == [2, 16, 54, 128, 250])
        // The cap: (k + 1)² capped at 10 → 1, 4, 9, 10, 10, 10.
        let capped = BatchSchedule.growing(c: 1, k0: 1, a: 1, cap: 10)
        #expect((0..<6).map { capped.size(at: $0) } == [1, 4, 9, 10, 10, 10])
        #expect(capped.description == "growing(c: 1.0, k0: 1.0, a: 1.0, cap: 10)")
        #expect((0..<3).map { BatchSchedule.constant(7).size(at: $0) } == [7, 7, 7])
        #expect(throws: SolverError.self) { try BatchSchedule.growing(c: 1, k0: 1, a: 1, cap: 0).validate() }
        try BatchSchedule.growing(c: 1, k0: 1, a: 1, cap: 1).validate()
    }

    static func noisy(_ sigma: Double = 1, dimension: Int = 3) -> AdditiveNoise {
        AdditiveNoise(BilinearGame.random(dimension: dimension, seed: 4, box: 1), noiseLevel: sigma)
    }

    /// Every method takes a schedule through SolverConfiguration: samples = calls per iteration × Σ N_k.
    @Test(arguments: [(SolverKind.sgd, 1), (.eg, 2), (.extraAdam, 2), (.ogda, 1), (.adam, 1), (.srfb, 1), (.averagedSRFB, 1)])
    func everyStochasticSolverTakesTheSchedule(_ kind: SolverKind, _ callsPerIteration: Int) throws {
        var config = SolverConfiguration(kind: kind, stepSize: PerPlayer(0.05))
        config.batchSchedule = .growing(c: 1, k0: 1, a: 1, cap: 12)
        let solver = try config.makeSolver()
        let r = try solve(Self.noisy(), withAny: solver, seed: 3, stopping: StoppingRule(iterations: 5))
        // Initial costs (none for these methods) would be drawn at N_0 = 1.
        #expect(r.counter.samples == callsPerIteration * (1 + 4 + 9 + 12 + 12))
        #expect(config.resolvedEntries.contains { $0.0 == "batch_schedule" && $0.1.contains("cap: 12") })
    }

    /// The wrapper only sets the batch: FB under constant(5) is FB on an oracle whose batch is 5, bit for bit.
    @Test func scheduledMethodIsTheBaseMethodAtThatBatch() throws {
        let fb = ForwardBackward(rule: try GradientStep(stepSize: 0.1), kind: .sgd)
        let wrapped = try BatchScheduled(fb, schedule: .constant(5))
        let a = try solve(Self.noisy(), with: wrapped, seed: 9, stopping: StoppingRule(iterations: 20))
        var F = Oracle(Self.noisy(), seed: 9, batchSize: 5)
        var w = Self.noisy().initialPoint.copy(), s = try fb.makeState(at: w, &F)
        for _ in 0..<20 { try fb.step(&w, &s, &F) }
        #expect(a.lastIterate.isBitIdentical(to: w))
        #expect(a.counter.samples == 100)
    }

    @Test func iterationsWithinABudget() {
        let s = BatchSchedule.growing(c: 1, k0: 1, a: 1)     // 1, 4, 9, 16, …
        #expect(SRFBStudy.iterations(within: 30, schedule: s, callsPerIteration: 1) == 4)
        #expect(SRFBStudy.iterations(within: 29, schedule: s, callsPerIteration: 1) == 3)
        #expect(SRFBStudy.iterations(within: 30, schedule: s, callsPerIteration: 2) == 3)   // 2·(1+4+9) = 28
    }

    // MARK: problems

    /// The counted evaluation is the game's minibatch field (same draws), on both code paths.
    @Test(arguments: [3, 40, 5000])
    func countedFiniteSumMatchesTheGame(_ batch: Int) {
        let game = FiniteSumBilinearGame(terms: 20, dimension: 6, seed: 2)
        let counted = CountedFiniteSumBilinear(game)
        var rng = RandomGenerator(seed: 8)
        let w = BlockVector(generator: Tensor.uniform([6], low: -1, high: 1, dtype: .float64, using: &rng),
                            discriminator: Tensor.uniform([6], low: -1, high: 1, dtype: .float64, using: &rng))
        for seed: UInt64 in [1, 77] {
            for blocks in [Player.both, [.generator], [.discriminator]] as [Set<Player>] {
                let a = game.field(at: w, blocks: blocks, sample: .minibatch(size: batch, seed: seed))
                let b = counted.field(at: w, blocks: blocks, sample: .minibatch(size: batch, seed: seed))
                #expect(a.distance(to: b) <= 1e-12 * max(1, a.norm()))
            }
        }
        #expect(counted.counts(size: batch, seed: 5).reduce(0, +) == batch)
        #expect(counted.exactField(at: w).distance(to: game.exactField(at: w)) == 0)
    }

    /// The gap the study reports is the restricted merit sup_{z ∈ S} ⟨F(z), ω − z⟩: for a bilinear game
    /// on [−1, 1]^d it is ⟨F(ω), ω⟩ + ‖F(ω)‖₁, attained at z = −sign F(ω), and no box point exceeds it.
    @Test func dualityGapIsTheRestrictedGap() {
        let problems: [any VariationalInequality] = [CountedFiniteSumBilinear(FiniteSumBilinearGame(terms: 10, dimension: 4, seed: 1)),
                                                     NoisyGame(BilinearGame.random(dimension: 4, seed: 3, box: 1), noiseLevel: 1)]
        var rng = RandomGenerator(seed: 11)
        for p in problems {
            for _ in 0..<5 {
                let w = BlockVector(generator: Tensor.uniform([4], low: -1, high: 1, dtype: .float64, using: &rng),
                                    discriminator: Tensor.uniform([4], low: -1, high: 1, dtype: .float64, using: &rng))
                let f = p.exactField(at: w)
                let closed = f.dot(w) + f.scalars.reduce(0) { $0 + abs($1) }
                let gap = p.dualityGap(at: w)!
                #expect(abs(gap - closed) <= 1e-12 * max(1, abs(closed)))
                let zStar = BlockVector(flat: Tensor(f.scalars.map { $0 > 0 ? -1 : 1 }, shape: [8]), sizes: w.sizes)
                #expect(abs(p.exactField(at: zStar).dot(w - zStar) - gap) <= 1e-12 * max(1, abs(gap)))
                for _ in 0..<20 {
                    let z = BlockVector(flat: Tensor.uniform([8], low: -1, high: 1, dtype: .float64, using: &rng), sizes: w.sizes)
                    #expect(p.exactField(at: z).dot(w - z) <= gap + 1e-12)
                }
            }
        }
    }

    // MARK: acceptance 1 — the floor of fixed-batch SRFB on the additive-noise oracle

    /// The stationary E‖ω − ω*‖² of SRFB on F(ω) = Jω + q plus N(0, σ²/N I) noise, unconstrained:
    /// the error state z = (e_k, ē_{k−1}) follows z ← T z + B ξ with T = [[(1−δ)I − λJ, δI], [(1−δ)I, δI]],
    /// B = [−λI; 0], so Σ = Σ_j T^j Q T^jᵀ with Q = (λ²σ²/N) diag(I, 0); the floor is trace Σ_ee.
    static func predictedFloor(_ game: BilinearGame, lambda: Double, delta: Double, sigma: Double, batch: Int) -> Double {
        let d = game.sizes.generator, m = 2 * d, s = 2 * m
        let a = game.matrix
        var jac = [Double](repeating: 0, count: m * m)
        for i in 0..<d { for j in 0..<d { jac[i * m + d + j] = a[i, j]; jac[(d + j) * m + i] = -a[i, j] } }
        var t = [Double](repeating: 0, count: s * s)
        for i in 0..<m {
            for j in 0..<m { t[i * s + j] = -lambda * jac[i * m + j] }
            t[i * s + i] += 1 - delta
            t[i * s + m + i] = delta
            t[(m + i) * s + i] = 1 - delta
            t[(m + i) * s + m + i] = delta
        }
        func mul(_ x: [Double], _ y: [Double], transposeY: Bool = false) -> [Double] {
            var z = [Double](repeating: 0, count: s * s)
            for i in 0..<s { for k in 0..<s { let xik = x[i * s + k]; if xik == 0 { continue }
                for j in 0..<s { z[i * s + j] += xik * (transposeY ? y[j * s + k] : y[k * s + j]) } } }
            return z
        }
        // Σ = Σ_j T^j Q T^jᵀ by doubling: Σ ← Σ + A Σ Aᵀ, A ← A², from Σ = Q, A = T.
        var sigmaM = [Double](repeating: 0, count: s * s)
        for i in 0..<m { sigmaM[i * s + i] = lambda * lambda * sigma * sigma / Double(batch) }
        var power = t
        for _ in 0..<12 {
            let add = mul(mul(power, sigmaM), power, transposeY: true)
            for i in 0..<(s * s) { sigmaM[i] += add[i] }
            power = mul(power, power)
        }
        return (0..<m).reduce(0) { $0 + sigmaM[$1 * s + $1] }
    }

    /// Fixed seeds: SRFB with N = 4, 8, 16 on the additive-noise oracle (d = 4, σ = 0.1, box inactive).
    /// The floor (mean squared distance over the second half of 3000 iterations) matches the closed
    /// form within 12% and halves (±30%) when N doubles.
    @Test func fixedBatchFloorHalvesWhenTheBatchDoubles() throws {
        let game = BilinearGame.random(dimension: 4, seed: 21, box: 1)
        let problem = NoisyGame(game, noiseLevel: 0.1)
        let delta = RelaxedForwardBackward.inverseGoldenRatio
        let lambda = 1 / (2 * delta * game.lipschitzConstant!)
        var floors: [Double] = []
        for (i, n) in [4, 8, 16].enumerated() {
            let solver = try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(lambda), batchSchedule: .constant(n))
            let r = try solve(problem, with: solver, seed: 100 + UInt64(i), stopping: StoppingRule(iterations: 3000))
            let tail = r.records[1501...].map { $0.distance! * $0.distance! }
            let floor = tail.reduce(0, +) / Double(tail.count)
            let predicted = Self.predictedFloor(game, lambda: lambda, delta: delta, sigma: 0.1, batch: n)
            #expect(abs(floor / predicted - 1) < 0.12, "N = \(n): floor \(floor), closed form \(predicted)")
            #expect(floor < 0.05 * r.initial.distance! * r.initial.distance!)
            floors.append(floor)
        }
        for i in 1..<floors.count {
            let ratio = floors[i] / floors[i - 1]
            #expect(ratio > 0.5 * 0.7 && ratio < 0.5 * 1.3, "floor ratio \(ratio)")
        }
    }

    // MARK: the study end to end (small)

    static func smallConfiguration() -> SRFBStudyConfiguration {
        var c = SRFBStudyConfiguration()
        c.dimension = 6
        c.terms = 20
        c.noiseLevel = 0.3
        c.fixedIterations = 800
        c.sampleBudget = 200_000
        c.accuracy = 1e-2
        return c
    }

    @Test func smallStudyWritesItsFolderAndVerdictsFollowTheNumbers() throws {
        let c = Self.smallConfiguration()
        let study = try SRFBStudy.run(c, quick: true)
        #expect(study.runs.count == 2 * 7 + 2)
        #expect(study.runs.filter { $0.problem == .multiplicativeNoise }.map(\.name) == ["SRFB growing", "EG growing"])
        #expect(study.verdicts.map(\.id) == ["a/additive-noise", "a/multiplicative-noise", "b/finite-sum", "c/finite-sum", "d/finite-sum",
                                             "b/additive-noise", "c/additive-noise", "d/additive-noise", "e"])
        // (b) on the additive-noise oracle, recomputed from the runs.
        let runs = c.batchMultiples.map { m in study.runs.first { $0.problem == .additiveNoise && $0.name == "SRFB N=\(c.fixedBatch * m)" }! }
        let ratios = [runs[1].tailMeanSquaredDistance / runs[0].tailMeanSquaredDistance,
                      runs[2].tailMeanSquaredDistance / runs[1].tailMeanSquaredDistance]
        let b = study.verdicts.first { $0.id == "b/additive-noise" }!
        let stalled = runs.allSatisfy { let q = $0.quarterMeansOfSquaredDistance; return abs(q.third / q.fourth - 1) <= 0.2 }
        #expect(b.pass == (stalled && ratios.allSatisfy { abs($0 / 0.5 - 1) <= 0.3 }))
        #expect(b.numbers.first { $0.name == "ratio_N\(2 * c.fixedBatch)_over_N\(c.fixedBatch)" }?.value == ratios[0])
        // (a) on the additive-noise game, recomputed from the growing run: C = ‖ω_k − ω*‖² N_{k−1}
        // averaged over the third and the fourth quarter of the iterations, and the distance 1e-2.
        let g = study.runs.first { $0.problem == .additiveNoise && $0.name == "SRFB growing" }!
        #expect(g.totalSamples <= 200_000 && g.totalSamples + g.schedule.size(at: g.iterations) > 200_000)
        let t = g.iterations
        func quarterC(_ r: ClosedRange<Int>) -> Double {
            r.reduce(0.0) { $0 + g.distance[$1] * g.distance[$1] * Double(g.schedule.size(at: $1 - 1)) } / Double(r.count)
        }
        let c3 = quarterC((t / 2 + 1)...(3 * t / 4)), c4 = quarterC((3 * t / 4 + 1)...t)
        let a = study.verdicts[0]
        #expect(a.numbers.first { $0.name == "C_fourth_over_third" }?.value.map { abs($0 - c4 / c3) <= 1e-12 * c4 / c3 } == true)
        #expect(a.pass == (abs(c4 / c3 - 1) <= 0.2 && g.distance.contains { $0 <= 1e-2 }))
        let avg = study.runs.first { $0.problem == .additiveNoise && $0.name == "averaged SRFB N=\(c.fixedBatch)" }!
        #expect(a.numbers.first { $0.name == "statistical_floor_averaged_SRFB" }?.value
                == avg.distance.last! * avg.distance.last! * Double(c.fixedBatch * c.fixedIterations))
        #expect((a.numbers.first { $0.name == "statistical_floor_closed_form" }?.value ?? 0) > 0)
        // (a) on the multiplicative-noise game: the growing run's distance reaches 1e-6.
        let m = study.runs.first { $0.problem == .multiplicativeNoise && $0.name == "SRFB growing" }!
        #expect(study.verdicts[1].pass == m.distance.contains { $0 <= 1e-6 })
        #expect(study.verdicts.last!.pass == nil && study.verdicts.last!.status == "NOT EVALUATED" && study.verdicts.last!.note.hasPrefix("not evaluated"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srfb-study-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SRFBStudy.prepareOutput(dir, force: false)
        try study.write(to: dir)
        for name in SRFBStudy.fileNames { #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)") }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/verdicts.json"))) as? [[String: Any]])
        #expect(json.count == 9)
        for v in json.dropLast() {
            #expect(!((v["numbers"] as? [String: Any]) ?? [:]).isEmpty && v["claim"] is String)
            #expect(["PASS", "FAIL"].contains(v["verdict"] as? String ?? "") == (v["pass"] is Bool))
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/floor.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // A non-empty folder is refused without force, accepted with it.
        #expect(throws: SRFBStudyError.self) { try SRFBStudy.prepareOutput(dir, force: false) }
        try SRFBStudy.prepareOutput(dir, force: true)
    }

    /// Claim (e)'s comparison (from synthetic scores through the claim's decision rule) reaches
    /// verdicts.json and report.html: the seeds, every tuning setting's scores, the chosen settings,
    /// the evaluation scores, the test's p-values and the reference line.
    @Test func claimEComparisonIsWrittenToTheVerdictsAndTheReport() throws {
        var c = Self.smallConfiguration()
        c.fixedIterations = 40
        c.sampleBudget = 2_000
        var study = try SRFBStudy.run(c)
        let claim = SRFBGANClaim.study(quick: false)
        let inf = Double.infinity
        let srfbTuning: [[Double]] = [[100, 101], [90, 91], [80, 81], [70, 71], [60, 61], [50, 51]]
        let egTuning: [[Double]] = [[inf, 70], [50, 52], [inf, 70], [inf, 70], [inf, 70], [inf, 70]]
        let tuning = [srfbTuning, egTuning]
        let (tuned, test) = claim.decide(tuning: tuning) { m, _ in m == 0 ? [30, 31, 32, 33, 34] : [40, 41, 42, 43, 44] }
        let outcome = SRFBGANClaim.Outcome(verdict: test.verdict, numbers: [("x", 1)], note: "synthetic", tuned: tuned, test: test,
                                           reference: [20, 21, 22, 23, 24], tuningSeeds: [100, 101], evaluationSeeds: [0, 1, 2, 3, 4])
        let i = try #require(study.verdicts.firstIndex { $0.id == "e" })
        study.verdicts[i].pass = outcome.pass
        study.verdicts[i].comparison = outcome
        #expect(study.verdicts[i].status == "PASS")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(study.verdictsJSON.utf8)) as? [[String: Any]])
        let e = try #require(json.last?["comparison"] as? [String: Any])
        #expect(e["tuning_seeds"] as? [Int] == [100, 101] && e["evaluation_seeds"] as? [Int] == [0, 1, 2, 3, 4])
        let methods = try #require(e["methods"] as? [[String: Any]])
        #expect(methods.map { $0["method"] as? String } == ["srfb", "eg"])
        // SRFB's best mean is the last setting (λ = 0.3); EG's the only finite row, λ = 0.02.
        #expect(methods.map { $0["chosen"] as? String } == ["generator_step_size=0.3, discriminator_step_size=0.3",
                                                            "generator_step_size=0.02, discriminator_step_size=0.02"])
        let egRows = try #require(methods[1]["tuning"] as? [[String: Any]])
        #expect(egRows.count == 6 && (egRows[0]["scores"] as? [Any])?.first is NSNull && egRows[1]["scores"] as? [Double] == [50, 52])
        #expect(methods[0]["evaluation_scores"] as? [Double] == [30, 31, 32, 33, 34])
        let t = try #require(e["test"] as? [String: Any])
        let p = try #require((t["comparisons"] as? [[String: Any]])?.first?["p_better"] as? Double)
        #expect(t["verdict"] as? String == "PASS" && abs(p - 1.0 / 252) < 1e-12)
        #expect((e["reference"] as? [String: Any])?["evaluation_scores"] as? [Double] == [20, 21, 22, 23, 24])
        let html = study.reportHTML(plots: [], timing: nil)
        for text in ["Claim (e): tuning, evaluation and test", "seed 101", "generator_step_size=0.02, discriminator_step_size=0.02", "0.00397", "extra-adam (reference)"] {
            #expect(html.contains(text), "report.html lacks \(text)")
        }
    }

    /// Claim (e)'s curves: at each log point the mean over the seeds of gradients' Fréchet distance
    /// and CPU seconds, cut where a seed stopped scoring (diverged); the study then draws them
    /// against gradients and against CPU seconds.
    @Test func claimECurvesAverageOverSeedsAndBecomeTwoPlots() throws {
        func run(_ seed: UInt64, _ frechet: [Double], _ cpu: [Double]) -> GANComparison.Run {
            let records = frechet.enumerated().map { i, f -> MetricsRecord in
                var m = GeneratorMetrics()
                m.images = ImageMetrics(samples: 10, referenceSamples: 10, classesCovered: 10, confidenceThreshold: 0.5, classCounts: [],
                                        classHistogramKL: 0, meanConfidence: 1, frechetDistance: f, slicedWasserstein: 0)
                return MetricsRecord(iteration: 10 * (i + 1), wallSeconds: 0, oracleCalls: Double(10 * (i + 1)), lossGenerator: 0,
                                     lossDiscriminator: 0, fieldNorm: 0, last: m, ema: m)
            }
            return GANComparison.Run(entry: "srfb", seed: seed, iterations: 10 * frechet.count, records: records, summary: nil,
                                     failure: nil, cpuSeconds: cpu)
        }
        let srfb = SRFBGANClaim.Curve(name: "srfb", runs: [run(0, [100, 50, 30], [1, 2, 3]), run(1, [80, 40, 20], [3, 4, 5])])
        #expect(srfb.gradients == [20, 40, 60] && srfb.frechet == [90, 45, 25] && srfb.cpuSeconds == [2, 3, 4])
        let eg = SRFBGANClaim.Curve(name: "eg", runs: [run(0, [100, .nan, 30], [1, 2, 3]), run(1, [80, 40, 20], [3, 4, 5])])
        #expect(eg.frechet == [90] && eg.gradients == [20])

        var c = Self.smallConfiguration()
        c.fixedIterations = 40
        c.sampleBudget = 2_000
        var study = try SRFBStudy.run(c)
        #expect(!study.plots.map(\.0).contains(SRFBStudy.ganPlotNames[0]))
        var outcome = SRFBGANClaim.Outcome(verdict: .undecided, numbers: [], note: "synthetic")
        outcome.curves = [srfb, eg]
        let i = try #require(study.verdicts.firstIndex { $0.id == "e" })
        study.verdicts[i].comparison = outcome
        let plots = Dictionary(uniqueKeysWithValues: study.plots)
        let byGradients = try #require(plots[SRFBStudy.ganPlotNames[0]]), byCPU = try #require(plots[SRFBStudy.ganPlotNames[1]])
        #expect(byGradients.series.map(\.name) == ["srfb", "eg"] && byGradients.series[0].x == [20, 40, 60])
        #expect(byCPU.series[0].x == [2, 3, 4] && byCPU.series[0].y == [90, 45, 25])
    }

    /// Same seed, same numbers.
    @Test func studyIsReproducible() throws {
        var c = Self.smallConfiguration()
        c.fixedIterations = 100
        c.sampleBudget = 20_000
        let a = try SRFBStudy.run(c), b = try SRFBStudy.run(c)
        #expect(a.tableCSV == b.tableCSV && a.verdictsJSON == b.verdictsJSON)
    }
}
