import Foundation
import Games
import Solvers
import Tensors

/// Everything `saddle train` can choose, with the defaults of SPEC §8's default run: a GAN on the
/// ring of 8 Gaussians trained by Past-Extra-Adam (EFTP whose two half-steps are Adam steps, one
/// minibatch gradient of both players per iteration) with the discriminator-only zero-centered
/// penalty R1 = (γ/2)·E_data‖∇x D(x)‖² (γ = `regularizerWeight`; the (γ/2) convention of SPEC §3).
///
/// Networks: G: z ∈ R^latent → hidden → hidden → data width (ReLU; sigmoid output for images),
/// D: data width → hidden → hidden → 1 (LeakyReLU 0.2). Every field is a key of `config.yaml`
/// (snake_case; see ``yamlKeys``).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// `ring`, `grid` (2-D mixtures, SPEC §6) or `mnist` (MNIST-5k images from `dataFile`).
    public var dataset = "ring"
    /// The MNIST-5k CSV (`scripts/fetch-mnist5k` downloads it); used by `mnist` only.
    public var dataFile = "data/mnist_5k.csv.gz"
    public var iterations = 10000
    /// Stop before an iteration that would take the oracle calls past this budget (0: no budget);
    /// a run that stops here ends with the status `budget-spent`. Equal budgets compare methods
    /// whose iterations cost different numbers of calls (EG 2, CGD a varying number).
    public var maxOracleCalls = 0.0
    public var batchSize = 256
    public var latent = 64
    /// `mlp`'s hidden width; `dcgan`'s base channel count w (D: 1 → w → 2w channels, G the mirror).
    public var hidden = 128
    /// The players' networks: `mlp` (the two-hidden-layer perceptrons above) or `dcgan` (images
    /// only: ``Networks/DCGANGenerator`` with batch normalization and ``Networks/DCGANDiscriminator``;
    /// docs/convolutional.md).
    public var architecture = Architecture.mlp
    /// Spectral normalization (Miyato et al. 2018) of every discriminator layer (`dcgan` only): each
    /// weight is used as W/σ̂(W), σ̂ from one power-iteration step per solver iteration.
    public var spectralNorm = false
    /// The players' losses (``NeuralGAN/Loss``): non-saturating, minimax, wasserstein, hinge.
    public var loss = NeuralGAN.Loss.nonSaturating
    /// The solver (``SolverKind``; any method that runs on unconstrained or box sets).
    public var method = SolverKind.pastExtraAdam
    /// Step size α (or λ, η) of the generator and the discriminator, before the decay below.
    /// 3e-3 rather than 2e-3: all modes found sooner (docs/training.md's sweep).
    public var generatorStepSize = 3e-3
    public var discriminatorStepSize = 3e-3
    /// Adam's β₁, β₂ (Adam-family methods); RMSProp uses `beta2` as its decay ρ. β₂ = 0.99 rather
    /// than 0.9: 94% against 89% high-quality samples on the ring at seed 1 (docs/training.md).
    public var beta1 = 0.5
    public var beta2 = 0.99
    /// Step-size decay: both players' α fall linearly from α at iteration `stepSizeDecayStart` to
    /// `stepSizeDecayFinal`·α at iteration `stepSizeDecayEnd`, and stay there
    /// (``stepSizeFactor(atIteration:)``). Absolute iterations, so the schedule does not depend on
    /// `iterations`, and a run resumed to a larger total matches an uninterrupted one;
    /// `stepSizeDecayFinal` = 1 keeps α constant. Most of the ring's high-quality share is gained
    /// while α decays (docs/training.md).
    public var stepSizeDecayStart = 5000
    public var stepSizeDecayEnd = 10000
    public var stepSizeDecayFinal = 0.05
    /// SRFB's relaxation δ (default 1/golden ratio).
    public var relaxation = RelaxedForwardBackward.inverseGoldenRatio
    /// Lookahead-minmax around the method: k base steps per pull-back (0: off) and the pull-back α.
    public var lookaheadSteps = 0
    public var lookaheadAlpha = 0.5
    /// The newer methods' own settings (docs/methods.md): SGA's λ₀, CGD/ACGD's inner solver and most
    /// inner iterations, Anderson-EG's memory, aGRAAL's φ.
    public var sgaAdjustment = 1.0
    public var cgdLinearSolver = CompetitiveGradient.LinearSolver.automatic
    public var cgdMaxInnerProducts = 200
    public var andersonMemory = 5
    public var agraalPhi = 1.5
    /// Mirror-GAN / Mirror-Prox-GAN (SPEC §5; the step size is the SGLD step γ): K SGLD steps per
    /// chain, thermal noise ε, damping β of the mean approximation, and RMSProp preconditioning
    /// (ρ = 0.99, λ = 1e-5) of the chains. The chains' noise is seeded from `seed`.
    public var sgldSteps = 10
    public var thermalNoise = 1e-2
    public var damping = 0.9
    public var preconditioned = false
    /// The regularizer attached to its player (``TrainingRegularizer``), and its weight γ (the bound
    /// c for weight clipping). A sweep on the ring found γ = 1 too strong for modes of std 0.02:
    /// 6% high-quality samples against 70–88% at γ = 0.1 (docs/training.md).
    public var regularizer = TrainingRegularizer.r1
    public var regularizerWeight = 0.1
    /// Decay of the exponential moving average of the generator's parameters.
    public var emaDecay = 0.999
    /// Debias the moving average (``Solvers/Averaged``; Adam's bias correction, optax's
    /// `ema(debias=True)`): weights (1 − β)β^(t−i)/(1 − β^t) on the iterates and none on the initial
    /// parameters, which the plain average keeps at β^t — 0.37 after 1,000 iterations at β = 0.999,
    /// 0.14 after 2,000, 4.5e-5 after 10,000 (docs/training.md). On since 2026-12-06; a
    /// configuration Saddle wrote before (a checkpoint's or summary's JSON without the key, a
    /// `config.yaml` of format 5 or older) reads as off, so its run resumes as it began.
    public var emaDebias = true
    public var seed: UInt64 = 0
    /// S: each minibatch is drawn and differentiated as S shards (each from its own seed), combined
    /// in a fixed order; results depend on S, not on ``threads`` (``Games/DifferentiableGame``).
    public var shards = 2
    /// Threads computing the shards. With 2 or more, keep single-threaded OpenBLAS
    /// (`BLAS.threads = 1`, where every program linking Saddle starts): each shard's products then run on one core, while
    /// OpenBLAS's own threads on top of these oversubscribe the cores (measured on 2 cores: 8× slower).
    public var threads = 1
    /// Generated samples scored at each log interval and at the end (SPEC §6: 2,500).
    public var evaluationSamples = 2500
    /// Losses and metrics every this many iterations (a line of `metrics.jsonl`).
    public var logEvery = 500
    /// A checkpoint every this many iterations (0: only at the end); the run folder keeps the last two.
    public var checkpointEvery = 1000
    /// TensorBoard event files in the run folder's `tb/` (``TensorBoardLog``): at every log
    /// interval the scalars of `metrics.jsonl` and the two generators' sample images. A logging
    /// setting, like ``logEvery``: a resumed run may turn it on or off.
    public var tensorboard = true
    public init() {}

    /// Decodes the JSON form (summary.json, checkpoint metadata); a key the JSON lacks — a setting added
    /// after it was written — takes its default, so older run folders still read.
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.dataset, &dataset)
        try read(.dataFile, &dataFile)
        try read(.iterations, &iterations)
        try read(.maxOracleCalls, &maxOracleCalls)
        try read(.batchSize, &batchSize)
        try read(.latent, &latent)
        try read(.hidden, &hidden)
        try read(.architecture, &architecture)
        try read(.spectralNorm, &spectralNorm)
        try read(.loss, &loss)
        try read(.method, &method)
        try read(.generatorStepSize, &generatorStepSize)
        try read(.discriminatorStepSize, &discriminatorStepSize)
        try read(.beta1, &beta1)
        try read(.beta2, &beta2)
        try read(.stepSizeDecayStart, &stepSizeDecayStart)
        try read(.stepSizeDecayEnd, &stepSizeDecayEnd)
        try read(.stepSizeDecayFinal, &stepSizeDecayFinal)
        try read(.relaxation, &relaxation)
        try read(.lookaheadSteps, &lookaheadSteps)
        try read(.lookaheadAlpha, &lookaheadAlpha)
        try read(.sgaAdjustment, &sgaAdjustment)
        try read(.cgdLinearSolver, &cgdLinearSolver)
        try read(.cgdMaxInnerProducts, &cgdMaxInnerProducts)
        try read(.andersonMemory, &andersonMemory)
        try read(.agraalPhi, &agraalPhi)
        try read(.sgldSteps, &sgldSteps)
        try read(.thermalNoise, &thermalNoise)
        try read(.damping, &damping)
        try read(.preconditioned, &preconditioned)
        try read(.regularizer, &regularizer)
        try read(.regularizerWeight, &regularizerWeight)
        try read(.emaDecay, &emaDecay)
        // Written before the key existed: the plain EMA that run used.
        emaDebias = try c.decodeIfPresent(Bool.self, forKey: .emaDebias) ?? false
        try read(.seed, &seed)
        try read(.shards, &shards)
        try read(.threads, &threads)
        try read(.evaluationSamples, &evaluationSamples)
        try read(.logEvery, &logEvery)
        try read(.checkpointEvery, &checkpointEvery)
        try read(.tensorboard, &tensorboard)
    }

    /// Limits on the sizes a configuration may ask for, checked before anything is allocated
    /// (a typo must not become an out-of-memory crash); docs/reliability.md lists them.
    public static let maximumIterations = 1_000_000_000_000
    /// A step holds ~20 activations of batch × hidden floats.
    public static let maximumBatchSize = 65_536
    /// Latent and hidden widths.
    public static let maximumWidth = 4096
    /// Samples scored at each log interval: 100,000, 40 times the default 2,500; at MNIST's 784
    /// pixels that is 314 MB of Float32 samples, before the metrics' own arrays.
    public static let maximumEvaluationSamples = 100_000
    public static let maximumThreads = 1024
    public static let maximumShards = 4096

    /// A configuration from its JSON form (checkpoint metadata); missing keys take their defaults
    /// (``init(from:)``).
    public static func decode(json: Foundation.Data) throws -> TrainingConfiguration {
        try JSONDecoder().decode(TrainingConfiguration.self, from: json)
    }

    /// Floats held per sample by a training step (forward, backward and R1's double backward),
    /// estimated from the networks' sizes. MLP: about 20 activations of `hidden`. DCGAN with base
    /// width w on 28×28 images (b = 7): the layers' outputs (2w·b² after fc, w·4b² after deconv1, w·4b²
    /// after conv1, 2w·b² after conv2; each kept with its normalization and activation) plus the
    /// convolutions' column matrices (16w·b² each for deconv1 and conv2), about 3× for the backward
    /// passes: 204·w·b². The discriminator's column matrix of conv2 for w = 64 is 0.2 MB a sample.
    public var activationFloatsPerSample: Double {
        switch architecture {
        case .mlp: return 20 * Double(hidden) + Double(latent)
        case .dcgan: return 204 * Double(hidden) * 49 + Double(latent)
        }
    }

    /// Rows per forward pass when samples are generated for metrics and `saddle sample`: 256 for
    /// the DCGAN (whose activations would take 0.8 GB for 2,500 samples at once), all at once for
    /// the MLP (which keeps its bits: one pass, as before).
    public var generationRowsPerPass: Int? { architecture == .dcgan ? 256 : nil }

    /// Whether the data are images (MNIST) rather than 2-D points.
    public var isImageData: Bool { dataset == "mnist" }

    /// The factor on α at iteration k (counted from 1): 1 for k ≤ a = `stepSizeDecayStart`, then
    /// 1 − (1 − f)·(k − a)/(b − a) up to b = `stepSizeDecayEnd`, and f = `stepSizeDecayFinal` after.
    public func stepSizeFactor(atIteration k: Int) -> Double {
        (try? LinearDecay(start: stepSizeDecayStart, end: stepSizeDecayEnd, final: stepSizeDecayFinal))?.factor(atIteration: k) ?? 1
    }

    /// The method these settings name, before its schedule and averaging.
    public func methodConfiguration() -> SolverConfiguration {
        var s = SolverConfiguration(kind: method, stepSize: PerPlayer(generator: generatorStepSize, discriminator: discriminatorStepSize))
        s.beta1 = beta1
        s.beta2 = beta2
        s.decay = beta2
        s.relaxation = relaxation
        s.mirrorGAN = MirrorGANOptions(innerSteps: sgldSteps, thermalNoise: thermalNoise, damping: damping,
                                       preconditioned: preconditioned, seed: seed)
        if lookaheadSteps > 0 { s.lookahead = (lookaheadSteps, lookaheadAlpha) }
        s.sgaAdjustment = sgaAdjustment
        s.cgdLinearSolver = cgdLinearSolver
        s.cgdMaxInnerProducts = cgdMaxInnerProducts
        s.andersonMemory = andersonMemory
        s.agraalPhi = agraalPhi
        return s
    }

    /// The solver training runs: the method under the step-size decay (``Scheduled`` with
    /// ``LinearDecay``), and the exponential moving average of its output (``Averaged``, decay
    /// `emaDecay`) — the "EMA generator" of the reports is the average's generator block.
    public func solverConfiguration() throws -> SolverConfiguration {
        var s = methodConfiguration()
        s.stepSizeSchedule = try LinearDecay(start: stepSizeDecayStart, end: stepSizeDecayEnd, final: stepSizeDecayFinal)
        s.averaging = .exponential(decay: emaDecay, debiased: emaDebias)
        return s
    }

    /// The regularizers these settings attach (empty for `none`).
    public func regularizers() throws -> [any Regularizer] {
        let w = regularizerWeight
        switch regularizer {
        case .none: return []
        case .r1: return [try GradientPenalty.r1(weight: w)]
        case .r2: return [try GradientPenalty.r2(weight: w)]
        case .sgp: return [try GradientPenalty(real: 1, fake: 1, weight: w)]
        case .wganGP: return [try WassersteinGradientPenalty(weight: w)]
        case .tikhonov: return [try Tikhonov(on: .discriminator, weight: w)]
        case .symmetricTikhonov: return [try Tikhonov.symmetric(weight: w)]
        case .clipping: return [try WeightClipping(bound: w)]
        case .consensus: return [try Consensus(weight: w)]
        }
    }

    /// Range and consistency checks; errors name the config key.
    public func validate() throws {
        // Every key's range check (what a config file gets) applies to flags too: reading the
        // resolved YAML back runs them.
        var copy = TrainingConfiguration()
        try copy.apply(yaml: yaml, file: "configuration")
        for (key, value) in [("generator_step_size", generatorStepSize), ("discriminator_step_size", discriminatorStepSize)] where !(value > 0 && value.isFinite) {
            throw RunError.invalid(field: key, value: "\(value)", allowed: "must be positive")
        }
        guard stepSizeDecayEnd >= stepSizeDecayStart else {
            throw ConfigError.outOfRange(file: "configuration", key: "step_size_decay_end", value: "\(stepSizeDecayEnd)",
                                         allowed: "must be at least step_size_decay_start (\(stepSizeDecayStart))")
        }
        if !(regularizerWeight >= 0 && regularizerWeight.isFinite) {
            throw RunError.invalid(field: "regularizer_weight", value: "\(regularizerWeight)", allowed: "must be ≥ 0")
        }
        if regularizer == .clipping && !(regularizerWeight > 0) {
            throw RunError.invalid(field: "regularizer_weight", value: "\(regularizerWeight)", allowed: "the clipping bound must be positive")
        }
        if architecture == .dcgan && !isImageData {
            throw RunError.invalid(field: "architecture", value: "dcgan", allowed: "dcgan needs image data (dataset: mnist); \(dataset) is 2-D points: use mlp")
        }
        if spectralNorm && architecture != .dcgan {
            throw RunError.invalid(field: "spectral_norm", value: "true", allowed: "spectral normalization is built for architecture: dcgan")
        }
        if architecture == .dcgan {
            // Checked before the networks are built: a width typed by mistake is one line, not an OOM kill.
            try MemoryBudget.require(Double(batchSize) * activationFloatsPerSample * 4,
                                     for: "batch_size \(batchSize) × hidden \(hidden) (the DCGAN step's activations)")
        }
        if shards > batchSize {
            throw RunError.invalid(field: "shards", value: "\(shards)", allowed: "at most batch_size (\(batchSize)): every shard needs a sample")
        }
        if regularizer == .clipping && method.needsUnconstrained {
            throw RunError.invalid(field: "method", value: method.rawValue, allowed: "\(method.rawValue) is analysed without constraints, and weight clipping is a projection onto a box; use another regularizer or method")
        }
        if let reason = Self.untrainableReason(method) {
            throw RunError.invalid(field: "method", value: method.rawValue, allowed: "\(method.rawValue) \(reason)")
        }
        let solver = try solverConfiguration().makeSolver()
        _ = try regularizers()
        // A budget must pay for the start and one iteration (products at autodiff's prices).
        let first = solver.cost.initialization + solver.cost.minimumCallsPerIteration(.autodiff)
        if maxOracleCalls > 0 && maxOracleCalls + 1e-9 < first {
            throw RunError.invalid(field: "max_oracle_calls", value: Self.yamlReal(maxOracleCalls),
                                   allowed: "0 (no budget) or at least \(Self.yamlReal(first)), \(solver.name)'s start and one iteration")
        }
    }
}

/// The players' networks `saddle train` builds, by their config names.
public enum Architecture: String, CaseIterable, Codable, Sendable {
    /// G: latent → hidden → hidden → data width (ReLU; sigmoid for images); D: data width → hidden →
    /// hidden → 1 (LeakyReLU 0.2).
    case mlp
    /// The DCGAN pair for 28×28 images (``Networks/DCGANGenerator``, ``Networks/DCGANDiscriminator``)
    /// with base width `hidden`.
    case dcgan
}

/// The regularizers `saddle train` can attach (SPEC §3), by their config names.
public enum TrainingRegularizer: String, CaseIterable, Codable, Sendable {
    case none
    /// Zero-centered gradient penalty on real data, (γ/2)·E‖∇x D(x)‖² (discriminator only).
    case r1
    /// The same on generated samples.
    case r2
    /// SGP: R1 + R2 (the asymmetric-regularization paper's default).
    case sgp
    /// (γ/2)·E(‖∇x D(x̂)‖ − 1)² on interpolates (Gulrajani et al.'s λ·E(…)² with λ = γ/2).
    case wganGP = "wgan-gp"
    /// Discriminator-only Tikhonov (γ/2)‖φ‖².
    case tikhonov
    /// (γ/2)‖θ‖² on G and (γ/2)‖φ‖² on D.
    case symmetricTikhonov = "symmetric-tikhonov"
    /// φ clipped to the box [−c, c] (c = the weight), WGAN's weight clipping.
    case clipping
    /// The consensus term (γ/2)‖F‖² added to both losses (Mescheder et al. 2017).
    case consensus
}
