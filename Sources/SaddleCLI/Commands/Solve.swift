import ArgumentParser
import Foundation
import Saddle

/// What `saddle solve`'s shared options say.
enum SolveHelp: SharedOptionsHelp {
    static let out = "Run folder for trajectory.csv, config.yaml and summary.json (created; an existing non-empty folder needs --force). Without it nothing is written."
    static let force = "Replace the files of the run folder given by --out when it holds a run (only one saddle solve wrote)."
    static let seed = "Seed of random games and of minibatch draws. (default: 0)"
    static let json = "Print the summary as one JSON object."
    static var threads: String {
        "Threads for large matrix-vector products, each split over at most 2 of them. (default: all cores, \(BLAS.availableCores) here)"
    }
}

/// `saddle solve`: a closed-form game or VI with one of Saddle's solvers (SPEC §8).
///
/// Prints a summary (or one JSON object with `--json`) and, with `--out DIR`, writes the run folder:
/// `trajectory.csv` (iteration, oracle calls, distance, residual, gap, and θ, φ for 2-D games),
/// `config.yaml` (every resolved parameter) and `summary.json`.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a closed-form game or variational inequality with a solver.",
        discussion: """
        Distances, residuals and gaps are measured on the solver's output (the average for averaging \
        methods) with the exact operator, at no oracle cost. The observed rate is SPEC §2's: the \
        per-iteration factor of the squared distance (or squared residual when the solution is not \
        known), least squares over the second half of the run, cut at 1e3·ε·max(1, ‖ω*‖).
        Default step sizes when --step is not given and L is known: fb/sgd/sga 0.1/L, alternating-gda, eg, \
        fbf, anderson-eg and agraal (its first step) 0.5/L, eftp/ogda 1/(4L), srfb 1/(2δL), eag-c 1/(8L), \
        eag-v 0.618/L, feg and cgd 1/L, mirror-prox 1/max|A_ij|, mirror-descent √(2 log n/T)/max|A_ij|, \
        adaptive methods 1e-3; with L unknown, 0.01.
        Methods analysed without constraints (eag-c, eag-v, feg, sga, cgd, acgd) refuse a constrained game \
        (--box 0 makes avi-psd unconstrained). --lookahead K wraps any method in Lookahead-minmax.
        A flag that only some methods or games read (named before its text below) is ignored by \
        the others, with a warning. --max-oracle-calls 0 means no budget, as in saddle train.

        Examples:
          saddle solve --game bilinear --method eftp --step 0.5 --iterations 200
          saddle solve --game avi-psd --method srfb --iterations 20000 --tol 1e-8 --json --out runs/avi
        """)

    /// The defaults the help states: the library's (``SolverConfiguration``, ``MirrorGANOptions``).
    static let d = SolverConfiguration(kind: .eftp, stepSize: PerPlayer(1))
    static let defaultMethod = SolverKind.eftp
    static let defaultIterations = 1000
    static let defaultConsensusWeight = 1.0
    static let defaultCGDTolerance = 1e-10
    static let defaultEMADecay = 0.999
    static let defaultLookaheadAlpha = 0.5

    @OptionGroup var gameOptions: SolveGameOptions

    @Option(name: .customLong("method"),
            help: ArgumentHelp("The method: \(SolverRegistry.builtIn.names.joined(separator: ", ")), \(TrainingConfiguration.consensusOptimization) (fb on F + γJᵀF, games only). (default: \(Solve.defaultMethod.rawValue))", valueName: "method"),
            transform: { $0 == TrainingConfiguration.consensusOptimization ? .consensusOptimization : .kind(try parseMethod($0)) })
    var methodOption: MethodChoice?
    var methodChoice: MethodChoice { methodOption ?? .kind(Self.defaultMethod) }

    @Option(parsing: .unconditional, help: ArgumentHelp("consensus-optimization: the consensus weight γ > 0 (Mescheder et al. 2017). (default: \(Solve.defaultConsensusWeight))", valueName: "gamma"))
    var consensusWeight: Double?

    /// The solver's kind (consensus optimization is fb on the regularized game).
    var method: SolverKind { if case .kind(let k) = methodChoice { return k }; return .fb }
    var methodName: String { if case .kind(let k) = methodChoice { return k.rawValue }; return TrainingConfiguration.consensusOptimization }

    @Option(parsing: .unconditional, help: ArgumentHelp("Step size α (λ for SRFB, η for mirror methods) for both players, > 0; without it, a default from L (see above).", valueName: "alpha"))
    var step: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Step size of the generator only (overrides --step for θ).", valueName: "alpha"))
    var generatorStep: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Step size of the discriminator only (overrides --step for φ).", valueName: "alpha"))
    var discriminatorStep: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("srfb, averaged-srfb: the relaxation δ in [0, 1); the theory's range is [0.618, 1). (default: \(Solve.d.relaxation))", valueName: "delta"))
    var relaxation: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("alternating-gda: discriminator steps k per generator step (≥ 1). (default: \(Solve.d.discriminatorSteps))", valueName: "k"))
    var discriminatorSteps: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Adam methods: β₁ in [0, 1). (default: \(Solve.d.beta1))", valueName: "beta1")) var beta1: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Adam methods, acgd: β₂ in [0, 1). (default: \(Solve.d.beta2))", valueName: "beta2")) var beta2: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Adam methods, rmsprop, acgd: ε > 0. (default: \(Solve.d.epsilon))", valueName: "epsilon")) var epsilon: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("rmsprop: the decay ρ in [0, 1). (default: \(Solve.d.decay))", valueName: "rho")) var decay: Double?

    @Option(help: ArgumentHelp("Batch sizes N_k: 'constant:N' or 'growing:c,k0,a' for N_k = ⌈c(k+k0)^(a+1)⌉ (SRFB takes it itself, other methods draw N_k per call). (default: the game's --batch-size)", valueName: "schedule"))
    var batchSchedule: String?

    @Option(help: ArgumentHelp("eftp, past-extra-adam: the first step. (default: \(Solve.d.eftpFirstStep.rawValue))", valueName: "first-step"))
    var eftpFirstStep: ExtrapolationFirstStep?

    @Option(help: ArgumentHelp("ogda, optimistic-adam: the first step. (default: \(Solve.d.optimisticFirstStep.rawValue))", valueName: "first-step"))
    var optimisticFirstStep: OptimisticFirstStep?

    @Option(help: ArgumentHelp("optimistic-adam: the previous moments. (default: \(Solve.d.previousMoments.rawValue))", valueName: "moments"))
    var previousMoments: Adam.PreviousMoments?

    @Option(help: "Iterate averaging around the method.")
    var average: AveragingChoice = .none

    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: SGLD steps K per chain (≥ 1; --step is the SGLD step γ). (default: \(Solve.d.mirrorGAN.innerSteps))", valueName: "k"))
    var sgldSteps: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: thermal noise ε ≥ 0. (default: \(Solve.d.mirrorGAN.thermalNoise))", valueName: "epsilon")) var thermalNoise: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("mirror-gan, mirror-prox-gan: damping β in (0, 1]. (default: \(Solve.d.mirrorGAN.damping))", valueName: "beta")) var damping: Double?
    @Flag(help: "mirror-gan, mirror-prox-gan: RMSProp-preconditioned SGLD (ρ = 0.99, λ = 1e-5).") var preconditioned = false

    @Option(parsing: .unconditional, help: ArgumentHelp("sga: the adjustment λ₀ > 0. (default: \(Solve.d.sgaAdjustment))", valueName: "lambda")) var sgaAdjustment: Double?
    @Flag(help: "sga: keep λ = λ₀ instead of aligning its sign each step.") var noSgaAlignment = false
    @Option(help: ArgumentHelp("cgd, acgd: the inner linear solver: auto (conjugate gradients on zero-sum games, GMRES otherwise), cg, gmres. (default: \(Solve.d.cgdLinearSolver.rawValue))", valueName: "solver"))
    var cgdLinearSolver: CompetitiveGradient.LinearSolver?
    @Option(parsing: .unconditional, help: ArgumentHelp("cgd, acgd: relative residual at which the inner solve stops, in (0, 1). (default: \(Solve.defaultCGDTolerance))", valueName: "tol")) var cgdTolerance: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("cgd, acgd: most inner iterations per step, each a product with the inner matrix (2 JVPs), besides the warm start's residual. (default: \(Solve.d.cgdMaxInnerProducts))", valueName: "n")) var cgdMaxInnerProducts: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("anderson-eg: memory m ≥ 1. (default: \(Solve.d.andersonMemory))", valueName: "m")) var andersonMemory: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("agraal: φ in (1, 1.618034] (--step is the first step λ₀, which need not know L). (default: \(Solve.d.agraalPhi))", valueName: "phi")) var agraalPhi: Double?
    @Option(parsing: .unconditional, help: "Lookahead-minmax around the method: k base steps per pull-back (0: off).") var lookahead: Int = 0
    @Option(parsing: .unconditional, help: ArgumentHelp("Lookahead-minmax (--lookahead k > 0): the pull-back α in (0, 1]. (default: \(Solve.defaultLookaheadAlpha))", valueName: "alpha")) var lookaheadAlpha: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("--average ema: the decay β in [0, 1). (default: \(Solve.defaultEMADecay))", valueName: "beta"))
    var emaDecay: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Most iterations (1 to 10,000,000; every iteration is recorded). (default: \(Solve.defaultIterations))", valueName: "n"))
    var iterations: Int?
    /// The old spelling of --iterations.
    @Option(name: .customLong("iters"), parsing: .unconditional, help: ArgumentHelp("The old spelling of --iterations.", valueName: "n", visibility: .hidden))
    var iters: Int?
    var iterationCount: Int { iterations ?? iters ?? Self.defaultIterations }

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop when the duality gap (if the game has one) or the residual is ≤ tol (≥ 0). (default: none, run every iteration)", valueName: "tol"))
    var tol: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop before exceeding this many oracle calls; 0: no budget; otherwise it must pay for the method's start and one iteration. (default: 0)", valueName: "calls"))
    var maxOracleCalls: Double?
    /// The budget, nil for none (0, as in `saddle train` and config files).
    var budget: Double? { maxOracleCalls.flatMap { $0 > 0 ? $0 : nil } }

    @OptionGroup var seedOption: SeedOption<SolveHelp>
    var seed: UInt64 { seedOption.seed ?? 0 }
    @OptionGroup var output: OutputOptions<SolveHelp>
    var out: String? { output.path }
    @OptionGroup var forceOption: ForceOption<SolveHelp>
    var force: Bool { forceOption.force }
    @OptionGroup var jsonOption: JSONOption<SolveHelp>
    var json: Bool { jsonOption.json }
    @OptionGroup var compute: ThreadOptions<SolveHelp>

    func validate() throws {
        let numbers: [(String, Double?)] = [("--step", step), ("--generator-step", generatorStep), ("--discriminator-step", discriminatorStep),
                                            ("--relaxation", relaxation), ("--beta1", beta1), ("--beta2", beta2), ("--epsilon", epsilon),
                                            ("--decay", decay), ("--ema-decay", emaDecay), ("--tol", tol), ("--max-oracle-calls", maxOracleCalls),
                                            ("--consensus-weight", consensusWeight), ("--thermal-noise", thermalNoise), ("--damping", damping),
                                            ("--sga-adjustment", sgaAdjustment), ("--cgd-tolerance", cgdTolerance), ("--agraal-phi", agraalPhi),
                                            ("--lookahead-alpha", lookaheadAlpha)]
        for (flag, value) in numbers {
            if let v = value, !v.isFinite { throw ValidationError("\(flag) must be a finite number, got \(v)") }
        }
        for (flag, value) in [("--step", step), ("--generator-step", generatorStep), ("--discriminator-step", discriminatorStep)] {
            if let v = value, !(v > 0) { throw ValidationError("\(flag) = \(v) is outside (0, ∞)") }
        }
        // Ranges are checked whatever the method, so a typo is never silently ignored.
        if let v = relaxation, !(v >= 0 && v < 1) { throw ValidationError("--relaxation (SRFB's δ) must lie in [0, 1), got \(v)") }
        for (flag, value) in [("--beta1", beta1), ("--beta2", beta2), ("--decay", decay), ("--ema-decay", emaDecay)] {
            if let v = value, !(v >= 0 && v < 1) { throw ValidationError("\(flag) must lie in [0, 1), got \(v)") }
        }
        if let v = epsilon, !(v > 0) { throw ValidationError("--epsilon must be > 0, got \(v)") }
        if let v = consensusWeight, !(v > 0) { throw ValidationError("--consensus-weight must be > 0, got \(v)") }
        if let v = sgaAdjustment, !(v > 0) { throw ValidationError("--sga-adjustment must be > 0, got \(v)") }
        if let v = cgdTolerance, !(v > 0 && v < 1) { throw ValidationError("--cgd-tolerance must lie in (0, 1), got \(v)") }
        if let v = cgdMaxInnerProducts, v < 1 || v > 100_000 { throw ValidationError("--cgd-max-inner-products must lie in 1 … 100000, got \(v)") }
        if let v = andersonMemory, v < 1 || v > 100 { throw ValidationError("--anderson-memory must lie in 1 … 100, got \(v)") }
        if let v = agraalPhi, !(v > 1 && v <= 1.618034) { throw ValidationError("--agraal-phi must lie in (1, 1.618034], got \(v)") }
        if lookahead < 0 || lookahead > 1_000_000 { throw ValidationError("--lookahead must lie in 0 … 1000000 (0: off), got \(lookahead)") }
        if let v = lookaheadAlpha, !(v > 0 && v <= 1) { throw ValidationError("--lookahead-alpha must lie in (0, 1], got \(v)") }
        if let v = discriminatorSteps, v < 1 { throw ValidationError("--discriminator-steps = \(v) is outside integers ≥ 1") }
        if let v = sgldSteps, v < 1 || v > 1_000_000 { throw ValidationError("--sgld-steps must lie in 1 … 1000000, got \(v)") }
        if let v = thermalNoise, !(v >= 0) { throw ValidationError("--thermal-noise must be ≥ 0, got \(v)") }
        if let v = damping, !(v > 0 && v <= 1) { throw ValidationError("--damping must lie in (0, 1], got \(v)") }
        if iterations != nil && iters != nil { throw ValidationError("--iters is the old spelling of --iterations; give --iterations once") }
        let flag = iterations != nil || iters == nil ? "--iterations" : "--iters"
        if iterationCount < 1 { throw ValidationError("\(flag) must be at least 1, got \(iterationCount)") }
        // Every iteration's measurements are kept (trajectory and rate fit): ~100 bytes each.
        if iterationCount > 10_000_000 { throw ValidationError("\(flag) must be at most 10000000 (every iteration is recorded in memory), got \(iterationCount)") }
        if let t = tol, !(t >= 0) { throw ValidationError("--tol must be ≥ 0, got \(t)") }
        if let m = maxOracleCalls, !(m >= 0) { throw ValidationError("--max-oracle-calls must be ≥ 0 (0: no budget), got \(m)") }
        if let schedule = try parseSchedule() {
            do { try schedule.validate() } catch { throw ValidationError("--batch-schedule '\(batchSchedule!)': \(error)") }
        }
        try gameOptions.validateRanges()
    }

    /// One warning line for each flag given that the method (or the run) does not read.
    func warnIgnoredFlags() {
        let settings: [(flag: String, given: Bool, setting: SolverSetting)] = [
            ("--relaxation", relaxation != nil, .relaxation), ("--discriminator-steps", discriminatorSteps != nil, .discriminatorSteps),
            ("--beta1", beta1 != nil, .beta1), ("--beta2", beta2 != nil, .beta2), ("--epsilon", epsilon != nil, .epsilon),
            ("--decay", decay != nil, .decay), ("--eftp-first-step", eftpFirstStep != nil, .eftpFirstStep),
            ("--optimistic-first-step", optimisticFirstStep != nil, .optimisticFirstStep), ("--previous-moments", previousMoments != nil, .previousMoments),
            ("--sgld-steps", sgldSteps != nil, .mirrorGAN), ("--thermal-noise", thermalNoise != nil, .mirrorGAN),
            ("--damping", damping != nil, .mirrorGAN), ("--preconditioned", preconditioned, .mirrorGAN),
            ("--sga-adjustment", sgaAdjustment != nil, .sgaAdjustment), ("--no-sga-alignment", noSgaAlignment, .sgaAdjustment),
            ("--cgd-linear-solver", cgdLinearSolver != nil, .competitiveGradient), ("--cgd-tolerance", cgdTolerance != nil, .competitiveGradient),
            ("--cgd-max-inner-products", cgdMaxInnerProducts != nil, .competitiveGradient),
            ("--anderson-memory", andersonMemory != nil, .andersonMemory), ("--agraal-phi", agraalPhi != nil, .agraalPhi),
        ]
        for f in settings where f.given && !method.reads(f.setting) {
            warnIgnored(f.flag, by: "--method \(methodName)", usedBy: SolverKind.reading(f.setting).map(\.rawValue).joined(separator: ", "))
        }
        if consensusWeight != nil && methodChoice != .consensusOptimization {
            warnIgnored("--consensus-weight", by: "--method \(methodName)", usedBy: TrainingConfiguration.consensusOptimization)
        }
        if lookaheadAlpha != nil && lookahead == 0 { warnIgnored("--lookahead-alpha", by: "a run without lookahead", usedBy: "--lookahead k > 0") }
        if emaDecay != nil && average != .ema { warnIgnored("--ema-decay", by: "--average \(average.rawValue)", usedBy: "--average ema") }
        gameOptions.warnIgnored()
    }

    func parseSchedule() throws -> BatchSchedule? {
        guard let text = batchSchedule else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0] == "constant", let n = Int(parts[1]) { return .constant(n) }
        if parts.count == 2, parts[0] == "growing" {
            let v = parts[1].split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if v.count == 3 { return .growing(c: v[0], k0: v[1], a: v[2]) }
        }
        throw ValidationError("--batch-schedule '\(text)' is not one of 'constant:N', 'growing:c,k0,a'")
    }

    /// The default step for `method` on `problem` (documented in the discussion above), and its source.
    func defaultStep(_ problem: any VariationalInequality) -> (Double, String) {
        if method.isAdaptive { return (1e-3, "default for adaptive methods") }
        if let game = (problem as? MatrixGame), method.needsSimplex {
            let a = game.maxAbsEntry
            if method == .mirrorProx { return (1 / a, "1/max|A_ij|") }
            let n = Double(max(game.sizes.generator, game.sizes.discriminator))
            return ((2 * Foundation.log(n) / Double(max(iterationCount, 1))).squareRoot() / a, "sqrt(2 log n / T)/max|A_ij|")
        }
        guard let L = problem.lipschitzConstant else { return (0.01, "default (L unknown)") }
        switch method {
        case .eftp, .ogda: return (1 / (4 * L), "1/(4L)")
        case .eg, .alternatingGDA, .fbf, .andersonEG: return (0.5 / L, "0.5/L")
        case .agraal: return (0.5 / L, "0.5/L (aGRAAL adapts it from the first iteration on)")
        case .eagC: return (1 / (8 * L), "1/(8L) (Yoon & Ryu, EAG-C)")
        case .eagV: return (0.618 / L, "0.618/L (Yoon & Ryu, EAG-V: alpha0 < 3/(4L))")
        case .feg: return (1 / L, "1/L (Lee & Kim, Theorem 4.1)")
        case .cgd: return (1 / L, "1/L")
        case .srfb, .averagedSRFB: return (1 / (2 * max(relaxation ?? Self.d.relaxation, 1e-12) * L), "1/(2 delta L)")
        default: return (0.1 / L, "0.1/L")
        }
    }

    func run() throws { try World.run(execute(in:)) }

    /// Under MPI (docs/scaling.md) the ranks share the rows of a bilinear game's matrix in every
    /// evaluation of F and all take the same steps; rank 0 checks and writes --out and prints.
    func execute(in world: any ProcessGroup) throws {
        // Closed-form games are matrix–vector work: Saddle splits each large product over the
        // cores itself, with single-threaded OpenBLAS (see BLAS.matrixVectorCores).
        let threads = compute.apply { _ in "large matrix-vector products are split over 2 of them" }
        BLAS.matrixVectorCores = min(threads, 2)
        if world.rank == 0 { warnIgnoredFlags() }
        BLAS.threads = 1
        var (problem, gameEntries) = try gameOptions.make(seed: seed)
        if world.size > 1, var bilinear = problem as? BilinearGame {
            bilinear.processGroup = world
            problem = bilinear
        }
        let start = try gameOptions.startPoint(problem.sizes)
        let (fallback, defaultSource) = step == nil ? defaultStep(problem) : (step!, "--step")
        if methodChoice == .consensusOptimization {
            // Consensus optimization: forward–backward on F + γJᵀF, the game with the consensus term.
            guard let game = problem as? any Game else {
                throw CLIError("--method consensus-optimization needs a game (players' losses); \(problem.name) is a variational inequality without them")
            }
            let weight = consensusWeight ?? Self.defaultConsensusWeight
            problem = try Regularized(game, by: [try Consensus(weight: weight)])
            gameEntries.append(("consensus_weight", "\(weight)"))
        }
        let source = [(generatorStep, "--generator-step"), (discriminatorStep, "--discriminator-step")]
            .filter { $0.0 != nil }.map(\.1).joined(separator: ", ")
            .nonEmpty.map { step == nil && (generatorStep == nil || discriminatorStep == nil) ? "\($0); otherwise \(defaultSource)" : $0 } ?? defaultSource
        let alpha = PerPlayer(generator: generatorStep ?? step ?? fallback, discriminator: discriminatorStep ?? step ?? fallback)
        var config = SolverConfiguration(kind: method, stepSize: alpha)
        // Each setting given replaces the library's default (which the help states).
        if let v = relaxation { config.relaxation = v }
        if let v = discriminatorSteps { config.discriminatorSteps = v }
        if let v = beta1 { config.beta1 = v }
        if let v = beta2 { config.beta2 = v }
        if let v = epsilon { config.epsilon = v }
        if let v = decay { config.decay = v }
        config.batchSchedule = try parseSchedule()
        if let v = eftpFirstStep { config.eftpFirstStep = v }
        if let v = optimisticFirstStep { config.optimisticFirstStep = v }
        if let v = previousMoments { config.previousMoments = v }
        let chains = MirrorGANOptions()
        config.mirrorGAN = MirrorGANOptions(innerSteps: sgldSteps ?? chains.innerSteps, thermalNoise: thermalNoise ?? chains.thermalNoise,
                                            damping: damping ?? chains.damping, preconditioned: preconditioned, seed: seed)
        if let v = sgaAdjustment { config.sgaAdjustment = v }
        config.sgaAligned = !noSgaAlignment
        if let v = cgdLinearSolver { config.cgdLinearSolver = v }
        config.cgdTolerance = cgdTolerance ?? Self.defaultCGDTolerance
        if let v = cgdMaxInnerProducts { config.cgdMaxInnerProducts = v }
        if let v = andersonMemory { config.andersonMemory = v }
        if let v = agraalPhi { config.agraalPhi = v }
        if lookahead > 0 { config.lookahead = (lookahead, lookaheadAlpha ?? Self.defaultLookaheadAlpha) }
        switch average {
        case .none: config.averaging = nil
        case .uniform: config.averaging = .uniform
        case .ema: config.averaging = .exponential(decay: emaDecay ?? Self.defaultEMADecay)
        }
        let solver = try config.makeSolver()
        let firstIteration = solver.cost.initialization + solver.cost.minimumCallsPerIteration(problem.productCosts)
        if let budget, budget + 1e-9 < firstIteration {
            throw CLIError("--max-oracle-calls \(JSONValue.numberText(budget)) cannot pay for \(methodName)'s start and one iteration (\(JSONValue.numberText(firstIteration)) calls\(solver.cost.productsVary ? " at least" : ""))")
        }
        // A method that cannot run on this problem says so before anything is written (a trial state
        // on a separate oracle; the run makes its own).
        var trial = Oracle(problem, seed: seed)
        _ = try solver.makeState(at: start ?? problem.initialPoint, &trial)
        // Check the run folder before computing, so a bad --out costs nothing and touches nothing.
        try World.onRankZeroFirst(world) { if let dir = out { try RunFolder.prepare(dir: dir, force: force) } }
        if world.rank == 0 { for w in solver.warnings { Console.errorRaw("warning: \(w.message)\n") } }
        let clock = ContinuousClock.now
        let result = try solve(problem, withAny: solver, from: start, seed: seed,
                               stopping: StoppingRule(iterations: iterationCount, tolerance: tol, maxOracleCalls: budget))
        let elapsed = ContinuousClock.now - clock

        let star = problem.equilibrium
        let rate = result.observedRate(equilibriumNorm: star?.norm(), epsilon: problem.dtype.epsilon)
        var summary = SolveSummary()
        summary.add("game", problem.name)
        summary.add("method", methodName)
        summary.add("initial_distance", result.initial.distance)
        summary.add("final_distance", result.final.distance)
        summary.add("relative_distance", result.initial.distance.flatMap { d0 in result.final.distance.map { d0 > 0 ? $0 / d0 : $0 } })
        summary.add("initial_residual", result.initial.residual)
        summary.add("residual", result.final.residual)
        summary.add("gap", result.final.gap)
        // The last iterate ω_T itself (not an average): ‖F(ω_T)‖ and its natural residual (equal without constraints).
        summary.add("last_iterate_field_norm", result.lastIterate.isFinite ? problem.exactField(at: result.lastIterate).norm() : nil)
        summary.add("last_iterate_residual", result.lastIterate.isFinite ? Merit.residual(of: problem, at: result.lastIterate) : nil)
        summary.add("observed_rate", rate?.factor)
        summary.add("observed_rate_of", rate?.of)
        summary.add("observed_rate_sqrt", rate.map { $0.factor.squareRoot() })
        summary.add("oracle_calls", result.counter.oracleCalls)
        summary.add("samples", result.counter.samples)
        if result.counter.productCalls > 0 {
            summary.add("jacobian_vector_products", result.counter.jacobianVectorProducts)
            summary.add("vector_jacobian_products", result.counter.vectorJacobianProducts)
            summary.add("product_calls", result.counter.productCalls)
        }
        summary.add("iterations", result.iterations)
        summary.add("stop_reason", result.stopReason)
        summary.add("solve_seconds", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        if alpha.generator == alpha.discriminator { summary.add("step_size", alpha.generator) }
        else { summary.add("step_size", ["generator": alpha.generator, "discriminator": alpha.discriminator]) }
        summary.add("warnings", result.warnings.map(\.message))
        if let dir = out { summary.add("out", dir) }
        if world.size > 1 { summary.add("ranks", world.size) }
        guard world.rank == 0 else {
            if result.stopReason == "diverged" { throw ExitCode(2) }
            return
        }

        if let dir = out {
            var entries = gameEntries + config.resolvedEntries
            entries += [("step_size_source", source), ("start", start.map { $0.scalars.map { "\($0)" }.joined(separator: ",") } ?? "default"),
                        ("iterations", "\(iterationCount)"), ("tol", tol.map { "\($0)" } ?? "null"),
                        ("max_oracle_calls", budget.map { "\($0)" } ?? "null"), ("seed", "\(seed)"),
                        ("threads", "\(threads)"), ("saddle_version", SaddleVersion.string),
                        ("observed_rate_definition", "squared-distance factor per iteration, LS on log over the second half, cut at 1e3*eps*max(1,|w*|)")]
            try RunFolder.write(dir: dir, result: result, configEntries: entries, summaryJSON: summary.json)
        }
        if json { print(summary.json) } else { print(summary.text) }
        if result.stopReason == "diverged" {
            Console.error("Error: \(methodName) diverged at iteration \(result.iterations): the iterate became NaN or infinite (try a smaller --step)")
            throw ExitCode(2)
        }
    }
}

extension String {
    /// nil for the empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
