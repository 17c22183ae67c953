import Metrics

/// The protocol every method comparison of the studies follows (issue 19), fixed before any run:
///
/// 1. **Equal tuning.** Every method gets the same number of tuning runs: its 6 settings of
///    ``grid(mirror:)`` × the 2 tuning seeds 100 and 101, which no evaluation uses.
/// 2. **Selection.** The setting with the best mean primary metric over the tuning seeds wins
///    (``best(_:lowerIsBetter:)``): a setting with a non-finite score on any tuning seed (a run
///    that diverged) ranks last; ties go to the earlier setting in the grid's order.
/// 3. **Evaluation.** The chosen setting runs on the evaluation seeds 0–9.
/// 4. **Verdicts.** A claim "method M beats each of C₁…Cₖ" is tested by ``ClaimTest``: one-sided
///    exact permutation tests of the evaluation scores at α = 0.05, Holm-corrected over the
///    claim's k comparisons — PASS, FAIL, or UNDECIDED when the data cannot tell.
///
/// The grid is written in terms of `saddle train`'s configuration keys (docs/configuration.md),
/// applied on top of the method's own base configuration.
public struct ComparisonProtocol: Sendable {
    /// One setting of a method: configuration keys and their values, in order.
    public struct Setting: Sendable, Codable, Hashable {
        public var entries: [[String]]
        public init(_ entries: [(String, String)]) { self.entries = entries.map { [$0.0, $0.1] } }
        /// "key=value, key=value", for tables.
        public var label: String { entries.map { "\($0[0])=\($0[1])" }.joined(separator: ", ") }
        /// The setting as YAML lines, for `TrainingConfiguration.apply(yaml:file:)`.
        public var yaml: String { entries.map { "\($0[0]): \($0[1])\n" }.joined() }
    }

    public var tuningSeeds: [UInt64]
    public var evaluationSeeds: [UInt64]
    public var alpha: Double

    /// Tuning seeds 100 and 101, evaluation seeds 0–9, α = 0.05.
    public static let standard = ComparisonProtocol(tuningSeeds: [100, 101], evaluationSeeds: Array(0...9), alpha: 0.05)

    public init(tuningSeeds: [UInt64], evaluationSeeds: [UInt64], alpha: Double) {
        precondition(Set(tuningSeeds).isDisjoint(with: evaluationSeeds), "ComparisonProtocol: tuning and evaluation seeds must be disjoint")
        self.tuningSeeds = tuningSeeds
        self.evaluationSeeds = evaluationSeeds
        self.alpha = alpha
    }

    /// The step sizes of the grid: the half-decade grid 3e-4…3e-2 and one half-decade below it.
    public static let stepSizes = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]

    /// A method's 6 settings. Gradient methods (SGD, Adam, RMSProp, extragradient, …): the 6 step
    /// sizes of ``stepSizes``, both players alike. Mirror methods (Mirror-GAN, Mirror-Prox-GAN):
    /// the 3 central step sizes 1e-3, 3e-3, 1e-2 × two samplers — noiseless single-step mirror
    /// descent (thermal noise ε = 0, K = 1 SGLD step) and the paper's noisy inner loop (ε = 1e-3,
    /// K = 5) — the rule fixed before any run: the two extreme (ε, K) corners bracket the choice,
    /// and the step range is the one where the mirror methods' earlier sweeps found their best.
    public static func grid(mirror: Bool) -> [Setting] {
        func step(_ a: Double) -> [(String, String)] {
            [("generator_step_size", "\(a)"), ("discriminator_step_size", "\(a)")]
        }
        guard mirror else { return stepSizes.map { Setting(step($0)) } }
        return [("0", "1"), ("0.001", "5")].flatMap { noise, k in
            [1e-3, 3e-3, 1e-2].map { Setting(step($0) + [("thermal_noise", noise), ("sgld_steps", k)]) }
        }
    }

    /// The step sizes of SRFB's and extragradient's shared grid in `saddle reproduce srfb`'s claim (e)
    /// (issue 19, item 3): λ ∈ {0.01, 0.02, 0.05, 0.1, 0.2, 0.3}, where plain gradient steps on the
    /// MNIST GAN move (the half-decade grid of ``stepSizes`` is Adam's scale).
    public static let srfbStepSizes = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3]

    /// A gradient method's settings over the given step sizes, both players alike (``grid(mirror:)``
    /// with `mirror: false` is `grid(stepSizes: stepSizes)`).
    public static func grid(stepSizes: [Double]) -> [Setting] {
        stepSizes.map { a in Setting([("generator_step_size", "\(a)"), ("discriminator_step_size", "\(a)")]) }
    }

    /// The index of the best row of `scores` (a row per setting, a column per tuning seed): the
    /// smallest (or largest) mean; rows with a non-finite entry rank last; ties go to the first.
    public static func best(_ scores: [[Double]], lowerIsBetter: Bool) -> Int {
        precondition(!scores.isEmpty, "ComparisonProtocol.best: no settings")
        func key(_ row: [Double]) -> Double {
            guard !row.isEmpty, row.allSatisfy(\.isFinite) else { return .infinity }
            let mean = row.reduce(0, +) / Double(row.count)
            return lowerIsBetter ? mean : -mean
        }
        var best = 0
        for i in scores.indices.dropFirst() where key(scores[i]) < key(scores[best]) { best = i }
        return best
    }

    /// One method's tuning and evaluation.
    public struct Tuned: Sendable, Codable {
        public var method: String
        public var settings: [Setting]
        /// scores[setting][tuning seed].
        public var tuningScores: [[Double]]
        public var chosen: Int
        /// The chosen setting's score per evaluation seed.
        public var evaluationScores: [Double]
        public var chosenSetting: Setting { settings[chosen] }
        public init(method: String, settings: [Setting], tuningScores: [[Double]], chosen: Int, evaluationScores: [Double]) {
            self.method = method
            self.settings = settings
            self.tuningScores = tuningScores
            self.chosen = chosen
            self.evaluationScores = evaluationScores
        }
    }

    /// Tunes `method` over `settings` on the tuning seeds, then evaluates the best setting on the
    /// evaluation seeds; `score(setting, seed)` runs one training and returns its primary metric
    /// (non-finite when the run diverged).
    public func tune(method: String, settings: [Setting], lowerIsBetter: Bool,
                     score: (Setting, UInt64) throws -> Double) rethrows -> Tuned {
        let table = try settings.map { s in try tuningSeeds.map { try score(s, $0) } }
        let chosen = Self.best(table, lowerIsBetter: lowerIsBetter)
        let evaluation = try evaluationSeeds.map { try score(settings[chosen], $0) }
        return Tuned(method: method, settings: settings, tuningScores: table, chosen: chosen, evaluationScores: evaluation)
    }

    /// The claim "`method` beats each of `comparators`", tested on their evaluation scores.
    public func claim(_ text: String, method: Tuned, beats comparators: [Tuned], lowerIsBetter: Bool) -> ClaimTest {
        ClaimTest(claim: text, lowerIsBetter: lowerIsBetter, alpha: alpha,
                  comparisons: comparators.map { .init(comparator: $0.method, method: method.evaluationScores, other: $0.evaluationScores) })
    }
}
