import ArgumentParser
import Foundation
import Saddle

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
        """)

    @OptionGroup var gameOptions: SolveGameOptions

    @Option(name: .customLong("method"),
            help: ArgumentHelp("The method: \(SolverRegistry.builtIn.names.joined(separator: ", ")), or consensus-optimization (fb on F + γJᵀF, games only). (default: eftp)", valueName: "method"),
            transform: { $0 == TrainMethod.consensusName ? .consensusOptimization : .kind(try parseMethod($0)) })
    var methodChoice: TrainMethod = .kind(.eftp)

    @Option(parsing: .unconditional, help: "consensus-optimization: the consensus weight γ > 0 (Mescheder et al. 2017).")
    var consensusWeight: Double = 1

    /// The solver's kind (consensus optimization is fb on the regularized game).
    var method: SolverKind { if case .kind(let k) = methodChoice { return k }; return .fb }
    var methodName: String { if case .kind(let k) = methodChoice { return k.rawValue }; return TrainMethod.consensusName }

    @Option(parsing: .unconditional, help: "Step size α (λ for SRFB, η for mirror methods) for both players, > 0.")
    var step: Double?

    @Option(parsing: .unconditional, help: "Step size of the generator only (overrides --step for θ).")
    var generatorStep: Double?

    @Option(parsing: .unconditional, help: "Step size of the discriminator only (overrides --step for φ).")
    var discriminatorStep: Double?

    @Option(parsing: .unconditional, help: "SRFB relaxation δ in [0, 1); the theory's range is [0.618, 1).")
    var relaxation: Double = RelaxedForwardBackward.inverseGoldenRatio

    @Option(parsing: .unconditional, help: "Alternating GDA: discriminator steps k per generator step (≥ 1).")
    var discriminatorSteps: Int = 1

    @Option(parsing: .unconditional, help: "Adam β₁ in [0, 1).") var beta1: Double = 0.9
    @Option(parsing: .unconditional, help: "Adam / ACGD β₂ in [0, 1).") var beta2: Double = 0.999
    @Option(parsing: .unconditional, help: "Adam / RMSProp / ACGD ε > 0.") var epsilon: Double = 1e-8
    @Option(parsing: .unconditional, help: "RMSProp decay ρ in [0, 1).") var decay: Double = 0.99

    @Option(help: "SRFB batch sizes: 'constant:N' or 'growing:c,k0,a' for N_k = ⌈c(k+k0)^(a+1)⌉.")
    var batchSchedule: String?

    @Option(help: "EFTP / Past-Extra-Adam first step.")
    var eftpFirstStep: ExtrapolationFirstStep = .fieldAtStart

    @Option(help: "OGDA / Optimistic Adam first step.")
    var optimisticFirstStep: OptimisticFirstStep = .repeatFirst

    @Option(help: "Optimistic Adam's previous moments.")
    var previousMoments: Adam.PreviousMoments = .biasCorrected

    @Option(help: "Iterate averaging around the method.")
    var average: AveragingChoice = .none

    @Option(parsing: .unconditional, help: "Mirror-GAN / Mirror-Prox-GAN: SGLD steps K per chain (≥ 1; --step is the SGLD step γ).")
    var sgldSteps: Int = 10
    @Option(parsing: .unconditional, help: "Mirror-GAN / Mirror-Prox-GAN: thermal noise ε ≥ 0.") var thermalNoise: Double = 1e-2
    @Option(parsing: .unconditional, help: "Mirror-GAN / Mirror-Prox-GAN: damping β in (0, 1].") var damping: Double = 0.9
    @Flag(help: "Mirror-GAN / Mirror-Prox-GAN: RMSProp-preconditioned SGLD (ρ = 0.99, λ = 1e-5).") var preconditioned = false

    @Option(parsing: .unconditional, help: "SGA: the adjustment λ₀ > 0.") var sgaAdjustment: Double = 1
    @Flag(help: "SGA: keep λ = λ₀ instead of aligning its sign each step.") var noSgaAlignment = false
    @Option(help: "CGD: the inner linear solver: auto (conjugate gradients on zero-sum games, GMRES otherwise), cg, gmres.")
    var cgdLinearSolver: CompetitiveGradient.LinearSolver = .automatic
    @Option(parsing: .unconditional, help: "CGD: relative residual at which the inner solve stops, in (0, 1); default 1e-10.") var cgdTolerance: Double = 1e-10
    @Option(parsing: .unconditional, help: "CGD/ACGD: most inner iterations per step, each a product with the inner matrix (2 JVPs), besides the warm start's residual.") var cgdMaxInnerProducts: Int = 200
    @Option(parsing: .unconditional, help: "Anderson-EG: memory m ≥ 1.") var andersonMemory: Int = 5
    @Option(parsing: .unconditional, help: "aGRAAL: φ in (1, 1.618034] (--step is the first step λ₀, which need not know L).") var agraalPhi: Double = 1.5
    @Option(parsing: .unconditional, help: "Lookahead-minmax around the method: k base steps per pull-back (0: off).") var lookahead: Int = 0
    @Option(parsing: .unconditional, help: "Lookahead-minmax: the pull-back α in (0, 1].") var lookaheadAlpha: Double = 0.5

    @Option(parsing: .unconditional, help: "EMA decay β in [0, 1) for --average ema.")
    var emaDecay: Double = 0.999

    @Option(parsing: .unconditional, help: "Maximum number of iterations (1 to 10,000,000; every iteration is recorded).")
    var iters: Int = 1000

    @Option(parsing: .unconditional, help: "Stop when the duality gap (if the game has one) or the residual is ≤ tol (≥ 0; default: run all iterations).")
    var tol: Double?

    @Option(parsing: .unconditional, help: "Stop before exceeding this many oracle calls; must pay for the method's start and one iteration (default: no budget).")
    var maxOracleCalls: Double?

    @Option(parsing: .unconditional, help: "Seed of random games and of minibatch draws.")
    var seed: UInt64 = 0

    @Option(help: "Run folder for trajectory.csv, config.yaml and summary.json (created; an existing non-empty folder needs --force).")
    var out: String?

    @Flag(help: "Allow --out to replace the files of an existing run folder.")
    var force = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        let numbers: [(String, Double?)] = [("--step", step), ("--generator-step", generatorStep), ("--discriminator-step", discriminatorStep),
                                            ("--relaxation", relaxation), ("--beta1", beta1), ("--beta2", beta2), ("--epsilon", epsilon),
                                            ("--decay", decay), ("--ema-decay", emaDecay), ("--tol", tol), ("--max-oracle-calls", maxOracleCalls)]
        for (flag, value) in numbers {
            if let v = value, !v.isFinite { throw ValidationError("\(flag) must be a finite number, got \(v)") }
        }
        for (flag, value) in [("--step", step), ("--generator-step", generatorStep), ("--discriminator-step", discriminatorStep)] {
            if let v = value, !(v > 0) { throw ValidationError("\(flag) = \(v) is outside (0, ∞)") }
        }
        // Ranges are checked whatever the method, so a typo is never silently ignored.
        if !(relaxation >= 0 && relaxation < 1) { throw ValidationError("--relaxation (SRFB's δ) must lie in [0, 1), got \(relaxation)") }
        for (flag, v) in [("--beta1", beta1), ("--beta2", beta2), ("--decay", decay), ("--ema-decay", emaDecay)] where !(v >= 0 && v < 1) {
            throw ValidationError("\(flag) must lie in [0, 1), got \(v)")
        }
        if !(epsilon > 0) { throw ValidationError("--epsilon must be > 0, got \(epsilon)") }
        if !(consensusWeight > 0 && consensusWeight.isFinite) { throw ValidationError("--consensus-weight must be > 0, got \(consensusWeight)") }
        if !(sgaAdjustment > 0 && sgaAdjustment.isFinite) { throw ValidationError("--sga-adjustment must be > 0, got \(sgaAdjustment)") }
        if !(cgdTolerance > 0 && cgdTolerance < 1) { throw ValidationError("--cgd-tolerance must lie in (0, 1), got \(cgdTolerance)") }
        if cgdMaxInnerProducts < 1 || cgdMaxInnerProducts > 100_000 { throw ValidationError("--cgd-max-inner-products must lie in 1 … 100000, got \(cgdMaxInnerProducts)") }
        if andersonMemory < 1 || andersonMemory > 100 { throw ValidationError("--anderson-memory must lie in 1 … 100, got \(andersonMemory)") }
        if !(agraalPhi > 1 && agraalPhi <= 1.618034) { throw ValidationError("--agraal-phi must lie in (1, 1.618034], got \(agraalPhi)") }
        if lookahead < 0 || lookahead > 1_000_000 { throw ValidationError("--lookahead must lie in 0 … 1000000 (0: off), got \(lookahead)") }
        if !(lookaheadAlpha > 0 && lookaheadAlpha <= 1) { throw ValidationError("--lookahead-alpha must lie in (0, 1], got \(lookaheadAlpha)") }
        if discriminatorSteps < 1 { throw ValidationError("--discriminator-steps = \(discriminatorSteps) is outside integers ≥ 1") }
        if iters < 1 { throw ValidationError("--iters must be at least 1, got \(iters)") }
        // Every iteration's measurements are kept (trajectory and rate fit): ~100 bytes each.
        if iters > 10_000_000 { throw ValidationError("--iters must be at most 10000000 (every iteration is recorded in memory), got \(iters)") }
        if let t = tol, !(t >= 0) { throw ValidationError("--tol must be ≥ 0, got \(t)") }
        if let m = maxOracleCalls, !(m >= 0) { throw ValidationError("--max-oracle-calls must be ≥ 0, got \(m)") }
        if let schedule = try parseSchedule() {
            do { try schedule.validate() } catch { throw ValidationError("--batch-schedule '\(batchSchedule!)': \(error)") }
        }
        try gameOptions.validateRanges()
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
            return ((2 * Foundation.log(n) / Double(max(iters, 1))).squareRoot() / a, "sqrt(2 log n / T)/max|A_ij|")
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
        case .srfb, .averagedSRFB: return (1 / (2 * max(relaxation, 1e-12) * L), "1/(2 delta L)")
        default: return (0.1 / L, "0.1/L")
        }
    }

    func run() throws { try World.run(execute(in:)) }

    /// Under MPI (docs/scaling.md) the ranks share the rows of a bilinear game's matrix in every
    /// evaluation of F and all take the same steps; rank 0 checks and writes --out and prints.
    func execute(in world: any ProcessGroup) throws {
        // Closed-form games are matrix–vector work: Saddle splits each large product over the
        // cores itself, with single-threaded OpenBLAS (see BLAS.matrixVectorCores).
        BLAS.matrixVectorCores = min(compute.apply { _ in "large matrix-vector products are split over 2 of them" }, 2)
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
            problem = try Regularized(game, by: [try Consensus(weight: consensusWeight)])
            gameEntries.append(("consensus_weight", "\(consensusWeight)"))
        }
        let source = [(generatorStep, "--generator-step"), (discriminatorStep, "--discriminator-step")]
            .filter { $0.0 != nil }.map(\.1).joined(separator: ", ")
            .nonEmpty.map { step == nil && (generatorStep == nil || discriminatorStep == nil) ? "\($0); otherwise \(defaultSource)" : $0 } ?? defaultSource
        let alpha = PerPlayer(generator: generatorStep ?? step ?? fallback, discriminator: discriminatorStep ?? step ?? fallback)
        var config = SolverConfiguration(kind: method, stepSize: alpha)
        config.relaxation = relaxation
        config.discriminatorSteps = discriminatorSteps
        config.beta1 = beta1; config.beta2 = beta2; config.epsilon = epsilon; config.decay = decay
        config.batchSchedule = try parseSchedule()
        config.eftpFirstStep = eftpFirstStep
        config.optimisticFirstStep = optimisticFirstStep
        config.previousMoments = previousMoments
        config.mirrorGAN = MirrorGANOptions(innerSteps: sgldSteps, thermalNoise: thermalNoise, damping: damping,
                                            preconditioned: preconditioned, seed: seed)
        config.sgaAdjustment = sgaAdjustment
        config.sgaAligned = !noSgaAlignment
        config.cgdLinearSolver = cgdLinearSolver
        config.cgdTolerance = cgdTolerance
        config.cgdMaxInnerProducts = cgdMaxInnerProducts
        config.andersonMemory = andersonMemory
        config.agraalPhi = agraalPhi
        if lookahead > 0 { config.lookahead = (lookahead, lookaheadAlpha) }
        switch average {
        case .none: config.averaging = nil
        case .uniform: config.averaging = .uniform
        case .ema: config.averaging = .exponential(decay: emaDecay)
        }
        let solver = try config.makeSolver()
        let firstIteration = solver.cost.initialization + solver.cost.minimumCallsPerIteration(problem.productCosts)
        if let budget = maxOracleCalls, budget + 1e-9 < firstIteration {
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
                               stopping: StoppingRule(iterations: iters, tolerance: tol, maxOracleCalls: maxOracleCalls))
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
                        ("iters", "\(iters)"), ("tol", tol.map { "\($0)" } ?? "null"),
                        ("max_oracle_calls", maxOracleCalls.map { "\($0)" } ?? "null"), ("seed", "\(seed)"),
                        ("threads", "\(BLAS.threads)"), ("saddle_version", SaddleVersion.string),
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
