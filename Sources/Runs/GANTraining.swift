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
    /// The status of a run that stopped at its oracle budget (`max_oracle_calls`): finished, like "completed".
    public static let budgetSpent = "budget-spent"
    /// Whether a run that ended with `status` did what it was asked: its iterations or its budget.
    public static func isFinished(_ status: String) -> Bool { status == "completed" || status == budgetSpent }
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
    /// OpenBLAS's kernel family and thread count during the session: results are bit-identical for
    /// a shard count on one kernel family (other families round differently).
    public var blasCore: String
    public var blasThreads: Int?
    /// The processes (MPI ranks) that computed the run (nil in summaries written before MPI).
    public var ranks: Int?
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
    /// The step sizes of the iteration's step: the configuration's α of each player times the
    /// decay factor at that iteration (``TrainingConfiguration/stepSizeFactor(atIteration:)``);
    /// methods that adapt their steps (aGRAAL) start from these. Absent when the method is one
    /// given to ``GANTraining`` rather than the configuration's, and in lines written before 2026-12.
    public var stepSizeGenerator: Double?
    public var stepSizeDiscriminator: Double?
    public init(iteration: Int, wallSeconds: Double, oracleCalls: Double, lossGenerator: Double, lossDiscriminator: Double,
                fieldNorm: Double, last: GeneratorMetrics, ema: GeneratorMetrics, stepSizes: PerPlayer<Double>? = nil) {
        self.iteration = iteration
        self.wallSeconds = wallSeconds
        self.oracleCalls = oracleCalls
        self.lossGenerator = lossGenerator
        self.lossDiscriminator = lossDiscriminator
        self.fieldNorm = fieldNorm
        self.last = last
        self.ema = ema
        stepSizeGenerator = stepSizes?.generator
        stepSizeDiscriminator = stepSizes?.discriminator
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
/// chosen loss, its regularizer attached (``Regularized``), and any ``Solver`` — under the step-size
/// decay (``Scheduled``) and the exponential moving average (``Averaged``) — on the one
/// ``IterationLoop``, with observers for metrics, plots, checkpoints, the time limit, a stop
/// request and progress.
///
/// The solver is held as `any Solver`; the loop runs in a generic function, so each method's own
/// `State` type is used as is, and checkpoints store it through its `Codable` form (tensors go to
/// the safetensors file, see ``TensorArchive``).
public final class GANTraining {
    public let configuration: TrainingConfiguration
    public let data: TrainingData
    let root: RandomGenerator
    /// The GAN, and the game the solver sees: the GAN with its regularizer.
    public let gan: NeuralGAN
    public let game: Regularized
    /// The method under its schedule, averaged (its output's generator block is the EMA generator).
    public let solver: any Solver
    /// Whether the networks are the configuration's MLPs (not a caller's own).
    public let usesConfiguredNetworks: Bool
    /// Whether the method is the configuration's (not a solver the caller gave).
    public let usesConfiguredMethod: Bool
    /// Whether the regularizers are the configuration's (not ones the caller gave).
    public let usesConfiguredRegularizers: Bool

    /// The complete state after `iteration` iterations: what a checkpoint holds.
    public struct State {
        public var iteration: Int
        public var omega: BlockVector
        /// The EMA generator: the averaged output's generator block (a copy, for reading).
        public var ema: Tensor
        /// The solver's state (its own `State` type).
        public var solver: any Sendable & Codable
        public var oracle: Oracle.Checkpoint
        /// Training seconds before this session (resumed runs).
        public var wallSeconds: Double
    }

    /// The training `c` describes. Its networks are the configuration's MLPs unless `generator` and
    /// `discriminator` are given (any ``Network``s: G of input width `latent` and output the data
    /// width, D from the data width to 1), and its method is the configuration's unless `method` is
    /// given (any ``Solver``, yours included). Either way the method runs under the step-size decay
    /// (``Scheduled``, when the decay is not constant: the method must then scale its steps) and
    /// the EMA (``Averaged``) on the one ``IterationLoop``, with the run folder, checkpoints and
    /// metrics of `saddle train`. `regularizers`, when given, replace the configuration's
    /// (any ``Regularizer``s, yours included; `[]` for none).
    /// - Parameter log: hears what set-up does at length (training the MNIST classifier).
    public init(_ c: TrainingConfiguration, generator: (any Network)? = nil, discriminator: (any Network)? = nil,
                method: (any Solver)? = nil, regularizers: [any Regularizer]? = nil, processGroup: any ProcessGroup = SingleProcess.shared,
                log: (String) -> Void = { _ in }) throws {
        try c.validate()
        configuration = c
        data = try TrainingData(c, log: log)
        root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1)
        let g = generator ?? Self.configuredGenerator(c, data: data, using: &rngG)
        let d = discriminator ?? Self.configuredDiscriminator(c, data: data, using: &rngD)
        guard (generator == nil) == (discriminator == nil) else {
            throw RunError.invalid(field: "networks", value: "one of two", allowed: "give both the generator and the discriminator, or neither")
        }
        usesConfiguredNetworks = generator == nil
        usesConfiguredMethod = method == nil
        usesConfiguredRegularizers = regularizers == nil
        guard g.inputWidth == c.latent, g.outputWidth == data.width, d.inputWidth == data.width, d.outputWidth == 1, g.dtype == d.dtype else {
            throw RunError.invalid(field: "networks", value: "G \(g.inputWidth) → \(g.outputWidth), D \(d.inputWidth) → \(d.outputWidth)",
                                   allowed: "G \(c.latent) → \(data.width) and D \(data.width) → 1, of one dtype")
        }
        gan = NeuralGAN(name: "gan-\(c.dataset)", generator: g, discriminator: d, loss: c.loss, batchSize: c.batchSize,
                        evaluationSeed: seedOf(root.split(3)), shards: c.shards, threads: c.threads, processGroup: processGroup, data: data.sample)
        game = try Regularized(gan, by: regularizers ?? c.regularizers())
        var sc = c.methodConfiguration()
        let schedule = try LinearDecay(start: c.stepSizeDecayStart, end: c.stepSizeDecayEnd, final: c.stepSizeDecayFinal)
        let base = try method ?? sc.makeSolver()
        if schedule.final != 1 {
            guard base.scaled(by: 1) != nil else {
                throw RunError.invalid(field: "step_size_decay_final", value: "\(schedule.final)",
                                       allowed: "\(base.name) has no step size to decay: set step_size_decay_final: 1")
            }
            sc.stepSizeSchedule = schedule
        }
        sc.averaging = .exponential(decay: c.emaDecay, debiased: c.emaDebias)
        solver = try Self.wrap(base, schedule: sc.stepSizeSchedule, averaging: sc.averaging!)
    }

    /// The generator the configuration names (``TrainingConfiguration/architecture``).
    static func configuredGenerator(_ c: TrainingConfiguration, data: TrainingData, using rng: inout RandomGenerator) -> any Network {
        switch c.architecture {
        case .mlp: return MLP([c.latent, c.hidden, c.hidden, data.width], hidden: .relu, output: data.generatorOutput, using: &rng)
        case .dcgan: return DCGANGenerator(latent: c.latent, imageSize: data.imageSide, width: c.hidden, using: &rng)
        }
    }

    /// The discriminator the configuration names.
    static func configuredDiscriminator(_ c: TrainingConfiguration, data: TrainingData, using rng: inout RandomGenerator) -> any Network {
        switch c.architecture {
        case .mlp: return MLP([data.width, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rng)
        case .dcgan: return DCGANDiscriminator(imageSize: data.imageSide, width: c.hidden, spectralNorm: c.spectralNorm, using: &rng)
        }
    }

    static func wrap<S: Solver>(_ s: S, schedule: (any StepSizeSchedule)?, averaging scheme: AveragingScheme) throws -> any Solver {
        guard let schedule else { return try Averaged(s, scheme: scheme) }
        return try Averaged(try Scheduled(s, schedule: schedule), scheme: scheme)
    }

    /// `config.yaml` for this training: the configuration, with a note naming the method and the
    /// networks when they are the caller's own rather than the configuration's.
    public var configurationYAML: String {
        var notes = ""
        if !usesConfiguredMethod { notes += "# method: \(solver.name), a solver given to GANTraining (the method key below is not used)\n" }
        if !usesConfiguredNetworks { notes += "# networks: given to GANTraining (latent and hidden below do not describe them)\n" }
        if !usesConfiguredRegularizers {
            notes += "# regularizers: \(game.regularizers.map(\.description).joined(separator: ", ")), given to GANTraining (regularizer and regularizer_weight below are not used)\n"
        }
        return notes + configuration.yaml
    }

    /// `body` with both networks' statistics paused (``Networks/Network/pausingStatistics(_:)``):
    /// for evaluations that report rather than train.
    func pausingStatistics<R>(_ body: () throws -> R) rethrows -> R {
        try gan.generator.pausingStatistics { try gan.discriminator.pausingStatistics(body) }
    }

    /// Parameter counts of the two players.
    public var sizes: PerPlayer<Int> { game.sizes }

    /// The state before the first iteration (spends the solver's initial oracle calls, if any).
    public func initialState() throws -> State { try initialState(solver) }

    func initialState<S: Solver>(_ solver: S) throws -> State {
        let loop = try IterationLoop(solver, on: game, seed: seedOf(root.split(2)))
        return snapshot(loop, wallSeconds: 0)
    }

    func snapshot<S: Solver>(_ loop: IterationLoop<S>, wallSeconds: Double) -> State {
        State(iteration: loop.iteration, omega: loop.omega, ema: loop.output[.generator].copy(), solver: loop.state,
              oracle: loop.oracle.checkpoint, wallSeconds: wallSeconds)
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
                let state = try load(c.path, forResuming: true)
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
        try train(solver, &state, session)
    }

    func train<S: Solver>(_ solver: S, _ state: inout State, _ session: TrainingSession) throws -> TrainingSummary {
        let c = configuration
        guard let solverState = state.solver as? S.State else {
            throw RunError.runFolder(path: session.runDirectory?.path ?? "?", problem: "the solver state does not belong to \(solver.name)")
        }
        var oracle = Oracle(game, seed: 0)
        oracle.restore(state.oracle)
        if let dir = session.runDirectory, !FileManager.default.fileExists(atPath: dir.path + "/config.yaml") {
            try dir.writeConfiguration(configurationYAML)
        }
        var loop = IterationLoop(solver, iteration: state.iteration, omega: state.omega, state: solverState, oracle: oracle)
        if c.maxOracleCalls > 0 { loop.limitCalls(to: c.maxOracleCalls) }
        if let k = session.poisonAtIteration { loop.afterStep = { i, omega in if i == k { omega.withBlock(.generator) { $0[0] = .nan } } } }
        let clock = TrainingClock(before: state.wallSeconds)
        let checkpoints = CheckpointObserver(training: self, directory: session.runDirectory, every: c.checkpointEvery,
                                             iterations: c.iterations, clock: clock)
        var observers: [any LoopObserver] = []
        if let tick = session.tick { observers.append(EveryIteration { tick($0.iteration); return .proceed }) }
        var tensorboard: TensorBoardLog?
        if c.tensorboard, let dir = session.runDirectory {
            tensorboard = try TensorBoardLog(directory: dir, continuingAfter: state.iteration, log: session.log)
        }
        observers.append(MetricsObserver(training: self, session: session, clock: clock, tensorboard: tensorboard))
        // After the metrics (which evaluate F and the losses in training mode, so batch norm records
        // their statistics too) and before the checkpoint: everything recorded in an iteration is
        // folded in that iteration, and a checkpoint holds no statistics waiting for the next one,
        // so a resumed run's running statistics are an uninterrupted run's.
        observers.append(NetworkStateObserver(gan: gan))
        observers.append(checkpoints)
        let group = gan.processGroup
        if let limit = session.timeLimit { observers.append(TimeLimit(seconds: limit, clock: clock, iterations: c.iterations, group: group)) }
        observers.append(StopRequest(session.stopRequested, iterations: c.iterations, group: group))
        if c.maxOracleCalls > 0 { observers.append(OracleBudget(maximumCalls: c.maxOracleCalls)) }
        let stop = try loop.run(until: c.iterations, observers: observers)
        let k = loop.iteration
        func finish(_ status: String) throws -> TrainingSummary {
            let omega = loop.omega, ema = loop.output[.generator]
            let losses = pausingStatistics { game.losses(at: omega) }
            let summary = TrainingSummary(
                configuration: c, iterations: k, oracleCalls: loop.oracle.counter.oracleCalls, wallSeconds: clock.seconds,
                last: score(omega[.generator]), ema: score(ema, standingStatistics: true), untrained: score(game.initialPoint[.generator]),
                finalLosses: ["generator": losses.generator, "discriminator": losses.discriminator],
                exitStatus: status, saddleVersion: SaddleVersion.string, gitCommit: BuildInformation.gitCommit, blasCore: BLAS.coreName, blasThreads: BLAS.threads,
                ranks: gan.processGroup.size)
            try session.runDirectory?.writeSummary(summary)
            if let dir = session.runDirectory { writeReport(dir, theta: omega[.generator], ema: ema) }
            return summary
        }
        switch stop.reason {
        case LoopStop.diverged.reason, MetricsObserver.divergedLoss.reason:
            _ = try? finish("diverged")
            throw RunError.diverged(iteration: k, quantity: stop == .diverged ? "the parameters" : "a loss",
                                    lastGoodCheckpoint: checkpoints.last)
        default:
            let status = stop == .iterations ? "completed" : stop.reason == "max-oracle-calls" ? TrainingSummary.budgetSpent : stop.reason
            try checkpoints.write(loop)
            state = snapshot(loop, wallSeconds: clock.seconds)
            return try finish(status)
        }
    }

    /// `evaluationSamples` samples of the generator with parameters `theta`, from a fixed noise batch.
    ///
    /// `standingStatistics`: batch normalization (the DCGAN generator's) normalizes with statistics
    /// taken at `theta` (``Networks/Network/withStandingStatistics(parameters:inputs:_:)``) from
    /// ``standingPasses`` training-mode passes of ``generationRows`` rows of noise from a stream of
    /// their own, instead of the running statistics — for the EMA generator, whose weights no
    /// training step ran. Networks without batch normalization give the same samples either way.
    public func samples(of theta: Tensor, count: Int? = nil, standingStatistics: Bool = false) -> Tensor {
        var rngEval = root.split(4)
        let z = Tensor.normal([count ?? configuration.evaluationSamples, configuration.latent], using: &rngEval)
        return generate(z, parameters: theta, standingStatistics: standingStatistics)
    }

    /// G_θ(z) for the rows of `z` in passes of ``TrainingConfiguration/generationRowsPerPass`` rows,
    /// with standing statistics (see ``samples(of:count:standingStatistics:)``) when asked.
    func generate(_ z: Tensor, parameters theta: Tensor, standingStatistics: Bool) -> Tensor {
        let rows = configuration.generationRowsPerPass
        guard standingStatistics else { return gan.generate(z, parameters: theta, rowsPerPass: rows) }
        var rng = root.split(6)
        let passes = (0..<Self.standingPasses).map { _ in Tensor.normal([Self.generationRows, configuration.latent], using: &rng) }
        return gan.generator.withStandingStatistics(parameters: theta, inputs: passes) {
            gan.generate(z, parameters: theta, rowsPerPass: rows)
        }
    }

    /// Standing statistics are pooled over this many training-mode passes of ``generationRows``
    /// rows (2,048 samples; 0.1–0.3 s for the DCGAN generator on one core).
    public static let standingPasses = 8
    /// Rows per standing-statistics pass.
    public static let generationRows = 256

    /// Scores `evaluationSamples` samples of the generator with parameters `theta`.
    func score(_ theta: Tensor, standingStatistics: Bool = false) -> GeneratorMetrics {
        data.score(samples(of: theta, standingStatistics: standingStatistics))
    }
}

/// Seconds of training, summed over the sessions of a resumed run.
final class TrainingClock {
    let before: Double
    let start = Date()
    init(before: Double) { self.before = before }
    var seconds: Double { before + Date().timeIntervalSince(start) }
    var sessionSeconds: Double { Date().timeIntervalSince(start) }
}

/// After every iteration: the networks' non-trainable state advances once, on every rank together
/// (``Network/updateNonTrainableState(parameters:group:)``).
public final class NetworkStateObserver: LoopObserver {
    let gan: NeuralGAN
    public init(gan: NeuralGAN) { self.gan = gan }
    public func didStep(_ view: LoopView) throws -> LoopDecision {
        gan.generator.updateNonTrainableState(parameters: view.omega[.generator], group: gan.processGroup)
        gan.discriminator.updateNonTrainableState(parameters: view.omega[.discriminator], group: gan.processGroup)
        return .proceed
    }
}

/// Every `logEvery` iterations (and at the last): losses, ‖F‖, the step sizes and the two
/// generators' metrics to `metrics.jsonl`, the plots, the same scalars and the sample plots to
/// TensorBoard's `tb/`, and the session's progress; a loss that is not finite stops the run.
final class MetricsObserver: LoopObserver {
    static let divergedLoss = LoopStop("diverged-loss")
    unowned let training: GANTraining
    let session: TrainingSession
    let clock: TrainingClock
    /// When the PNGs were last redrawn (they cost about ten times the SVGs: see ``GANTraining/rasterInterval``).
    var lastRaster: Date?
    let tensorboard: TensorBoardLog?
    init(training: GANTraining, session: TrainingSession, clock: TrainingClock, tensorboard: TensorBoardLog?) {
        self.training = training
        self.session = session
        self.clock = clock
        self.tensorboard = tensorboard
    }

    func didStep(_ view: LoopView) throws -> LoopDecision {
        let c = training.configuration, k = view.iteration
        guard k % c.logEvery == 0 || k == c.iterations else { return .proceed }
        // Reported, not trained on: batch-norm statistics stay as the iterations left them.
        let (losses, fieldNorm) = training.pausingStatistics {
            (training.game.losses(at: view.omega), training.game.field(at: view.omega, blocks: Player.both, sample: .exact).norm())
        }
        guard losses.generator.isFinite && losses.discriminator.isFinite else { return .stop(Self.divergedLoss) }
        // Drawn once, for the metrics and for the run folder's scatter plots.
        let theta = view.omega[.generator], ema = view.output[.generator]
        let lastSamples = training.samples(of: theta), emaSamples = training.samples(of: ema, standingStatistics: true)
        let factor = c.stepSizeFactor(atIteration: k)
        let stepSizes = training.usesConfiguredMethod ? PerPlayer(generator: c.generatorStepSize * factor, discriminator: c.discriminatorStepSize * factor) : nil
        let record = MetricsRecord(iteration: k, wallSeconds: clock.seconds, oracleCalls: view.counter.oracleCalls,
                                   lossGenerator: losses.generator, lossDiscriminator: losses.discriminator,
                                   fieldNorm: fieldNorm, last: training.data.score(lastSamples), ema: training.data.score(emaSamples),
                                   stepSizes: stepSizes)
        try session.runDirectory?.appendMetrics(record)
        if let dir = session.runDirectory {
            // The PNGs at most every rasterInterval seconds; at the last iteration every format,
            // PDF included (the run's final plots, which TensorBoard's last images also show).
            let final = k == c.iterations
            let raster = final || (lastRaster.map { Date().timeIntervalSince($0) >= GANTraining.rasterInterval } ?? true)
            let samples = training.writePlots(dir, theta: theta, ema: ema, evaluated: (lastSamples, emaSamples), png: raster, pdf: final)
            if raster { lastRaster = Date() }
            // After metrics.jsonl's line, like it whole or not at all; a write that fails stops the run as that line's would.
            try tensorboard?.write(record, images: samples.map { (tag: "samples/" + $0.name.dropFirst("samples-".count), png: $0.png) })
        }
        session.progress(record)
        return .proceed
    }
}

/// Checkpoints: at the start when the run folder has none (or a replaced run waits for one),
/// every `every` iterations, and when the run ends.
final class CheckpointObserver: LoopObserver {
    unowned let training: GANTraining
    let directory: RunDirectory?
    let every: Int
    let iterations: Int
    let clock: TrainingClock
    /// The newest checkpoint written or found.
    private(set) var last: String?
    private var lastIteration: Int?

    init(training: GANTraining, directory: RunDirectory?, every: Int, iterations: Int, clock: TrainingClock) {
        self.training = training
        self.directory = directory
        self.every = every
        self.iterations = iterations
        self.clock = clock
        last = directory?.latestCheckpoint()
    }

    func write(_ view: LoopView) throws {
        guard let dir = directory, lastIteration != view.iteration else { return }
        let state = GANTraining.State(iteration: view.iteration, omega: view.omega, ema: view.output[.generator], solver: view.state,
                                      oracle: view.oracle.checkpoint, wallSeconds: clock.seconds)
        last = try dir.writeCheckpoint(try training.serialize(state), iteration: view.iteration)
        lastIteration = view.iteration
    }

    func write<S: Solver>(_ loop: IterationLoop<S>) throws { try write(loop.view) }

    func start(_ view: LoopView) throws -> LoopDecision {
        if let dir = directory, dir.checkpoints().isEmpty || dir.pendingReplacement != nil { try write(view) }
        return .proceed
    }

    func didStep(_ view: LoopView) throws -> LoopDecision {
        if every > 0 && view.iteration % every == 0 && view.iteration < iterations { try write(view) }
        return .proceed
    }
}

/// Stops cleanly once this session has trained for `seconds`.
final class TimeLimit: LoopObserver {
    let seconds: Double
    let clock: TrainingClock
    let iterations: Int
    let group: any ProcessGroup
    init(seconds: Double, clock: TrainingClock, iterations: Int, group: any ProcessGroup) {
        self.seconds = seconds; self.clock = clock; self.iterations = iterations; self.group = group
    }
    /// Each rank has its own clock: the run stops when any rank's has run out, on every rank at once.
    func didStep(_ view: LoopView) throws -> LoopDecision {
        view.iteration < iterations && group.any(clock.sessionSeconds >= seconds) ? .stop(LoopStop("time-limit")) : .proceed
    }
}

/// Stops cleanly, before the first iteration or after any, when `requested()` says so (the CLI's SIGINT/SIGTERM).
final class StopRequest: LoopObserver {
    let requested: () -> Bool
    let iterations: Int
    let group: any ProcessGroup
    init(_ requested: @escaping () -> Bool, iterations: Int, group: any ProcessGroup) {
        self.requested = requested; self.iterations = iterations; self.group = group
    }
    /// A stop requested on any rank (a signal to one MPI process) stops every rank after the same iteration.
    func start(_ view: LoopView) throws -> LoopDecision { group.any(requested()) ? .stop(LoopStop("interrupted")) : .proceed }
    func didStep(_ view: LoopView) throws -> LoopDecision {
        view.iteration < iterations && group.any(requested()) ? .stop(LoopStop("interrupted")) : .proceed
    }
}
