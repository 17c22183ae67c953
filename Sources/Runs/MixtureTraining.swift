import Autodiff
import Data
import Foundation
import Games
import Metrics
import Networks
import Solvers
import Tensors

/// A GAN on a 2-D Gaussian mixture, trained as a game: SPEC §8's default `saddle train`.
///
/// G: z ∈ R^latent → hidden → hidden → 2 (ReLU); D: 2 → hidden → hidden → 1 (LeakyReLU 0.2);
/// non-saturating losses, with the discriminator-only zero-centered penalty R1 =
/// (γ/2)·E_data‖∇x D(x)‖² (γ = `r1Weight`; the (γ/2) convention of SPEC §3) in D's loss:
///   L_D = E softplus(−D(x)) + E softplus(D(G(z))) + R1,   L_G = E softplus(−D(G(z))).
/// The default solver is Past-Extra-Adam: EFTP whose two half-steps are Adam steps, one minibatch
/// gradient of both players per iteration.
public struct MixtureTrainingConfiguration: Codable, Sendable, Equatable {
    public var dataset = "ring"
    public var iterations = 10000
    public var batchSize = 256
    public var latent = 64
    public var hidden = 128
    /// Adam's α for the generator and the discriminator.
    public var generatorStepSize = 2e-3
    public var discriminatorStepSize = 2e-3
    public var beta1 = 0.5
    public var beta2 = 0.9
    /// γ of R1; 0 turns the penalty off. (A sweep on the ring found γ = 1 too strong for modes of
    /// std 0.02: 6% high-quality samples against 70–88% at γ = 0.1; docs/training.md.)
    public var r1Weight = 0.1
    /// Decay of the exponential moving average of the generator's parameters.
    public var emaDecay = 0.999
    public var seed: UInt64 = 0
    public var threads = 1
    /// Generated samples scored at the end (SPEC §6: 2,500).
    public var evaluationSamples = 2500
    public init() {}
}

/// The outcome of a training run.
public struct MixtureTrainingSummary: Codable, Sendable {
    public var configuration: MixtureTrainingConfiguration
    public var iterations: Int
    public var oracleCalls: Double
    public var wallSeconds: Double
    /// Metrics of the last iterate's generator and of the EMA generator.
    public var last: MixtureMetrics
    public var ema: MixtureMetrics
    public var finalLosses: [String: Double]
    public var exitStatus: String
    public var saddleVersion: String
    public var blasCore: String
}

/// Errors in a training request or run.
public enum RunError: Error, CustomStringConvertible, Equatable {
    case invalid(field: String, value: String, allowed: String)
    /// The iterate became NaN or infinite.
    case diverged(iteration: Int)

    public var description: String {
        switch self {
        case .invalid(let f, let v, let a): return "\(f) = \(v) is invalid: \(a)"
        case .diverged(let k): return "training diverged: the parameters became NaN or infinite at iteration \(k)"
        }
    }
}

/// A 64-bit seed drawn from a stream (the first word of `stream`).
private func seedOf(_ stream: RandomGenerator) -> UInt64 { var s = stream; return s.next() }

/// Trains the mixture GAN; `progress(iteration, losses)` is called every `logEvery` iterations.
public func trainMixtureGAN(_ c: MixtureTrainingConfiguration, logEvery: Int = 500,
                            progress: (Int, PerPlayer<Double>) -> Void = { _, _ in }) throws -> MixtureTrainingSummary {
    let mixture: GaussianMixture
    switch c.dataset {
    case "ring": mixture = .ring
    case "grid": mixture = .grid
    default: throw RunError.invalid(field: "dataset", value: c.dataset, allowed: "one of ring, grid")
    }
    func positive(_ name: String, _ v: Int) throws { if v < 1 { throw RunError.invalid(field: name, value: "\(v)", allowed: "must be at least 1") } }
    try positive("iterations", c.iterations); try positive("batch-size", c.batchSize)
    try positive("latent", c.latent); try positive("hidden", c.hidden); try positive("threads", c.threads)
    guard c.r1Weight >= 0 && c.r1Weight.isFinite else { throw RunError.invalid(field: "r1-weight", value: "\(c.r1Weight)", allowed: "must be ≥ 0") }
    guard c.emaDecay >= 0 && c.emaDecay < 1 else { throw RunError.invalid(field: "ema-decay", value: "\(c.emaDecay)", allowed: "must lie in [0, 1)") }

    // Single-threaded BLAS: results do not depend on --threads, and with 2+ threads and large
    // batches the players' gradients run concurrently, one core each (see NeuralGame).
    BLAS.threads = 1
    let root = RandomGenerator(seed: c.seed)
    var rngG = root.split(0), rngD = root.split(1)
    let g = MLP([c.latent, c.hidden, c.hidden, 2], hidden: .relu, using: &rngG)
    let d = MLP([2, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rngD)
    let latent = c.latent, gamma = c.r1Weight
    let game = NeuralGame(name: "mixture-\(c.dataset)", generator: g.parameters, discriminator: d.parameters,
                          batchSize: c.batchSize, evaluationSeed: seedOf(root.split(3))) { rng, n in
        let z = Variable(Tensor.normal([n, latent], using: &rng))
        let x = Variable(mixture.sample(n, using: &rng), requiresGradient: gamma > 0)
        let dReal = d(x), dFake = d(g(z))
        var lossD = (-dReal).softplus().mean() + dFake.softplus().mean()
        if gamma > 0 {
            let gx = gradients(of: dReal.sum(), withRespectTo: [x], createGraph: true)[0]
            lossD = lossD + gx.squared().sum().scaled(by: gamma / 2 / Double(n))
        }
        return (generator: (-dFake).softplus().mean(), discriminator: lossD)
    }
    // Measured on 2 cores (ring, 1,000 iterations): batch 512, 184 → 198 it/s concurrent; batch
    // 256, 351 → 313 it/s — the serial parts (sampling, forward, Adam) dominate small batches.
    game.concurrentBlocks = c.threads >= 2 && c.batchSize >= 512
    let adam = try Adam(stepSize: PerPlayer(generator: c.generatorStepSize, discriminator: c.discriminatorStepSize),
                        beta1: c.beta1, beta2: c.beta2)
    let solver = ExtrapolationFromThePast(rule: adam, kind: .pastExtraAdam)

    var oracle = Oracle(game, seed: seedOf(root.split(2)))
    var omega = game.initialPoint.copy()
    var state = try solver.makeState(at: omega, &oracle)
    let ema = omega[.generator].copy()
    let start = Date()
    var status = "completed"
    for k in 1...c.iterations {
        try solver.step(&omega, &state, &oracle)
        ema.axpby(1 - c.emaDecay, omega[.generator], c.emaDecay)
        if !omega.isFinite { status = "diverged"; throw RunError.diverged(iteration: k) }
        if k % logEvery == 0 || k == c.iterations { progress(k, game.losses(at: omega)) }
    }
    let seconds = Date().timeIntervalSince(start)
    let finalLosses = game.losses(at: omega)

    // Score 2,500 samples of the last and of the EMA generator, from a fixed noise batch.
    var rngEval = root.split(4)
    let z = Tensor.normal([c.evaluationSamples, c.latent], using: &rngEval)
    func score(_ theta: Tensor) -> MixtureMetrics {
        g.parameters.flat.copy(from: theta)
        return MixtureMetrics(samples: GradientRecording.withoutRecording { g(Variable(z)).value }, mixture: mixture)
    }
    let lastMetrics = score(omega[.generator]), emaMetrics = score(ema)
    g.parameters.flat.copy(from: omega[.generator])
    return MixtureTrainingSummary(configuration: c, iterations: c.iterations, oracleCalls: oracle.counter.oracleCalls,
                                  wallSeconds: seconds, last: lastMetrics, ema: emaMetrics,
                                  finalLosses: ["generator": finalLosses.generator, "discriminator": finalLosses.discriminator],
                                  exitStatus: status, saddleVersion: SaddleVersion.string, blasCore: BLAS.coreName)
}
