import Autodiff
import Data
import Formats
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
    /// Generated samples scored at each log interval and at the end (SPEC §6: 2,500).
    public var evaluationSamples = 2500
    /// Losses and metrics every this many iterations (a line of `metrics.jsonl`).
    public var logEvery = 500
    /// A checkpoint every this many iterations (0: only at the end); the run folder keeps the last two.
    public var checkpointEvery = 1000
    public init() {}

    /// Range checks; errors name the config key.
    public func validate() throws {
        for line in yaml.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: ":", maxSplits: 1)
            var copy = self
            try copy.set(String(parts[0]), String(parts[1]).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")), file: "configuration")
        }
    }
}

/// The outcome of a training run (`summary.json`).
public struct MixtureTrainingSummary: Codable, Sendable {
    public var configuration: MixtureTrainingConfiguration
    public var iterations: Int
    public var oracleCalls: Double
    /// Training time, summed over the sessions of a resumed run.
    public var wallSeconds: Double
    /// Metrics of the last iterate's generator and of the EMA generator.
    public var last: MixtureMetrics
    public var ema: MixtureMetrics
    public var finalLosses: [String: Double]
    /// `completed`, `time-limit` (stopped cleanly; resume continues) or `diverged`.
    public var exitStatus: String
    public var saddleVersion: String
    public var gitCommit: String?
    public var blasCore: String
}

/// Errors in a training request or run.
public enum RunError: Error, CustomStringConvertible, Equatable {
    case invalid(field: String, value: String, allowed: String)
    /// NaN or infinity in a loss or in the parameters; the run folder keeps the last good checkpoint.
    case diverged(iteration: Int, quantity: String, lastGoodCheckpoint: String?)
    /// A run folder that exists (and `--force` was not given), or one that cannot be resumed.
    case runFolder(path: String, problem: String)

    public var description: String {
        switch self {
        case .invalid(let f, let v, let a): return "\(f) = \(v) is invalid: \(a)"
        case .diverged(let k, let q, let c):
            return "training diverged at iteration \(k): \(q) became NaN or infinite; "
                + (c.map { "last good checkpoint: \($0)" } ?? "no checkpoint was written before it")
        case .runFolder(let p, let problem): return "\(p): \(problem)"
        }
    }
}

/// How a training session runs: where it writes, when it stops, what it reports.
public struct TrainingSession {
    /// The run folder (nil: no files, as in library use).
    public var runDirectory: RunDirectory?
    /// Stop cleanly, with a checkpoint, once this many seconds have passed.
    public var timeLimit: Double?
    /// Called at each log interval with the record written to `metrics.jsonl`.
    public var progress: (MetricsRecord) -> Void
    public init(runDirectory: RunDirectory? = nil, timeLimit: Double? = nil, progress: @escaping (MetricsRecord) -> Void = { _ in }) {
        self.runDirectory = runDirectory
        self.timeLimit = timeLimit
        self.progress = progress
    }
}

/// One line of `metrics.jsonl`.
public struct MetricsRecord: Codable, Sendable {
    public var iteration: Int
    public var wallSeconds: Double
    public var oracleCalls: Double
    public var lossGenerator: Double
    public var lossDiscriminator: Double
    /// ‖F(ω)‖ on the fixed evaluation batch.
    public var fieldNorm: Double
    public var last: MixtureMetrics
    public var ema: MixtureMetrics
}

/// A 64-bit seed drawn from a stream (the first word of `stream`).
private func seedOf(_ stream: RandomGenerator) -> UInt64 { var s = stream; return s.next() }

/// Trains the mixture GAN with no run folder; `progress(iteration, losses)` every `logEvery` iterations.
public func trainMixtureGAN(_ c: MixtureTrainingConfiguration, logEvery: Int = 500,
                            progress: @escaping (Int, PerPlayer<Double>) -> Void = { _, _ in }) throws -> MixtureTrainingSummary {
    var c = c
    c.logEvery = logEvery
    return try MixtureTraining(c).run(TrainingSession { r in
        progress(r.iteration, PerPlayer(generator: r.lossGenerator, discriminator: r.lossDiscriminator))
    })
}

/// The mixture GAN's training loop, with checkpoints, resume, a time limit and a divergence guard.
public final class MixtureTraining {
    public typealias SolverType = ExtrapolationFromThePast<Adam>
    public let configuration: MixtureTrainingConfiguration
    let mixture: GaussianMixture
    let root: RandomGenerator
    let generatorNetwork: MLP
    let game: NeuralGame
    let solver: SolverType

    /// The complete state after `iteration` iterations: what a checkpoint holds.
    public struct State {
        public var iteration: Int
        public var omega: BlockVector
        public var ema: Tensor
        public var solver: SolverType.State
        public var oracle: Oracle.Checkpoint
        /// Training seconds before this session (resumed runs).
        public var wallSeconds: Double
    }

    public init(_ c: MixtureTrainingConfiguration) throws {
        try c.validate()
        configuration = c
        mixture = c.dataset == "grid" ? .grid : .ring
        // Single-threaded BLAS: results do not depend on --threads, and with 2+ threads and large
        // batches the players' gradients run concurrently, one core each (see NeuralGame).
        BLAS.threads = 1
        root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1)
        let g = MLP([c.latent, c.hidden, c.hidden, 2], hidden: .relu, using: &rngG)
        let d = MLP([2, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rngD)
        generatorNetwork = g
        let latent = c.latent, gamma = c.r1Weight, mixture = self.mixture
        game = NeuralGame(name: "mixture-\(c.dataset)", generator: g.parameters, discriminator: d.parameters,
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
        solver = ExtrapolationFromThePast(rule: adam, kind: .pastExtraAdam)
    }

    /// Parameter counts of the two players.
    public var sizes: PerPlayer<Int> { game.sizes }

    /// The state before the first iteration (spends EFTP's initial oracle call).
    public func initialState() throws -> State {
        var oracle = Oracle(game, seed: seedOf(root.split(2)))
        let omega = game.initialPoint.copy()
        let s = try solver.makeState(at: omega, &oracle)
        return State(iteration: 0, omega: omega, ema: omega[.generator].copy(), solver: s, oracle: oracle.checkpoint, wallSeconds: 0)
    }

    /// Runs from the initial state, or from the run folder's latest checkpoint when `resume` is set.
    public func run(_ session: TrainingSession, resume: Bool = false) throws -> MixtureTrainingSummary {
        var state: State
        if resume {
            guard let dir = session.runDirectory, let latest = try dir.latestCheckpoint() else {
                throw RunError.runFolder(path: session.runDirectory?.path ?? "?", problem: "no checkpoint to resume from")
            }
            state = try load(latest)
            try dir.truncateMetrics(after: state.iteration)
        } else {
            state = try initialState()
        }
        return try run(from: &state, session)
    }

    /// Runs from `state` to `configuration.iterations`.
    public func run(from state: inout State, _ session: TrainingSession) throws -> MixtureTrainingSummary {
        let c = configuration
        var oracle = Oracle(game, seed: 0)
        oracle.restore(state.oracle)
        var omega = state.omega, solverState = state.solver
        let ema = state.ema
        let start = Date()
        var seconds: Double { state.wallSeconds + Date().timeIntervalSince(start) }
        var lastCheckpoint = try session.runDirectory?.latestCheckpoint()
        func snapshot(_ k: Int) -> State {
            State(iteration: k, omega: omega, ema: ema, solver: solverState, oracle: oracle.checkpoint, wallSeconds: seconds)
        }
        func checkpoint(_ k: Int) throws {
            guard let dir = session.runDirectory else { return }
            lastCheckpoint = try dir.writeCheckpoint(serialize(snapshot(k)), iteration: k)
        }
        func finish(_ k: Int, _ status: String) throws -> MixtureTrainingSummary {
            let losses = game.losses(at: omega)
            let summary = MixtureTrainingSummary(
                configuration: c, iterations: k, oracleCalls: oracle.counter.oracleCalls, wallSeconds: seconds,
                last: score(omega[.generator]), ema: score(ema),
                finalLosses: ["generator": losses.generator, "discriminator": losses.discriminator],
                exitStatus: status, saddleVersion: SaddleVersion.string, gitCommit: BuildInformation.gitCommit, blasCore: BLAS.coreName)
            try session.runDirectory?.writeSummary(summary)
            return summary
        }
        func diverged(_ k: Int, _ quantity: String) throws -> Never {
            _ = try? finish(k, "diverged")
            throw RunError.diverged(iteration: k, quantity: quantity, lastGoodCheckpoint: lastCheckpoint)
        }
        var k = state.iteration
        // Test seam for the divergence guard: SADDLE_TEST_POISON_AT_ITERATION=k puts a NaN into θ at iteration k.
        let poison = ProcessInfo.processInfo.environment["SADDLE_TEST_POISON_AT_ITERATION"].flatMap { Int($0) }
        while k < c.iterations {
            try solver.step(&omega, &solverState, &oracle)
            ema.axpby(1 - c.emaDecay, omega[.generator], c.emaDecay)
            k += 1
            if k == poison { omega.withBlock(.generator) { $0[0] = .nan } }
            if !omega.isFinite { try diverged(k, "the parameters") }
            if k % c.logEvery == 0 || k == c.iterations {
                let losses = game.losses(at: omega)
                if !(losses.generator.isFinite && losses.discriminator.isFinite) { try diverged(k, "a loss") }
                let fieldNorm = game.field(at: omega, blocks: Player.both, sample: .exact).norm()
                let record = MetricsRecord(iteration: k, wallSeconds: seconds, oracleCalls: oracle.counter.oracleCalls,
                                           lossGenerator: losses.generator, lossDiscriminator: losses.discriminator,
                                           fieldNorm: fieldNorm, last: score(omega[.generator]), ema: score(ema))
                try session.runDirectory?.appendMetrics(record)
                session.progress(record)
            }
            if c.checkpointEvery > 0 && k % c.checkpointEvery == 0 && k < c.iterations { try checkpoint(k) }
            if let limit = session.timeLimit, seconds - state.wallSeconds >= limit, k < c.iterations {
                try checkpoint(k)
                return try finish(k, "time-limit")
            }
        }
        try checkpoint(k)
        return try finish(k, "completed")
    }

    /// Scores 2,500 samples of the generator with parameters `theta`, from a fixed noise batch.
    func score(_ theta: Tensor) -> MixtureMetrics {
        var rngEval = root.split(4)
        let z = Tensor.normal([configuration.evaluationSamples, configuration.latent], using: &rngEval)
        let g = generatorNetwork
        let saved = g.parameters.flat.copy()
        defer { g.parameters.flat.copy(from: saved) }
        g.parameters.flat.copy(from: theta)
        return MixtureMetrics(samples: GradientRecording.withoutRecording { g(Variable(z)).value }, mixture: mixture)
    }
}
