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
        Default step sizes when --step is not given and L is known: fb/sgd 0.1/L, alternating-gda 0.5/L, \
        eg 0.5/L, eftp/ogda 1/(4L), srfb 1/(2δL), mirror-prox 1/max|A_ij|, mirror-descent \
        √(2 log n/T)/max|A_ij|, adaptive methods 1e-3; with L unknown, 0.01.
        """)

    @OptionGroup var gameOptions: SolveGameOptions

    @Option(help: ArgumentHelp("The method: \(SolverKind.choiceList). (default: eftp)", valueName: "method"),
            transform: { try parseChoice($0, as: SolverKind.self, what: "method") })
    var method: SolverKind = .eftp

    @Option(parsing: .unconditional, help: "Step size α (λ for SRFB, η for mirror methods) for both players, > 0.")
    var step: Double?

    @Option(parsing: .unconditional, help: "Step size of the generator only (overrides --step for θ).")
    var generatorStep: Double?

    @Option(parsing: .unconditional, help: "Step size of the discriminator only (overrides --step for φ).")
    var discriminatorStep: Double?

    @Option(parsing: .unconditional, help: "SRFB relaxation δ in [0, 1); the theory's range is [0.618, 1).")
    var relaxation: Double = RelaxedForwardBackward.inverseGoldenRatio

    @Option(help: "Alternating GDA: discriminator steps k per generator step (≥ 1).")
    var discriminatorSteps: Int = 1

    @Option(help: "Adam β₁ in [0, 1).") var beta1: Double = 0.9
    @Option(help: "Adam β₂ in [0, 1).") var beta2: Double = 0.999
    @Option(help: "Adam / RMSProp ε > 0.") var epsilon: Double = 1e-8
    @Option(help: "RMSProp decay ρ in [0, 1).") var decay: Double = 0.99

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

    @Option(help: "EMA decay β in [0, 1) for --average ema.")
    var emaDecay: Double = 0.999

    @Option(help: "Maximum number of iterations (≥ 0).")
    var iters: Int = 1000

    @Option(help: "Stop when the duality gap (if the game has one) or the residual is ≤ tol.")
    var tol: Double?

    @Option(help: "Stop before exceeding this many oracle calls.")
    var maxOracleCalls: Double?

    @Option(help: "Seed of random games and of minibatch draws.")
    var seed: UInt64 = 0

    @Option(help: "Run folder for trajectory.csv, config.yaml and summary.json.")
    var out: String?

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if iters < 0 { throw ValidationError("--iters must be ≥ 0, got \(iters)") }
        if let t = tol, !(t >= 0) { throw ValidationError("--tol must be ≥ 0, got \(t)") }
        if let m = maxOracleCalls, !(m >= 0) { throw ValidationError("--max-oracle-calls must be ≥ 0, got \(m)") }
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
        case .eg, .alternatingGDA: return (0.5 / L, "0.5/L")
        case .srfb, .averagedSRFB: return (1 / (2 * max(relaxation, 1e-12) * L), "1/(2 delta L)")
        default: return (0.1 / L, "0.1/L")
        }
    }

    func run() throws {
        compute.apply()
        let (problem, gameEntries) = try gameOptions.make(seed: seed)
        let start = try gameOptions.startPoint(problem.sizes)
        let (fallback, source) = step == nil ? defaultStep(problem) : (step!, "--step")
        let alpha = PerPlayer(generator: generatorStep ?? step ?? fallback, discriminator: discriminatorStep ?? step ?? fallback)
        var config = SolverConfiguration(kind: method, stepSize: alpha)
        config.relaxation = relaxation
        config.discriminatorSteps = discriminatorSteps
        config.beta1 = beta1; config.beta2 = beta2; config.epsilon = epsilon; config.decay = decay
        config.batchSchedule = try parseSchedule()
        config.eftpFirstStep = eftpFirstStep
        config.optimisticFirstStep = optimisticFirstStep
        config.previousMoments = previousMoments
        switch average {
        case .none: config.averaging = nil
        case .uniform: config.averaging = .uniform
        case .ema: config.averaging = .exponential(decay: emaDecay)
        }
        let solver = try config.makeSolver()
        for w in solver.warnings { FileHandle.standardError.write(Data("warning: \(w.message)\n".utf8)) }
        let result = try solve(problem, withAny: solver, from: start, seed: seed,
                               stopping: StoppingRule(iterations: iters, tolerance: tol, maxOracleCalls: maxOracleCalls))

        let star = problem.equilibrium
        let rate = result.observedRate(equilibriumNorm: star?.norm(), epsilon: problem.dtype.epsilon)
        var summary = SolveSummary()
        summary.add("game", problem.name)
        summary.add("method", method.rawValue)
        summary.add("initial_distance", result.initial.distance)
        summary.add("final_distance", result.final.distance)
        summary.add("relative_distance", result.initial.distance.flatMap { d0 in result.final.distance.map { d0 > 0 ? $0 / d0 : $0 } })
        summary.add("initial_residual", result.initial.residual)
        summary.add("residual", result.final.residual)
        summary.add("gap", result.final.gap)
        summary.add("observed_rate", rate?.factor)
        summary.add("observed_rate_of", rate?.of)
        summary.add("observed_rate_sqrt", rate.map { $0.factor.squareRoot() })
        summary.add("oracle_calls", result.counter.oracleCalls)
        summary.add("samples", Double(result.counter.samples))
        summary.add("iterations", Double(result.iterations))
        summary.add("stop_reason", result.stopReason)
        summary.add("step_size", "\(alpha)")
        summary.add("warnings", result.warnings.map(\.message).joined(separator: "; "))
        if let dir = out { summary.add("out", dir) }

        if let dir = out {
            var entries = gameEntries + config.resolvedEntries
            entries += [("step_size_source", source), ("iters", "\(iters)"), ("tol", tol.map { "\($0)" } ?? "none"),
                        ("max_oracle_calls", maxOracleCalls.map { "\($0)" } ?? "none"), ("seed", "\(seed)"),
                        ("threads", "\(BLAS.threads)"), ("saddle_version", SaddleVersion.string),
                        ("observed_rate_definition", "squared-distance factor per iteration, LS on log over the second half, cut at 1e3*eps*max(1,|w*|)")]
            try RunFolder.write(dir: dir, result: result, configEntries: entries, summaryJSON: summary.json)
        }
        if json { print(summary.json) } else { print(summary.text) }
    }
}
