import ArgumentParser
import CSystem
import Foundation
import Saddle
#if canImport(Glibc)
import Glibc
#endif

/// The data sets `saddle train` knows.
enum TrainDataset: String, CaseIterable, ExpressibleByArgument {
    case ring, grid, mnist
}

/// `--method`: a solver, or consensus optimization (the fb solver with the consensus regularizer).
typealias MethodChoice = TrainingConfiguration.MethodChoice

/// `saddle train --method NAME`: the names a config file's `method` takes
/// (``TrainingConfiguration/method(named:)``), refused in one line naming the flag.
func parseTrainMethod(_ text: String) throws -> MethodChoice {
    switch TrainingConfiguration.method(named: text) {
    case .success(let choice): return choice
    case .failure(let e):
        if SolverRegistry.builtIn.entry(named: text) != nil { throw ValidationError("--method \(e.allowed); train takes \(TrainingConfiguration.methodNames.joined(separator: ", "))") }
        throw ValidationError("unknown method '\(text)'; valid choices: \(TrainingConfiguration.methodNames.joined(separator: ", "))")
    }
}

/// The named configs of `--preset`.
enum TrainPreset: String, CaseIterable, ExpressibleByArgument {
    case ring, grid, mnist
    case mnistDCGAN = "mnist-dcgan"
}

extension NeuralGAN.Loss: ExpressibleByArgument {}
extension TrainingRegularizer: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}

/// What `saddle train`'s shared options say.
enum TrainHelp: SharedOptionsHelp {
    static let out = "The run folder. (default: runs/<dataset>-<UTC time>)"
    static let force = "Replace the run folder given by --out when it holds a run (only a folder Saddle wrote)."
    static let seed = "Seed of initialization, minibatches and evaluation. (default: \(TrainingConfiguration().seed))"
    static let json = "Print the summary (summary.json's object) as one JSON object on stdout."
    static var threads: String {
        "The minibatch's shards run on up to this many threads, one core each; results do not depend on it. (default: all cores, \(BLAS.availableCores) here; under mpirun, the cores over the ranks on this machine)"
    }
}

/// `saddle train`: a GAN trained as a game, into a run folder with checkpoints.
struct Train: ParsableCommand {
    private static let d = TrainingConfiguration()
    static let configuration = CommandConfiguration(
        abstract: "Train a GAN as a two-player game: any data set, loss, solver and regularizer.",
        discussion: """
        With no arguments: the ring of 8 Gaussians (radius 2, std 0.02), G \(d.latent)→\(d.hidden)→\(d.hidden)→2 (ReLU), \
        D 2→\(d.hidden)→\(d.hidden)→1 (LeakyReLU 0.2), \(d.loss.rawValue) losses, the discriminator-only R1 penalty \
        (γ/2)·E‖∇x D(x)‖² with γ = \(d.regularizerWeight), and Past-Extra-Adam (EFTP whose half-steps are Adam steps; \
        α = \(d.generatorStepSize), β = (\(d.beta1), \(d.beta2))) for \(grouped(d.iterations)) iterations of batch \(d.batchSize), with α decaying linearly \
        to \(d.stepSizeDecayFinal)·α from iteration \(grouped(d.stepSizeDecayStart)) to \(grouped(d.stepSizeDecayEnd)) (config keys step_size_decay_start, \
        step_size_decay_end, step_size_decay_final).

        Every choice is a flag and a config key: --dataset, --loss, --method, --regularizer with \
        --regularizer-weight (their values are listed below; a config file's `method` takes the \
        same names). A flag that only some methods read (--sga-adjustment, --sgld-steps, …, \
        named after those methods below) is ignored by the others, with a warning.

        At the end it scores \(grouped(d.evaluationSamples)) samples of the last generator and of its exponential moving \
        average (SPEC §6): modes covered, % high-quality samples (within 3 std of the nearest \
        mode), KL of the nearest-mode histogram to uniform, and the smallest mode's share of the \
        high-quality samples against the fair share.

        Every run writes a run folder (--out; default runs/<dataset>-<UTC time>): config.yaml (the \
        resolved configuration; --config reads the same keys), metrics.jsonl, summary.json, plots \
        redrawn at every log interval (samples-last, samples-ema, losses, metrics; SVG and PNG), a \
        self-contained report.html at the end, safetensors checkpoints in checkpoints/, and \
        TensorBoard event files in tb/ (--no-tensorboard: none; view with tensorboard --logdir runs/). \
        Settings apply in this order: defaults, --preset, --config, flags; --dry-run prints the result \
        and stops. --resume RUN_DIR continues a run from its latest checkpoint, bit for bit.

        Under Open MPI (a build with SADDLE_MPI=1, as scripts/run makes), `mpirun -np R saddle \
        train --shards S …` gives each rank S/R shards and the bits of one process; rank 0 writes \
        the run folder (docs/scaling.md).

        Examples:
          saddle train
          saddle train --preset grid --out runs/grid
          saddle train --method extra-adam --regularizer sgp --regularizer-weight 0.1 --iterations 2000
          saddle train --preset mnist --time-limit 600
          saddle train --config my.yaml --time-limit 60 --out runs/a
          saddle train --preset grid --dry-run
          saddle train --resume runs/a
          mpirun -np 2 saddle train --shards 4 --threads 1 --out runs/mpi
        """)

    /// The defaults the help states: `TrainingConfiguration()`'s, which `resolve()` starts from.
    static let defaults = TrainingConfiguration()

    @Option(help: ArgumentHelp("Data set: ring (8 Gaussians, radius 2, std 0.02), grid (25 Gaussians on {−4,…,4}², std 0.05) or mnist (MNIST-5k from --data-file; run scripts/fetch-mnist5k first). (default: \(Train.defaults.dataset))", valueName: "dataset"))
    var dataset: TrainDataset?
    @Option(help: ArgumentHelp("mnist: the MNIST-5k CSV. (default: \(Train.defaults.dataFile))", valueName: "file"))
    var dataFile: String?
    // Choices are parsed by parseChoice, whose error is one line listing the valid values
    // (ArgumentParser's own turns into a bulleted list beyond five values).
    @Option(help: ArgumentHelp("Losses: \(NeuralGAN.Loss.choiceList). (default: \(Train.defaults.loss.rawValue))", valueName: "loss"),
            transform: { try parseChoice($0, as: NeuralGAN.Loss.self, what: "loss") })
    var loss: NeuralGAN.Loss?
    @Option(help: ArgumentHelp("Solver: \(TrainingConfiguration.methodNames.joined(separator: ", ")) (fb with --regularizer consensus). (default: \(Train.defaults.method.rawValue))", valueName: "method"),
            transform: { try parseTrainMethod($0) })
    var method: TrainingConfiguration.MethodChoice?
    @Option(help: ArgumentHelp("Networks: \(Architecture.choiceList) (dcgan: the convolutional DCGAN pair for mnist, base width --hidden; docs/convolutional.md). (default: \(Train.defaults.architecture.rawValue))", valueName: "networks"),
            transform: { try parseChoice($0, as: Architecture.self, what: "architecture") })
    var architecture: Architecture?
    @Option(parsing: .unconditional, help: ArgumentHelp("mlp: the hidden width; dcgan: the base channel count w (D 1→w→2w channels). (default: \(Train.defaults.hidden))", valueName: "n"))
    var hidden: Int?
    @Flag(inversion: .prefixedNo, help: "dcgan: spectral normalization of every discriminator layer (Miyato et al. 2018; one power-iteration step per solver iteration); off unless given.")
    var spectralNorm: Bool?
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop before an iteration that would take the oracle calls past this budget, so that methods whose iterations cost different numbers of calls train on equal budgets; 0: no budget. (default: \(stated(Train.defaults.maxOracleCalls)))", valueName: "calls"))
    var maxOracleCalls: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Lookahead-minmax around the method: k steps per pull-back (0: off; the paper's 5). (default: \(Train.defaults.lookaheadSteps))", valueName: "k"))
    var lookahead: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Lookahead-minmax: the pull-back α in (0, 1]. (default: \(stated(Train.defaults.lookaheadAlpha)))", valueName: "alpha"))
    var lookaheadAlpha: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("sga: the adjustment λ₀ > 0. (default: \(stated(Train.defaults.sgaAdjustment)))", valueName: "lambda"))
    var sgaAdjustment: Double?
    @Option(help: ArgumentHelp("cgd, acgd: the inner solver: \(CompetitiveGradient.LinearSolver.choiceList) (auto: CG on zero-sum games, GMRES otherwise). (default: \(Train.defaults.cgdLinearSolver.rawValue))", valueName: "solver"),
            transform: { try parseChoice($0, as: CompetitiveGradient.LinearSolver.self, what: "CGD linear solver") })
    var cgdLinearSolver: CompetitiveGradient.LinearSolver?
    @Option(parsing: .unconditional, help: ArgumentHelp("cgd, acgd: most inner iterations per step (each 2 JVPs). (default: \(Train.defaults.cgdMaxInnerProducts))", valueName: "n"))
    var cgdMaxInnerProducts: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("anderson-eg: memory m. (default: \(Train.defaults.andersonMemory))", valueName: "m"))
    var andersonMemory: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("agraal: φ in (1, 1.618034] (the step size is its first step λ₀). (default: \(stated(Train.defaults.agraalPhi)))", valueName: "phi"))
    var agraalPhi: Double?
    @Option(help: ArgumentHelp("Regularizer: \(TrainingRegularizer.choiceList). (default: \(Train.defaults.regularizer.rawValue))", valueName: "regularizer"),
            transform: { try parseChoice($0, as: TrainingRegularizer.self, what: "regularizer") })
    var regularizer: TrainingRegularizer?
    @Option(parsing: .unconditional, help: ArgumentHelp("Weight γ of the regularizer (the bound c for clipping). (default: \(stated(Train.defaults.regularizerWeight)))", valueName: "gamma"))
    var regularizerWeight: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: SGLD steps K per chain (the step size is the SGLD step γ). (default: \(Train.defaults.sgldSteps))", valueName: "k"))
    var sgldSteps: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: thermal noise ε. (default: \(stated(Train.defaults.thermalNoise)))", valueName: "epsilon"))
    var thermalNoise: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: damping β of the mean approximation. (default: \(stated(Train.defaults.damping)))", valueName: "beta"))
    var damping: Double?
    @Flag(help: "mirror-gan, mirror-prox-gan: RMSProp-preconditioned SGLD chains.")
    var preconditioned = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Iterations (one minibatch gradient of both players each); with --resume, the new total. (default: \(Train.defaults.iterations))", valueName: "n"))
    var iterations: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Decay β in [0, 1) of the EMA generator (the exponential moving average of G's parameters that the metrics report beside the last iterate). (default: \(stated(Train.defaults.emaDecay)))", valueName: "beta"))
    var emaDecay: Double?
    @Flag(inversion: .prefixedNo, help: "Debias the EMA generator: weights (1 − β)β^(t−i)/(1 − β^t) on the iterates, none on the initial parameters (the plain EMA keeps β^t there: 0.37 after 1,000 iterations at β = 0.999). On by default (--no-ema-debias: the plain EMA from the initial parameters).")
    var emaDebias: Bool?
    @Option(parsing: .unconditional, help: ArgumentHelp("Minibatch size. (default: \(Train.defaults.batchSize))", valueName: "n"))
    var batchSize: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Step size α of both players (before the decay). (default: \(stated(Train.defaults.generatorStepSize)))", valueName: "alpha"))
    var stepSize: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Shorthand for --regularizer r1 --regularizer-weight γ: the discriminator-only R1 penalty (γ/2)·E‖∇x D(x)‖²; 0 turns regularization off.", valueName: "gamma"))
    var r1Weight: Double?
    @OptionGroup var seedOption: SeedOption<TrainHelp>
    @Option(parsing: .unconditional, help: ArgumentHelp("Shards S: each minibatch is drawn and differentiated as S parts, each from its own seed, and combined in a fixed order, so results depend on the seed and S, not on --threads or MPI ranks. At most the batch size; under mpirun, a multiple of the ranks. (default: \(Train.defaults.shards))", valueName: "s"))
    var shards: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Log losses and metrics (stderr, metrics.jsonl) every this many iterations. (default: \(Train.defaults.logEvery))", valueName: "n"))
    var logEvery: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Checkpoint every this many iterations (0: only at the end). (default: \(Train.defaults.checkpointEvery))", valueName: "n"))
    var checkpointEvery: Int?
    @Flag(inversion: .prefixedNo, help: "TensorBoard event files in the run folder's tb/: the scalars of metrics.jsonl at every log interval and the sample plots whenever their PNGs are drawn (tensorboard --logdir runs/). On unless --no-tensorboard or the config key tensorboard: false; may change on --resume.")
    var tensorboard: Bool?
    @Option(help: "A named configuration: \(TrainPreset.choiceList).")
    var preset: TrainPreset?
    @Option(help: ArgumentHelp("A YAML config file (the keys of config.yaml in a run folder).", valueName: "file"))
    var config: String?
    @OptionGroup var output: OutputOptions<TrainHelp>
    @OptionGroup var forceOption: ForceOption<TrainHelp>
    @Option(help: ArgumentHelp("Continue the run in this folder from its latest checkpoint.", valueName: "dir"))
    var resume: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop cleanly, with a checkpoint, after this many seconds of training.", valueName: "seconds"))
    var timeLimit: Double?
    @OptionGroup var compute: ThreadOptions<TrainHelp>
    @OptionGroup var jsonOption: JSONOption<TrainHelp>
    @Flag(help: "Print the resolved configuration (the config.yaml the run would write) and stop: nothing is trained or written.")
    var dryRun = false
    @Option(help: ArgumentHelp("Fault injection for the crash and disk-full tests (see TestFaults).", visibility: .private))
    var testFaults: String?

    var out: String? { output.path }
    var force: Bool { forceOption.force }
    var seed: UInt64? { seedOption.seed }
    var json: Bool { jsonOption.json }

    func validate() throws {
        if let v = logEvery, v < 1 { throw ValidationError("--log-every must be at least 1, got \(v)") }
        if let v = stepSize, !(v > 0 && v.isFinite) { throw ValidationError("--step-size must be positive, got \(v)") }
        if let v = r1Weight, !(v >= 0 && v.isFinite) { throw ValidationError("--r1-weight must be non-negative, got \(v)") }
        if let v = regularizerWeight, !(v >= 0 && v.isFinite) { throw ValidationError("--regularizer-weight must be non-negative, got \(v)") }
        if r1Weight != nil && (regularizer != nil || regularizerWeight != nil) {
            throw ValidationError("--r1-weight is a shorthand for --regularizer r1 --regularizer-weight: give one or the other")
        }
        if let v = iterations, v < 1 { throw ValidationError("--iterations must be at least 1, got \(v)") }
        if let v = batchSize, v < 1 { throw ValidationError("--batch-size must be at least 1, got \(v)") }
        if let v = checkpointEvery, v < 0 { throw ValidationError("--checkpoint-every must be at least 0, got \(v)") }
        if let v = timeLimit, !(v > 0 && v.isFinite) { throw ValidationError("--time-limit must be positive, got \(v)") }
        if regularizer == .clipping, let w = regularizerWeight, !(w > 0) {
            throw ValidationError("--regularizer-weight must be positive with --regularizer clipping (it is the clipping bound c), got \(w)")
        }
        // Every other range is the config key's (TrainingConfiguration.set), checked here so that a
        // flag out of range is a usage error naming the flag, not a configuration error later.
        let keyed: [(flag: String, key: String, value: String?)] = [
            ("--iterations", "iterations", iterations.map { "\($0)" }), ("--batch-size", "batch_size", batchSize.map { "\($0)" }),
            ("--step-size", "generator_step_size", stepSize.map { "\($0)" }), ("--r1-weight", "regularizer_weight", r1Weight.map { "\($0)" }),
            ("--regularizer-weight", "regularizer_weight", regularizerWeight.map { "\($0)" }), ("--sgld-steps", "sgld_steps", sgldSteps.map { "\($0)" }),
            ("--thermal-noise", "thermal_noise", thermalNoise.map { "\($0)" }), ("--damping", "damping", damping.map { "\($0)" }),
            ("--log-every", "log_every", logEvery.map { "\($0)" }), ("--checkpoint-every", "checkpoint_every", checkpointEvery.map { "\($0)" }),
            ("--threads", "threads", compute.threads.map { "\($0)" }), ("--shards", "shards", shards.map { "\($0)" }),
            ("--sga-adjustment", "sga_adjustment", sgaAdjustment.map { "\($0)" }), ("--cgd-max-inner-products", "cgd_max_inner_products", cgdMaxInnerProducts.map { "\($0)" }),
            ("--anderson-memory", "anderson_memory", andersonMemory.map { "\($0)" }), ("--agraal-phi", "agraal_phi", agraalPhi.map { "\($0)" }),
            ("--lookahead", "lookahead_steps", lookahead.map { "\($0)" }), ("--max-oracle-calls", "max_oracle_calls", maxOracleCalls.map { "\($0)" }), ("--lookahead-alpha", "lookahead_alpha", lookaheadAlpha.map { "\($0)" }),
            ("--ema-decay", "ema_decay", emaDecay.map { "\($0)" }),
        ]
        for (flag, key, value) in keyed {
            guard let value else { continue }
            var probe = TrainingConfiguration()
            do { try probe.set(key, value, file: flag) } catch let e as ConfigError {
                switch e {
                case .outOfRange(_, _, let v, let allowed): throw ValidationError("\(flag) \(v) is invalid: \(allowed)")
                case .wrongType(_, _, let v, let expected): throw ValidationError("\(flag) must be \(expected), got \(v)")
                default: throw ValidationError("\(flag): \(e)")
                }
            }
        }
        if resume != nil {
            let fixed: [(String, Bool)] = [("--dataset", dataset != nil), ("--batch-size", batchSize != nil), ("--step-size", stepSize != nil),
                                           ("--r1-weight", r1Weight != nil), ("--seed", seed != nil),
                                           ("--loss", loss != nil), ("--architecture", architecture != nil), ("--hidden", hidden != nil), ("--spectral-norm", spectralNorm != nil), ("--method", method != nil), ("--regularizer", regularizer != nil),
                                           ("--regularizer-weight", regularizerWeight != nil), ("--data-file", dataFile != nil),
                                           ("--sgld-steps", sgldSteps != nil), ("--thermal-noise", thermalNoise != nil),
                                           ("--damping", damping != nil), ("--preconditioned", preconditioned), ("--preset", preset != nil),
                                           ("--lookahead", lookahead != nil), ("--lookahead-alpha", lookaheadAlpha != nil),
                                           ("--sga-adjustment", sgaAdjustment != nil), ("--cgd-linear-solver", cgdLinearSolver != nil),
                                           ("--cgd-max-inner-products", cgdMaxInnerProducts != nil), ("--anderson-memory", andersonMemory != nil),
                                           ("--agraal-phi", agraalPhi != nil), ("--max-oracle-calls", maxOracleCalls != nil),
                                           ("--ema-decay", emaDecay != nil), ("--ema-debias", emaDebias != nil),
                                           ("--config", config != nil), ("--out", out != nil), ("--force", force), ("--shards", shards != nil)]
            if let bad = fixed.first(where: { $0.1 }) {
                throw ValidationError("\(bad.0) cannot be combined with --resume: a resumed run keeps its config.yaml (only --iterations, --time-limit, --log-every, --checkpoint-every, --threads and --[no-]tensorboard may change)")
            }
        }
    }

    /// The configuration: defaults, then preset, then config file, then flags.
    func resolve() throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        // Under MPI, the cores of this machine are shared by its ranks.
        c.threads = max(1, BLAS.availableCores / World.localRanks)
        if let p = preset { try c.apply(yaml: TrainingConfiguration.presets[p.rawValue]!, file: "preset \(p.rawValue)") }
        if let f = config {
            if let problem = notARegularFile(f) { throw CLIError("--config \(f): \(problem); give a YAML file") }
            try c.apply(configFile: f)
        }
        if let v = dataset { c.dataset = v.rawValue }
        if let v = iterations { c.iterations = v }
        if let v = batchSize { c.batchSize = v }
        if let v = stepSize { c.generatorStepSize = v; c.discriminatorStepSize = v }
        if let v = r1Weight { c.regularizer = v > 0 ? .r1 : .none; c.regularizerWeight = v }
        if let v = dataFile { c.dataFile = v }
        if let v = loss { c.loss = v }
        if let v = architecture { c.architecture = v }
        if let v = hidden { c.hidden = v }
        if let v = spectralNorm { c.spectralNorm = v }
        if let v = emaDecay { c.emaDecay = v }
        if let v = emaDebias { c.emaDebias = v }
        switch method {
        case .kind(let k): c.method = k
        case .consensusOptimization:
            // Consensus optimization (Mescheder et al. 2017) is forward–backward on F + γJᵀF.
            if r1Weight != nil {
                throw ValidationError("--method consensus-optimization is fb with --regularizer consensus; set its weight with --regularizer-weight, not --r1-weight")
            }
            if let r = regularizer, r != .consensus {
                throw ValidationError("--method consensus-optimization is fb with --regularizer consensus; it cannot take --regularizer \(r.rawValue)")
            }
            c.method = .fb
            c.regularizer = .consensus
        case nil: break
        }
        if let v = regularizer { c.regularizer = v }
        if let v = lookahead { c.lookaheadSteps = v }
        if let v = maxOracleCalls { c.maxOracleCalls = v }
        if let v = sgaAdjustment { c.sgaAdjustment = v }
        if let v = cgdLinearSolver { c.cgdLinearSolver = v }
        if let v = cgdMaxInnerProducts { c.cgdMaxInnerProducts = v }
        if let v = andersonMemory { c.andersonMemory = v }
        if let v = agraalPhi { c.agraalPhi = v }
        if let v = lookaheadAlpha { c.lookaheadAlpha = v }
        if let v = regularizerWeight { c.regularizerWeight = v }
        if let v = sgldSteps { c.sgldSteps = v }
        if let v = thermalNoise { c.thermalNoise = v }
        if let v = damping { c.damping = v }
        if preconditioned { c.preconditioned = true }
        if let v = seed { c.seed = v }
        if let v = shards { c.shards = v }
        if let v = logEvery { c.logEvery = v }
        if let v = checkpointEvery { c.checkpointEvery = v }
        if let v = tensorboard { c.tensorboard = v }
        if let v = compute.threads {
            c.threads = v
            warnOversubscribed(v, "training computes its \(c.shards) shards on \(min(v, c.shards)) threads")
        }
        if c.isImageData, let problem = notARegularFile(c.dataFile) {
            throw CLIError("\(dataFile != nil ? "--data-file" : "data_file") \(c.dataFile): \(problem); give the MNIST-5k CSV (data/mnist_5k.csv.gz)")
        }
        return c
    }

    /// One warning line for each flag given that the resolved run does not read: a method's own
    /// setting given to another method, --lookahead-alpha without lookahead, --regularizer-weight
    /// with no regularizer, --data-file without MNIST.
    func warnIgnoredFlags(_ c: TrainingConfiguration) {
        let methodFlags: [(flag: String, given: Bool, setting: SolverSetting)] = [
            ("--sga-adjustment", sgaAdjustment != nil, .sgaAdjustment),
            ("--cgd-linear-solver", cgdLinearSolver != nil, .competitiveGradient),
            ("--cgd-max-inner-products", cgdMaxInnerProducts != nil, .competitiveGradient),
            ("--anderson-memory", andersonMemory != nil, .andersonMemory),
            ("--agraal-phi", agraalPhi != nil, .agraalPhi),
            ("--sgld-steps", sgldSteps != nil, .mirrorGAN), ("--thermal-noise", thermalNoise != nil, .mirrorGAN),
            ("--damping", damping != nil, .mirrorGAN), ("--preconditioned", preconditioned, .mirrorGAN),
        ]
        for f in methodFlags where f.given && !c.method.reads(f.setting) {
            let users = SolverKind.reading(f.setting).filter { TrainingConfiguration.trainableMethods.contains($0) }
            warnIgnored(f.flag, by: "method \(c.method.rawValue)", usedBy: users.map(\.rawValue).joined(separator: ", "))
        }
        if lookaheadAlpha != nil && c.lookaheadSteps == 0 { warnIgnored("--lookahead-alpha", by: "a run without lookahead", usedBy: "--lookahead k > 0") }
        if regularizerWeight != nil && c.regularizer == .none { warnIgnored("--regularizer-weight", by: "regularizer none", usedBy: "the other regularizers") }
        if dataFile != nil && !c.isImageData { warnIgnored("--data-file", by: "the \(c.dataset) data set", usedBy: "mnist") }
    }

    func run() throws { try World.run(execute(in:)) }

    /// The training, with `world`'s processes sharing the shards (`saddle sweep` runs each of its
    /// runs with `SingleProcess`, whatever MPI world it is in).
    func execute(in world: any ProcessGroup) throws {
        let faults: TestFaults?
        do { faults = try testFaults.map(TestFaults.init(parsing:)) } catch { throw ValidationError("\(error)") }
        if world.rank == 0 { faults?.install() }
        defer { faults?.finish() }
        do {
            if world.rank == 0 { try train(faults, world) } else { try follow(world) }
        } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
            // Input and run errors are one line on stderr (no usage text) and exit status 1;
            // divergence exits with 2. Under MPI, divergence happens on every rank at the same
            // iteration (they hold the same bits); any other error ends every rank at once.
            Console.error(World.errorLine(world, error))
            if case RunError.diverged = error { throw ExitCode(2) }
            World.abort(world, code: 1)
            throw ExitCode.failure
        }
    }

    /// Under MPI, rank 0 tells the other ranks what to run: the resolved configuration and the
    /// checkpoint to start from, or nothing (the run is complete).
    static func announce(_ world: any ProcessGroup, _ plan: (yaml: String, checkpoint: [UInt8])?) {
        guard world.size > 1 else { return }
        guard let plan else { _ = world.broadcast([0], from: 0); return }
        let yaml = Array(plan.yaml.utf8)
        var bytes: [UInt8] = [1]
        withUnsafeBytes(of: UInt64(yaml.count).littleEndian) { bytes += $0 }
        _ = world.broadcast(bytes + yaml + plan.checkpoint, from: 0)
    }

    /// A rank other than 0 under MPI: trains as rank 0 announced, sharing the shards; writes nothing.
    func follow(_ world: any ProcessGroup) throws {
        let plan = world.broadcast([], from: 0)
        guard plan.first == 1 else { return }
        Self.installStopHandlers()
        guard plan.count >= 9 else { throw CLIError("rank 0 sent a plan of \(plan.count) bytes") }
        let length = plan[1..<9].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length >= 0 && 9 + length <= plan.count else { throw CLIError("rank 0 sent a plan of \(plan.count) bytes with a configuration of \(length)") }
        var c = TrainingConfiguration()
        try c.apply(yaml: String(decoding: plan[9..<(9 + length)], as: UTF8.self), file: "rank 0's configuration")
        let training = try GANTraining(c, processGroup: world)
        let checkpoint = Array(plan[(9 + length)...])
        let name = "rank 0's checkpoint"
        let state = checkpoint.isEmpty ? nil : try training.load(try SafeTensors.parse(checkpoint, file: name), file: name, forResuming: true)
        var session = TrainingSession(runDirectory: nil, timeLimit: timeLimit)
        session.stopRequested = { sk_stop_signal() != 0 }
        var start = try state ?? training.initialState()
        let summary = try training.run(from: &start, session)
        if summary.exitStatus == "interrupted" { throw ExitCode(128 + max(sk_stop_signal(), 1)) }
    }

    /// Under MPI: every rank computes S/R shards, so R must divide S.
    static func checkRanks(_ c: TrainingConfiguration, _ world: any ProcessGroup, flag: String) throws {
        guard world.size > 1, c.shards % world.size != 0 else { return }
        throw CLIError("\(flag) \(c.shards) is not a multiple of the \(world.size) MPI ranks: each rank computes shards/ranks shards (give --shards a multiple of \(world.size))")
    }

    static var commandLine: String { (["saddle"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }

    /// Ctrl-C and SIGTERM stop training cleanly at the end of the current iteration; a second one
    /// exits at once. Installed once a run folder is about to change, so that everything after is
    /// either finished or undone.
    static func installStopHandlers() {
        sk_install_stop_handlers("\nsaddle: interrupted: finishing this iteration, then writing a checkpoint, the summary and the report (interrupt again to exit at once)\n",
                                 "\nsaddle: interrupted again: exiting at once; the run folder keeps its last checkpoint\n")
    }

    func train(_ faults: TestFaults?, _ world: any ProcessGroup) throws {
        let log: (String) -> Void = { Console.error($0) }
        let c: TrainingConfiguration, dir: RunDirectory, training: GANTraining, state: GANTraining.State?
        var changes: [String: String] = [:]
        if let r = resume {
            // Nothing in the folder changes until the configuration is valid and a checkpoint loaded.
            Self.installStopHandlers()
            dir = try RunDirectory(resuming: r)
            var resumed = try dir.readConfiguration()
            for (key, new, old) in [("iterations", iterations, resumed.iterations), ("log_every", logEvery, resumed.logEvery),
                                    ("checkpoint_every", checkpointEvery, resumed.checkpointEvery), ("threads", compute.threads, resumed.threads)] {
                guard let new, new != old else { continue }
                changes[key] = "\(old) → \(new)"
            }
            if let v = tensorboard, v != resumed.tensorboard { changes["tensorboard"] = "\(resumed.tensorboard) → \(v)"; resumed.tensorboard = v }
            if let v = iterations { resumed.iterations = v }
            if let v = logEvery { resumed.logEvery = v }
            if let v = checkpointEvery { resumed.checkpointEvery = v }
            if let v = compute.threads { resumed.threads = v }
            try resumed.validate()
            try Self.checkRanks(resumed, world, flag: "\(dir.path)/config.yaml: shards")
            if dryRun {
                print(resumed.yaml, terminator: "")
                Self.announce(world, nil)
                return
            }
            c = resumed
            training = try GANTraining(c, processGroup: world, log: log)
            state = try training.resumableState(in: dir, log: log)
            let done = state?.iteration ?? 0
            if c.iterations < done {
                throw RunError.runFolder(path: dir.path, problem: "the run has done \(done) iterations, more than --iterations \(c.iterations); give a total above \(done) to extend it")
            }
            if let s = dir.readSummary(), s.exitStatus == TrainingSummary.budgetSpent, s.iterations == done {
                Console.error("\(dir.path): the run has spent its oracle budget (\(Int(s.oracleCalls)) of max_oracle_calls \(Int(c.maxOracleCalls))); nothing to do.")
                Self.announce(world, nil)
                return
            }
            if c.iterations == done, let s = dir.readSummary(), s.exitStatus == "completed", s.iterations == done {
                Console.error("\(dir.path): the run is complete (\(done) of \(done) iterations); nothing to do. Extend it with --iterations N (N > \(done)).")
                Self.announce(world, nil)
                return
            }
            dir.claim()
            if let warning = dir.blasCoreWarning(current: BLAS.coreName) { Console.error("warning: " + warning) }
            if let note = try dir.truncateMetrics(after: done) { log(note) }
            if !changes.isEmpty { try dir.writeConfiguration(c.yaml) }
            if state == nil { log("\(dir.path): no checkpoint yet; starting from iteration 0") }
        } else {
            let resolved = try resolve()
            try resolved.validate()
            try Self.checkRanks(resolved, world, flag: "--shards")
            warnIgnoredFlags(resolved)
            if dryRun {
                print(resolved.yaml, terminator: "")
                Self.announce(world, nil)
                return
            }
            c = resolved
            // The configuration is valid, the data read and the networks built before any folder changes.
            training = try GANTraining(c, processGroup: world, log: log)
            Self.installStopHandlers()
            dir = try RunDirectory(creating: out, defaultPrefix: c.dataset, force: force)
            do { try dir.writeConfiguration(training.configurationYAML) } catch { dir.abandon(); throw error }
            state = nil
        }
        do {
            try dir.appendHistory(.init(event: "start", iteration: state?.iteration ?? 0, iterations: c.iterations, command: Self.commandLine,
                                        changes: changes.isEmpty ? nil : changes, blasCore: BLAS.coreName))
        } catch { dir.abandon(); throw error }
        Self.announce(world, (c.yaml, try state.map { try training.serialize($0).serialized() } ?? []))
        Console.error("run folder: \(dir.path)" + (world.size > 1 ? " (\(world.size) MPI ranks, \(c.shards / world.size) shards each)" : ""))
        let progress = TrainingProgress(total: c.iterations, logEvery: c.logEvery,
                                        interactive: isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb")
        var session = TrainingSession(runDirectory: dir, timeLimit: timeLimit) { progress.record($0) }
        session.tick = { progress.tick($0) }
        session.stopRequested = { sk_stop_signal() != 0 }
        session.log = { progress.finish(); log($0) }
        session.poisonAtIteration = faults?.poisonAtIteration
        let summary: TrainingSummary
        do {
            var start = try state ?? training.initialState()
            summary = try training.run(from: &start, session)
        } catch {
            progress.finish()
            // A run that replaced another (--force) and wrote no checkpoint gives the old one back.
            if dir.pendingReplacement != nil {
                dir.abandon()
                Console.error("\(dir.path): the new run wrote no checkpoint; the run it was to replace is restored")
            } else {
                try? dir.appendHistory(.init(event: "end", iteration: -1, status: { if case RunError.diverged = error { return "diverged" }; return "failed" }()))
            }
            // With --json a diverged run still prints its summary (exitStatus "diverged"), so scripts read it.
            if json, case RunError.diverged = error, let s = dir.readSummary() { printSummary(s, c, dir) }
            throw error
        }
        progress.finish()
        try? dir.appendHistory(.init(event: "end", iteration: summary.iterations, status: summary.exitStatus))
        switch summary.exitStatus {
        case "time-limit":
            Console.error("stopped at the time limit after iteration \(summary.iterations); continue with: saddle train --resume \(dir.path)")
        case "interrupted":
            Console.error("interrupted after iteration \(summary.iterations) (checkpoint, summary and report written); continue with: saddle train --resume \(dir.path)")
        default: break
        }
        printSummary(summary, c, dir)
        if summary.exitStatus == "interrupted" { throw ExitCode(128 + max(sk_stop_signal(), 1)) }
    }

    /// A data set's name in a sentence: "the ring", "the grid", "MNIST".
    static func datasetName(_ dataset: String) -> String {
        switch dataset {
        case "mnist": return "MNIST"
        case "ring", "grid": return "the " + dataset
        default: return dataset
        }
    }

    func printSummary(_ summary: TrainingSummary, _ c: TrainingConfiguration, _ dir: RunDirectory) {
        if json {
            if let text = try? JSON.text(summary) { print(text) }
            return
        }
        print("trained \(summary.iterations) iterations (\(Int(summary.oracleCalls)) oracle calls) in \(String(format: "%.1f", summary.wallSeconds)) s on \(Self.datasetName(c.dataset)); run folder \(dir.path)")
        func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        if summary.last.mixture != nil {
            print("generator  modes covered  high quality  KL to uniform  smallest mode's share (fair)")
            for (name, metrics) in [("last", summary.last), ("EMA", summary.ema)] {
                guard let m = metrics.mixture else { continue }
                print(name.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + column("\(m.modesCovered) / \(m.modes)", 15) + column(String(format: "%.1f %%", m.highQualityPercent), 14)
                      + column(String(format: "%.3f", m.klToUniform), 15)
                      + column(String(format: "%.3f (%.3f)", m.smallestModeShare, m.fairShare), 30))
            }
        }
        if summary.last.images != nil {
            print("generator  classes covered  class KL  Fréchet distance  sliced W2")
            for (name, metrics) in [("last", summary.last), ("EMA", summary.ema), ("untrained", summary.untrained ?? GeneratorMetrics())] {
                guard let m = metrics.images else { continue }
                print(name.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + column("\(m.classesCovered) / 10", 17) + column(String(format: "%.3f", m.classHistogramKL), 10)
                      + column(String(format: "%.2f", m.frechetDistance), 18) + column(String(format: "%.4f", m.slicedWasserstein), 11))
            }
        }
    }
}

/// What `saddle train` shows while it runs: on a terminal, one progress-bar line redrawn a few
/// times a second (iteration, it/s, ETA, losses, ‖F‖, the latest metrics of the last and the EMA
/// generator); otherwise a plain log line per log interval, for files and CI logs.
final class TrainingProgress {
    let total: Int
    let logEvery: Int
    let interactive: Bool
    let started = Date()
    var firstIteration: Int?
    var lastDraw = Date.distantPast
    var latest: MetricsRecord?
    var drawn = false

    init(total: Int, logEvery: Int, interactive: Bool) {
        self.total = total
        self.logEvery = logEvery
        self.interactive = interactive
    }

    func rate(at k: Int) -> Double {
        let done = Double(k - (firstIteration ?? k))
        return done / max(Date().timeIntervalSince(started), 1e-9)
    }

    /// After every iteration: redraws the bar at most 5 times a second.
    func tick(_ k: Int) {
        if firstIteration == nil { firstIteration = k - 1 }
        guard interactive, Date().timeIntervalSince(lastDraw) >= 0.2 || k == total else { return }
        lastDraw = Date()
        Console.errorRaw("\r\u{1B}[K" + Self.barLine(k: k, total: total, rate: rate(at: k), latest: latest, width: Self.terminalWidth()))
        drawn = true
    }

    /// The bar's line at iteration `k`: the bar, iteration, it/s, ETA, the losses and ‖F‖, and the
    /// latest metrics of both the last iterate's generator and the EMA generator. It never wraps
    /// (a wrapped line would not be redrawn in place): when `width` is too narrow, ‖F‖ and the
    /// losses go first, then the metrics shorten to their first numbers, then the line is cut.
    static func barLine(k: Int, total: Int, rate r: Double, latest m: MetricsRecord?, width: Int) -> String {
        let barWidth = width >= 100 ? 20 : 12, filled = min(barWidth, Int(Double(barWidth) * Double(k) / Double(max(total, 1))))
        let head = String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled)
            + String(format: " %d/%d  %.0f it/s  ETA %@", k, total, r, duration(Double(total - k) / max(r, 1e-9)))
        guard let m else { return String(head.prefix(width)) }
        let losses = String(format: "  L_G %.3f  L_D %.3f", m.lossGenerator, m.lossDiscriminator)
        let field = String(format: "  ‖F‖ %.3g", m.fieldNorm)
        func metrics(_ brief: (GeneratorMetrics) -> String) -> String {
            [("last", m.last), ("EMA", m.ema)].compactMap { name, g in brief(g).isEmpty ? nil : "  \(name) \(brief(g))" }.joined()
        }
        let full = metrics { $0.brief }, short = metrics(compact)
        for line in [head + losses + field + full, head + losses + full, head + losses + short, head + short] where line.count <= width {
            return line
        }
        return String((head + short).prefix(width))
    }

    /// The metrics in a few characters: `4/8 HQ 91.2%` (modes covered, high-quality share) or
    /// `10/10 FD 12.3` (classes covered, Fréchet distance).
    static func compact(_ g: GeneratorMetrics) -> String {
        var parts: [String] = []
        if let x = g.mixture { parts.append(String(format: "%d/%d HQ %.1f%%", x.modesCovered, x.modes, x.highQualityPercent)) }
        if let x = g.images { parts.append(String(format: "%d/10 FD %.3g", x.classesCovered, x.frechetDistance)) }
        return parts.joined(separator: " ")
    }

    /// The terminal's columns (stderr's), else $COLUMNS, else 80.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 80
    }

    /// At each log interval: a log line (non-interactive) or the bar's latest metrics.
    func record(_ r: MetricsRecord) {
        latest = r
        if firstIteration == nil { firstIteration = r.iteration - logEvery }
        guard !interactive else { return }
        let rate = rate(at: r.iteration)
        var line = String(format: "iteration %6d/%d  %6.0f it/s  ETA %4.0f s  L_G %.4f  L_D %.4f  ‖F‖ %.3g",
                          r.iteration, total, rate, Double(total - r.iteration) / max(rate, 1e-9), r.lossGenerator, r.lossDiscriminator, r.fieldNorm)
        if !r.last.brief.isEmpty { line += "  last " + r.last.brief }
        if !r.ema.brief.isEmpty { line += "  EMA " + r.ema.brief }
        Console.errorRaw(line + "\n")
    }

    /// Ends the bar's line.
    func finish() {
        if drawn { Console.errorRaw("\n"); drawn = false }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        return s < 120 ? String(format: "%.0f s", s) : String(format: "%d:%02d", Int(s) / 60, Int(s) % 60)
    }
}
