import Autodiff
import Data
import Formats
import Foundation
import Games
import Metrics
import Networks
import Solvers
import Tensors

/// The outcome of a training run (`summary.json`).
public struct TrainingSummary: Codable, Sendable {
    public var configuration: TrainingConfiguration
    public var iterations: Int
    public var oracleCalls: Double
    /// Training time, summed over the sessions of a resumed run.
    public var wallSeconds: Double
    /// Metrics of the last iterate's generator and of the EMA generator.
    public var last: GeneratorMetrics
    public var ema: GeneratorMetrics
    /// Metrics of the untrained generator (ω₀): the baseline the acceptance criteria compare
    /// with (MNIST: the Fréchet distance should fall to a tenth of this one's).
    public var untrained: GeneratorMetrics?
    public var finalLosses: [String: Double]
    /// `completed`, `time-limit` or `interrupted` (stopped cleanly; resume continues), or `diverged`.
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
    /// Called after every iteration with its number (progress bars).
    public var tick: ((Int) -> Void)? = nil
    /// Asked before the first iteration and after every one: true stops training cleanly — a
    /// checkpoint, the summary and the report, exit status `interrupted` — so that a resume
    /// continues exactly. (The `saddle` program answers from its SIGINT/SIGTERM handler.)
    public var stopRequested: () -> Bool = { false }
    /// Hears what the session does besides training (a damaged checkpoint skipped, metrics lines dropped).
    public var log: (String) -> Void = { _ in }
    /// Test seam of the divergence guard: a NaN is put into θ after this iteration.
    package var poisonAtIteration: Int? = nil
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
    public var last: GeneratorMetrics
    public var ema: GeneratorMetrics
    public init(iteration: Int, wallSeconds: Double, oracleCalls: Double, lossGenerator: Double, lossDiscriminator: Double,
                fieldNorm: Double, last: GeneratorMetrics, ema: GeneratorMetrics) {
        self.iteration = iteration
        self.wallSeconds = wallSeconds
        self.oracleCalls = oracleCalls
        self.lossGenerator = lossGenerator
        self.lossDiscriminator = lossDiscriminator
        self.fieldNorm = fieldNorm
        self.last = last
        self.ema = ema
    }
}

/// A 64-bit seed drawn from a stream (the first word of `stream`).
private func seedOf(_ stream: RandomGenerator) -> UInt64 { var s = stream; return s.next() }

/// Trains with no run folder; `progress(iteration, losses)` every `logEvery` iterations.
public func trainGAN(_ c: TrainingConfiguration, logEvery: Int = 500,
                     progress: @escaping (Int, PerPlayer<Double>) -> Void = { _, _ in }) throws -> TrainingSummary {
    var c = c
    c.logEvery = logEvery
    return try GANTraining(c).run(TrainingSession { r in
        progress(r.iteration, PerPlayer(generator: r.lossGenerator, discriminator: r.lossDiscriminator))
    })
}

/// A GAN trained as a game (``TrainingConfiguration``): the ``NeuralGAN`` of the data set with the
/// chosen loss, its regularizer attached (``Regularized``), and any ``Solver``; with checkpoints,
/// resume, a time limit and a divergence guard.
///
/// The solver is held as `any Solver`; the loop runs in a generic function, so each method's own
/// `State` type is used as is, and checkpoints store it through its `Codable` form (tensors go to
/// the safetensors file, see ``TensorArchive``).
public final class GANTraining {
    public let configuration: TrainingConfiguration
    public let data: TrainingData
    let root: RandomGenerator
    let generatorNetwork: MLP
    /// The GAN, and the game the solver sees: the GAN with its regularizer.
    public let gan: NeuralGAN
    public let game: Regularized
    public let solver: any Solver

    /// The complete state after `iteration` iterations: what a checkpoint holds.
    public struct State {
        public var iteration: Int
        public var omega: BlockVector
        public var ema: Tensor
        /// The solver's state (its own `State` type).
        public var solver: any Sendable & Codable
        public var oracle: Oracle.Checkpoint
        /// Training seconds before this session (resumed runs).
        public var wallSeconds: Double
    }

    /// - Parameter log: hears what set-up does at length (training the MNIST classifier).
    public init(_ c: TrainingConfiguration, log: (String) -> Void = { _ in }) throws {
        try c.validate()
        configuration = c
        data = try TrainingData(c, log: log)
        // Single-threaded BLAS: with --threads 2 the field's two batch halves run on the two cores
        // instead (NeuralGAN.threads), which the step's 64–512-row products use far better.
        BLAS.threads = 1
        root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1)
        let g = MLP([c.latent, c.hidden, c.hidden, data.width], hidden: .relu, output: data.generatorOutput, using: &rngG)
        let d = MLP([data.width, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rngD)
        generatorNetwork = g
        gan = NeuralGAN(name: "gan-\(c.dataset)", generator: g, discriminator: d, loss: c.loss, batchSize: c.batchSize,
                        evaluationSeed: seedOf(root.split(3)), shards: c.shards, threads: c.threads, data: data.sample)
        game = try Regularized(gan, by: c.regularizers())
        solver = try c.solverConfiguration().makeSolver()
    }

    /// Parameter counts of the two players.
    public var sizes: PerPlayer<Int> { game.sizes }

    /// The state before the first iteration (spends the solver's initial oracle calls, if any).
    public func initialState() throws -> State {
        var oracle = Oracle(game, seed: seedOf(root.split(2)))
        let omega = game.initialPoint.copy()
        let s = try solver.makeState(at: omega, &oracle)
        return State(iteration: 0, omega: omega, ema: omega[.generator].copy(), solver: s, oracle: oracle.checkpoint, wallSeconds: 0)
    }

    /// Runs from the initial state, or, when `resume` is set, from the run folder's newest good
    /// checkpoint (``resumableState(in:log:)``; from the start when it has none).
    public func run(_ session: TrainingSession, resume: Bool = false) throws -> TrainingSummary {
        var state: State
        if resume, let dir = session.runDirectory {
            state = try resumableState(in: dir, log: session.log) ?? initialState()
            if let note = try dir.truncateMetrics(after: state.iteration) { session.log(note) }
        } else {
            state = try initialState()
        }
        return try run(from: &state, session)
    }

    /// The state of the newest checkpoint in `dir` that loads and passes every check, or nil when
    /// there is no checkpoint. Newer checkpoints that fail are set aside (`NAME.damaged`) and
    /// `log` says so; when none loads, the newest one's error is thrown and nothing is changed.
    public func resumableState(in dir: RunDirectory, log: (String) -> Void = { _ in }) throws -> State? {
        let all = dir.checkpoints()
        guard !all.isEmpty else { return nil }
        var failures: [(path: String, error: Error)] = []
        for c in all.reversed() {
            do {
                let state = try load(c.path)
                for f in failures {
                    dir.setAside(damagedCheckpoint: f.path)
                    log("\(f.path): cannot be resumed from (\(f.error)); set aside as \((f.path as NSString).lastPathComponent).damaged, resuming from iteration \(state.iteration)")
                }
                return state
            } catch {
                failures.append((c.path, error))
            }
        }
        throw failures[0].error
    }

    /// Runs from `state` to `configuration.iterations`.
    public func run(from state: inout State, _ session: TrainingSession) throws -> TrainingSummary {
        try loop(solver, &state, session)
    }

    func loop<S: Solver>(_ solver: S, _ state: inout State, _ session: TrainingSession) throws -> TrainingSummary {
        let c = configuration
        var oracle = Oracle(game, seed: 0)
        oracle.restore(state.oracle)
        guard var solverState = state.solver as? S.State else {
            throw RunError.runFolder(path: session.runDirectory?.path ?? "?", problem: "the solver state does not belong to \(solver.kind.rawValue)")
        }
        var omega = state.omega
        let ema = state.ema
        let start = Date()
        let before = state.wallSeconds
        var seconds: Double { before + Date().timeIntervalSince(start) }
        var lastCheckpoint = session.runDirectory?.latestCheckpoint()
        func snapshot(_ k: Int) -> State {
            State(iteration: k, omega: omega, ema: ema, solver: solverState, oracle: oracle.checkpoint, wallSeconds: seconds)
        }
        func checkpoint(_ k: Int) throws {
            guard let dir = session.runDirectory else { return }
            lastCheckpoint = try dir.writeCheckpoint(serialize(snapshot(k)), iteration: k)
        }
        func finish(_ k: Int, _ status: String) throws -> TrainingSummary {
            let losses = game.losses(at: omega)
            let summary = TrainingSummary(
                configuration: c, iterations: k, oracleCalls: oracle.counter.oracleCalls, wallSeconds: seconds,
                last: score(omega[.generator]), ema: score(ema), untrained: score(game.initialPoint[.generator]),
                finalLosses: ["generator": losses.generator, "discriminator": losses.discriminator],
                exitStatus: status, saddleVersion: SaddleVersion.string, gitCommit: BuildInformation.gitCommit, blasCore: BLAS.coreName)
            try session.runDirectory?.writeSummary(summary)
            if let dir = session.runDirectory { writeReport(dir, theta: omega[.generator], ema: ema) }
            return summary
        }
        func diverged(_ k: Int, _ quantity: String) throws -> Never {
            _ = try? finish(k, "diverged")
            throw RunError.diverged(iteration: k, quantity: quantity, lastGoodCheckpoint: lastCheckpoint)
        }
        var k = state.iteration
        // Every run has a checkpoint from its first moment (iteration 0, or where it resumes when
        // the folder lost its checkpoints): a resume point, and the point where a run that
        // replaced another (--force) lets the old one go.
        if let dir = session.runDirectory, dir.checkpoints().isEmpty || dir.pendingReplacement != nil { try checkpoint(k) }
        func interrupted() throws -> TrainingSummary {
            if lastCheckpoint.map({ !$0.hasSuffix(RunDirectory.checkpointName(k)) }) ?? true { try checkpoint(k) }
            state = snapshot(k)
            return try finish(k, "interrupted")
        }
        if session.stopRequested() { return try interrupted() }
        while k < c.iterations {
            // The step-size decay: the same method with scaled step sizes (no state depends on α).
            let factor = c.stepSizeFactor(atIteration: k + 1)
            let stepper = factor == 1 ? solver : try c.solverConfiguration(stepSizeFactor: factor).makeSolver() as! S
            try stepper.step(&omega, &solverState, &oracle)
            ema.axpby(1 - c.emaDecay, solver.output(omega, solverState)[.generator], c.emaDecay)
            k += 1
            session.tick?(k)
            if k == session.poisonAtIteration { omega.withBlock(.generator) { $0[0] = .nan } }
            if !omega.isFinite { try diverged(k, "the parameters") }
            if k % c.logEvery == 0 || k == c.iterations {
                let losses = game.losses(at: omega)
                if !(losses.generator.isFinite && losses.discriminator.isFinite) { try diverged(k, "a loss") }
                let fieldNorm = game.field(at: omega, blocks: Player.both, sample: .exact).norm()
                // Drawn once, for the metrics and for the run folder's scatter plots.
                let lastSamples = samples(of: omega[.generator]), emaSamples = samples(of: ema)
                let record = MetricsRecord(iteration: k, wallSeconds: seconds, oracleCalls: oracle.counter.oracleCalls,
                                           lossGenerator: losses.generator, lossDiscriminator: losses.discriminator,
                                           fieldNorm: fieldNorm, last: data.score(lastSamples), ema: data.score(emaSamples))
                try session.runDirectory?.appendMetrics(record)
                if let dir = session.runDirectory { writePlots(dir, theta: omega[.generator], ema: ema, evaluated: (lastSamples, emaSamples)) }
                session.progress(record)
            }
            if c.checkpointEvery > 0 && k % c.checkpointEvery == 0 && k < c.iterations { try checkpoint(k) }
            if let limit = session.timeLimit, seconds - before >= limit, k < c.iterations {
                try checkpoint(k)
                state = snapshot(k)
                return try finish(k, "time-limit")
            }
            if k < c.iterations, session.stopRequested() { return try interrupted() }
        }
        try checkpoint(k)
        state = snapshot(k)
        return try finish(k, "completed")
    }

    /// `evaluationSamples` samples of the generator with parameters `theta`, from a fixed noise batch.
    public func samples(of theta: Tensor, count: Int? = nil) -> Tensor {
        var rngEval = root.split(4)
        let z = Tensor.normal([count ?? configuration.evaluationSamples, configuration.latent], using: &rngEval)
        return GradientRecording.withoutRecording { generatorNetwork(Variable(z), parameters: Variable(theta)).value }
    }

    /// Scores `evaluationSamples` samples of the generator with parameters `theta`.
    func score(_ theta: Tensor) -> GeneratorMetrics { data.score(samples(of: theta)) }
}
