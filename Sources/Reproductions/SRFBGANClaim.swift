import Runs
import Foundation
import Metrics
import Solvers
import Tensors

/// Claim (e) of `saddle reproduce srfb`, restated by issue 19 (SPEC §6): on MNIST-5k with an MLP
/// GAN, at an equal budget of minibatch gradients, SRFB against **extragradient** — the comparator
/// of paper 3's image experiment (Franci & Grammatico, arXiv:2010.10013 v1: "we observe
/// computational advantages with respect to the extragradient scheme"). The claim tested is that
/// SRFB beats EG: its last generator's Fréchet distance (Saddle's classifier, docs/metrics.md) is
/// lower than EG's at the same number of minibatch gradients.
///
/// Protocol (``ComparisonProtocol``): both methods train the MNIST preset's GAN (networks, losses,
/// R1 γ = 1, batch 64), each over the same λ grid ``ComparisonProtocol/srfbStepSizes`` on the
/// tuning seeds (the same number of runs each); the setting with the lowest mean Fréchet distance
/// is chosen (a diverged run scores +∞); the chosen settings run on the evaluation seeds; the
/// verdict is ``ClaimTest``'s (exact one-sided permutation test at 5%): PASS when SRFB is
/// significantly better, FAIL when EG is, UNDECIDED otherwise. SRFB spends one oracle call
/// (2 gradients) per iteration, EG two, so at equal gradients SRFB takes twice the iterations —
/// the advantage the paper names. Extra-Adam (α = 2e-3, β = (0.5, 0.9), untuned) runs on the
/// evaluation seeds as a reference line only; no verdict involves it.
public struct SRFBGANClaim: Sendable {
    public var comparison: ComparisonProtocol
    public var budget: Int
    public var dataFile: String
    /// The shared λ grid of SRFB and EG.
    public var stepSizes = ComparisonProtocol.srfbStepSizes
    public var extraAdamStepSize = 2e-3

    public init(comparison: ComparisonProtocol, budget: Int, dataFile: String = "data/mnist_5k.csv.gz") {
        self.comparison = comparison
        self.budget = budget
        self.dataFile = dataFile
    }

    /// The claim as `saddle reproduce srfb` evaluates it: tuning seeds 100 and 101, evaluation
    /// seeds 0–4, 4,000 minibatch gradients per run; with `--quick`, tuning seed 100, evaluation
    /// seeds 0–2 and 400 gradients.
    public static func study(quick: Bool, dataFile: String = "data/mnist_5k.csv.gz") -> SRFBGANClaim {
        quick ? SRFBGANClaim(comparison: ComparisonProtocol(tuningSeeds: [100], evaluationSeeds: [0, 1, 2], alpha: 0.05), budget: 400, dataFile: dataFile)
              : SRFBGANClaim(comparison: ComparisonProtocol(tuningSeeds: [100, 101], evaluationSeeds: Array(0...4), alpha: 0.05), budget: 4000, dataFile: dataFile)
    }

    /// The compared methods, in the order of ``Outcome/tuned``.
    public static let methods: [(name: String, kind: SolverKind)] = [("srfb", .srfb), ("eg", .eg)]
    public static let referenceName = "extra-adam"

    public struct Outcome: Sendable {
        /// nil: not evaluated (`note` says why).
        public var verdict: ClaimVerdict?
        public var numbers: [(name: String, value: Double)]
        public var note: String
        /// SRFB's and EG's tuning tables, chosen settings and evaluation scores.
        public var tuned: [ComparisonProtocol.Tuned] = []
        /// The claim's test (SRFB beats EG).
        public var test: ClaimTest?
        /// Extra-Adam's Fréchet distance per evaluation seed (reference line, untested).
        public var reference: [Double] = []
        /// The seeds of the columns of the tuning tables and of the evaluation scores.
        public var tuningSeeds: [UInt64] = []
        public var evaluationSeeds: [UInt64] = []
        /// Mean Fréchet curves over the evaluation seeds of SRFB, EG and the reference line.
        public var curves: [Curve] = []
        public var pass: Bool? { verdict.map { $0 == .pass ? true : $0 == .fail ? false : nil } ?? nil }

        public init(verdict: ClaimVerdict?, numbers: [(name: String, value: Double)], note: String, tuned: [ComparisonProtocol.Tuned] = [],
                    test: ClaimTest? = nil, reference: [Double] = [], tuningSeeds: [UInt64] = [], evaluationSeeds: [UInt64] = []) {
            self.verdict = verdict
            self.numbers = numbers
            self.note = note
            self.tuned = tuned
            self.test = test
            self.reference = reference
            self.tuningSeeds = tuningSeeds
            self.evaluationSeeds = evaluationSeeds
        }
    }

    /// A method's learning curve on the evaluation seeds: at each log point, the minibatch
    /// gradients spent, the mean process CPU seconds and the mean Fréchet distance of the last
    /// generator over the seeds (points past a seed's divergence are left out, so a curve may end early).
    public struct Curve: Sendable {
        public var name: String
        public var gradients: [Double]
        public var cpuSeconds: [Double]
        public var frechet: [Double]

        /// The curve of `runs` (one entry on several seeds): the log points every run reached with a
        /// finite score and a CPU time.
        public init(name: String, runs: [GANComparison.Run]) {
            self.name = name
            let n = runs.map { r in
                zip(r.records, r.cpuSeconds).prefix { record, _ in record.last.images?.frechetDistance.isFinite ?? false }.count
            }.min() ?? 0
            let count = Double(max(runs.count, 1))
            gradients = (0..<n).map { runs[0].records[$0].oracleCalls * 2 }
            cpuSeconds = (0..<n).map { i in runs.map { $0.cpuSeconds[i] }.reduce(0, +) / count }
            frechet = (0..<n).map { i in runs.map { $0.records[i].last.images!.frechetDistance }.reduce(0, +) / count }
        }
    }

    /// The primary metric of a run: the last generator's Fréchet distance; +∞ when the run diverged
    /// or was not scored.
    public static func frechet(_ r: GANComparison.Run) -> Double {
        guard r.failure == nil, let x = r.summary?.last.images?.frechetDistance, x.isFinite else { return .infinity }
        return x
    }

    /// The decision from the scores alone: picks each method's setting by ``ComparisonProtocol/best(_:lowerIsBetter:)``
    /// and tests SRFB against EG. `tuning[m][s][t]` is method m's score at setting s on tuning seed t;
    /// `evaluation(m, s)` the chosen setting's scores on the evaluation seeds.
    public func decide(tuning: [[[Double]]], evaluation: (Int, Int) throws -> [Double]) rethrows -> ([ComparisonProtocol.Tuned], ClaimTest) {
        let settings = ComparisonProtocol.grid(stepSizes: stepSizes)
        var tuned: [ComparisonProtocol.Tuned] = []
        for (m, method) in Self.methods.enumerated() {
            let chosen = ComparisonProtocol.best(tuning[m], lowerIsBetter: true)
            tuned.append(.init(method: method.name, settings: settings, tuningScores: tuning[m], chosen: chosen,
                               evaluationScores: try evaluation(m, chosen)))
        }
        let test = comparison.claim("SRFB beats extragradient (lower Fréchet distance at equal minibatch gradients)",
                                    method: tuned[0], beats: [tuned[1]], lowerIsBetter: true)
        return (tuned, test)
    }

    func configuration(_ base: TrainingConfiguration, kind: SolverKind, step: Double) -> TrainingConfiguration {
        var c = base
        c.method = kind
        c.generatorStepSize = step
        c.discriminatorStepSize = step
        return c
    }

    /// With a `group` of several processes (MPI ranks) the trainings are spread over them and every
    /// rank returns the same outcome.
    public func evaluate(group: any ProcessGroup = SingleProcess.shared, progress: (String) -> Void = { _ in }) throws -> Outcome {
        guard FileManager.default.fileExists(atPath: dataFile) else {
            return Outcome(verdict: nil, numbers: [], note: "not evaluated: no \(dataFile) (run scripts/fetch-mnist5k)")
        }
        var base = TrainingConfiguration()
        try base.apply(yaml: TrainingConfiguration.presets["mnist"]!, file: "preset mnist")
        base.dataFile = dataFile
        let say: (GANComparison.Run, Bool) -> Void = { r, _ in
            progress("(e) \(r.entry) seed \(r.seed): \(r.iterations) iterations, Fréchet \(r.summary?.last.images.map { String(format: "%.2f", $0.frechetDistance) } ?? r.failure ?? "?")")
        }
        // Tuning: every (method, λ) on every tuning seed, in one batch spread over the ranks.
        let tuningEntries = Self.methods.flatMap { m in
            stepSizes.map { GANComparison.Entry(name: "\(m.name) λ=\($0)", configuration: configuration(base, kind: m.kind, step: $0)) }
        }
        let tuningRuns = try GANComparison(entries: tuningEntries, seeds: comparison.tuningSeeds, budget: budget, points: 2).run(group: group, progress: say)
        func score(_ name: String, _ seeds: [UInt64], _ runs: [GANComparison.Run]) -> [Double] {
            seeds.map { seed in runs.first { $0.entry == name && $0.seed == seed }.map(Self.frechet) ?? .infinity }
        }
        let tuning = Self.methods.map { m in stepSizes.map { score("\(m.name) λ=\($0)", comparison.tuningSeeds, tuningRuns) } }
        let chosen = tuning.map { ComparisonProtocol.best($0, lowerIsBetter: true) }
        // Evaluation: the chosen settings and the reference line on the evaluation seeds.
        var evaluationEntries = Self.methods.enumerated().map { m, method in
            GANComparison.Entry(name: method.name, configuration: configuration(base, kind: method.kind, step: stepSizes[chosen[m]]))
        }
        evaluationEntries.append(.init(name: Self.referenceName, configuration: configuration(base, kind: .extraAdam, step: extraAdamStepSize)))
        let evaluationRuns = try GANComparison(entries: evaluationEntries, seeds: comparison.evaluationSeeds, budget: budget, points: 8).run(group: group, progress: say)
        let (tuned, test) = decide(tuning: tuning) { m, _ in score(Self.methods[m].name, comparison.evaluationSeeds, evaluationRuns) }
        let reference = score(Self.referenceName, comparison.evaluationSeeds, evaluationRuns)

        var numbers: [(String, Double)] = []
        for t in tuned {
            numbers.append(("\(t.method).chosen_step_size", stepSizes[t.chosen]))
            numbers.append(("\(t.method).frechet_mean", meanAndStandardDeviation(t.evaluationScores).mean))
            numbers.append(("\(t.method).iterations", Double(evaluationRuns.first { $0.entry == t.method }?.iterations ?? 0)))
        }
        numbers.append(("\(Self.referenceName).frechet_mean", meanAndStandardDeviation(reference).mean))
        if let c = test.comparisons.first {
            numbers += [("p_srfb_better", c.pBetter), ("p_srfb_worse", c.pWorse)]
        }
        numbers.append(("minibatch_gradients_each", Double(budget)))
        numbers.append(("untrained.frechet", evaluationRuns.first?.summary?.untrained?.images?.frechetDistance ?? .nan))
        let seeds = { (s: [UInt64]) in s.map(String.init).joined(separator: ", ") }
        let note = "equal budget of \(budget) minibatch gradients per run; SRFB (δ = 0.618) and EG each tuned over λ ∈ {\(stepSizes.map { "\($0)" }.joined(separator: ", "))} on tuning seeds \(seeds(comparison.tuningSeeds)) (\(stepSizes.count * comparison.tuningSeeds.count) runs each), chosen by mean Fréchet distance (last generator): SRFB λ = \(stepSizes[chosen[0]]), EG λ = \(stepSizes[chosen[1]]); evaluation seeds \(seeds(comparison.evaluationSeeds)); verdict by exact one-sided permutation tests at α = \(comparison.alpha) (PASS: SRFB significantly lower; FAIL: EG significantly lower; UNDECIDED otherwise); Extra-Adam (α = \(extraAdamStepSize), untuned) is a reference line only"
        var outcome = Outcome(verdict: test.verdict, numbers: numbers, note: note, tuned: tuned, test: test, reference: reference,
                              tuningSeeds: comparison.tuningSeeds, evaluationSeeds: comparison.evaluationSeeds)
        outcome.curves = evaluationEntries.map { e in Curve(name: e.name, runs: evaluationRuns.filter { $0.entry == e.name }) }
        return outcome
    }
}
