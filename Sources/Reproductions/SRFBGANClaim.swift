import Runs
import Foundation
import Metrics
import Solvers
import Tensors

/// Claim (e) of `saddle reproduce srfb` (paper 3's follow-up): on MNIST-5k with an MLP GAN, at an
/// equal budget of minibatch gradients, SRFB against Extra-Adam by the classifier metrics.
///
/// Both train the MNIST preset's GAN (networks, losses, R1 γ = 1, batch 64) for the same number of
/// minibatch gradients: SRFB spends one oracle call (2 gradients) per iteration, Extra-Adam two.
/// SRFB's λ and Extra-Adam's α are fixed below, not tuned for the claim. The claim passes when
/// SRFB's mean Fréchet distance (last iterate, over seeds) is at most Extra-Adam's.
public struct SRFBGANClaim: Sendable {
    public var seeds: [UInt64]
    public var budget: Int
    public var dataFile: String
    public var srfbStepSize = 0.02
    public var extraAdamStepSize = 2e-3

    public init(seeds: [UInt64], budget: Int, dataFile: String = "data/mnist_5k.csv.gz") {
        self.seeds = seeds
        self.budget = budget
        self.dataFile = dataFile
    }

    /// The claim as `saddle reproduce srfb` evaluates it: seeds 0, 1, 2 and 4,000 minibatch
    /// gradients per run; with `--quick`, seed 0 and 400.
    public static func study(quick: Bool, dataFile: String = "data/mnist_5k.csv.gz") -> SRFBGANClaim {
        SRFBGANClaim(seeds: quick ? [0] : [0, 1, 2], budget: quick ? 400 : 4000, dataFile: dataFile)
    }

    public struct Outcome: Sendable {
        /// nil: not evaluated (`note` says why).
        public var pass: Bool?
        public var numbers: [(name: String, value: Double)]
        public var note: String
    }

    /// With a `group` of several processes (MPI ranks) the trainings are spread over them and every
    /// rank returns the same outcome.
    public func evaluate(group: any ProcessGroup = SingleProcess.shared, progress: (String) -> Void = { _ in }) throws -> Outcome {
        guard FileManager.default.fileExists(atPath: dataFile) else {
            return Outcome(pass: nil, numbers: [], note: "not evaluated: no \(dataFile) (run scripts/fetch-mnist5k)")
        }
        var base = TrainingConfiguration()
        try base.apply(yaml: TrainingConfiguration.presets["mnist"]!, file: "preset mnist")
        base.dataFile = dataFile
        var srfb = base, extra = base
        srfb.method = .srfb
        srfb.generatorStepSize = srfbStepSize
        srfb.discriminatorStepSize = srfbStepSize
        extra.method = .extraAdam
        extra.generatorStepSize = extraAdamStepSize
        extra.discriminatorStepSize = extraAdamStepSize
        let comparison = GANComparison(entries: [.init(name: "srfb", configuration: srfb), .init(name: "extra-adam", configuration: extra)],
                                       seeds: seeds, budget: budget, points: 4)
        let runs = try comparison.run(group: group) { r in
            let fd = r.summary?.last.images?.frechetDistance
            progress("(e) \(r.entry) seed \(r.seed): \(r.iterations) iterations, Fréchet \(fd.map { String(format: "%.2f", $0) } ?? r.failure ?? "?")")
        }
        var numbers: [(String, Double)] = []
        /// The mean over seeds of one image metric of the last iterate (∞ for a run that diverged).
        func stats(_ name: String, _ pick: (ImageMetrics) -> Double) -> Double {
            meanAndStandardDeviation(runs.filter { $0.entry == name }.map { r in r.summary?.last.images.map(pick) ?? .infinity }).mean
        }
        for name in ["srfb", "extra-adam"] {
            numbers.append(("\(name).frechet_mean", stats(name) { $0.frechetDistance }))
            numbers.append(("\(name).class_kl_mean", stats(name) { $0.classHistogramKL }))
            numbers.append(("\(name).classes_covered_mean", stats(name) { Double($0.classesCovered) }))
            numbers.append(("\(name).iterations", Double(runs.first { $0.entry == name }?.iterations ?? 0)))
        }
        let s = stats("srfb") { $0.frechetDistance }, e = stats("extra-adam") { $0.frechetDistance }
        numbers.append(("minibatch_gradients_each", Double(budget)))
        numbers.append(("untrained.frechet", runs.first?.summary?.untrained?.images?.frechetDistance ?? .nan))
        return Outcome(pass: s <= e, numbers: numbers,
                       note: "equal budget of \(budget) minibatch gradients per run, seeds \(seeds.map(String.init).joined(separator: ", ")); SRFB λ = \(srfbStepSize) (δ = 0.618), Extra-Adam α = \(extraAdamStepSize), β = (0.5, 0.9), neither tuned for this claim; pass when SRFB's mean Fréchet distance ≤ Extra-Adam's")
    }
}
