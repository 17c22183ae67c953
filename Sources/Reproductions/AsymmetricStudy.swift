import Diagnostics
import Foundation
import Games
import Solvers
import Tensors

/// `saddle reproduce asymmetric`: paper 1's academic-example study (issue 4; SPEC §2–4).
///
/// Games: scalar bilinear θφ, a matrix bilinear game with offsets (equilibrium ≠ 0), the Dirac-GAN and
/// the Gaussian-location game (m = 1). Grid: FB, EG, EFTP and alternating GDA × no regularization,
/// discriminator-only Tikhonov (γ/2)‖φ‖², symmetric Tikhonov ε(θ, φ) (ε = γ) on every game, and SGP
/// (R1, R2, R1+R2, (γ/2) convention) on the two GANs, × γ × step sizes α. Steps are fixed values and
/// values relative to the calculator's L of each operator (1/(4L), 1/(2L)); FB also runs at γ/2 and
/// 2γ under discriminator-only Tikhonov on the bilinear games (claim (b)).
///
/// Every run is measured against the **regularized operator's zero** z (closed form, see
/// ``regularizedZero(game:regularization:gamma:)``): the observed rate is SPEC §2's (squared-distance
/// factor per iteration, least squares on the log over the second half, cut at
/// 1e3·ε·max(1, ‖z‖)); the final distance is reported to z and to the game's ω*. The predicted rate is
/// paper 1's calculator (``OperatorAnalysis`` at z), which applies to EFTP at α = 1/(4L) when μ > 0.
/// ``verdicts(_:)`` turns the rows into one verdict per claim (a)–(e) of issue 4.
public struct AsymmetricStudy: Sendable {
    /// The four academic examples.
    public enum GameKind: String, CaseIterable, Sendable, Codable {
        case scalarBilinear = "bilinear-scalar"
        case matrixBilinear = "bilinear-offsets"
        case diracGAN = "dirac-gan"
        case gaussianLocation = "gaussian-location"

        public var isBilinear: Bool { self == .scalarBilinear || self == .matrixBilinear }
        /// Whether the discriminator reads an input x, so SGP is defined.
        public var hasInput: Bool { !isBilinear }
    }

    /// What is added to the game's operator.
    public enum Regularization: String, CaseIterable, Sendable, Codable {
        case none
        /// F_φ += γφ.
        case discriminatorTikhonov = "tikhonov-discriminator"
        /// F += ε(θ, φ), ε = γ.
        case symmetricTikhonov = "tikhonov-symmetric"
        /// SGP on real samples only.
        case r1 = "sgp-r1"
        /// SGP on fake samples only.
        case r2 = "sgp-r2"
        /// SGP on both (w_real = w_fake = 1, the default).
        case r1r2 = "sgp-r1+r2"

        /// Whether only the discriminator's block changes (all but the symmetric baseline).
        public var isDiscriminatorOnly: Bool { self != .none && self != .symmetricTikhonov }
        public var isGradientPenalty: Bool { self == .r1 || self == .r2 || self == .r1r2 }
    }

    /// The four methods of the grid (SPEC §2), with alternating GDA (k = 1) as the cycling reference.
    public enum Method: String, CaseIterable, Sendable, Codable {
        case fb, eg, eftp
        case alternatingGDA = "alternating-gda"

        var kind: SolverKind {
            switch self { case .fb: return .fb; case .eg: return .eg; case .eftp: return .eftp; case .alternatingGDA: return .alternatingGDA }
        }
    }

    /// How a run's step size α is chosen.
    public enum Step: Sendable, Hashable, Codable, CustomStringConvertible {
        case fixed(Double)
        /// 1/(4L): EFTP's step in Gidel et al. 2019, Thm 1 (L = the calculator's L0 + γκ at z).
        case quarterInverseLipschitz
        /// 1/(2L): EG's step in the same theorem, EG's largest step relative to EFTP's 1/(4L).
        case halfInverseLipschitz
        /// γ/2 and 2γ: the two sides of FB's α < γ threshold on θφ (SPEC §3).
        case halfGamma
        case twiceGamma

        public var description: String {
            switch self {
            case .fixed(let a): return "\(a)"
            case .quarterInverseLipschitz: return "1/(4L)"
            case .halfInverseLipschitz: return "1/(2L)"
            case .halfGamma: return "γ/2"
            case .twiceGamma: return "2γ"
            }
        }

        func value(gamma: Double, lipschitz: Double) -> Double {
            switch self {
            case .fixed(let a): return a
            case .quarterInverseLipschitz: return 1 / (4 * lipschitz)
            case .halfInverseLipschitz: return 1 / (2 * lipschitz)
            case .halfGamma: return gamma / 2
            case .twiceGamma: return 2 * gamma
            }
        }
    }

    /// The grid and the run length.
    public struct Configuration: Sendable {
        /// γ of every regularizer (ε of symmetric Tikhonov); the unregularized games run once.
        public var gammas: [Double]
        /// Fixed step sizes every method runs at (besides 1/(4L)).
        public var fixedSteps: [Double]
        /// Iterations per run.
        public var iterations: Int
        /// γ whose runs are drawn (must be one of ``gammas``).
        public var plottedGamma: Double
        /// Relative accuracy ‖ω − z‖ ≤ accuracy·‖ω₀ − z‖ at which claim (c) counts oracle calls.
        public var accuracy = 1e-6
        /// The offset bilinear game: `BilinearGame.random(dimension:seed:)`.
        public var matrixDimension = 2
        public var matrixSeed: UInt64 = 1
        /// m of the Gaussian-location game.
        public var mean = 1.0
        /// Which games run (all by default).
        public var games: [GameKind] = GameKind.allCases

        public init(gammas: [Double], fixedSteps: [Double], iterations: Int, plottedGamma: Double) {
            self.gammas = gammas; self.fixedSteps = fixedSteps; self.iterations = iterations; self.plottedGamma = plottedGamma
        }

        /// The full grid: γ ∈ {0.1, 0.5, 1}, α ∈ {0.1, 0.3} plus the relative steps, 3,000 iterations.
        public static let full = Configuration(gammas: [0.1, 0.5, 1], fixedSteps: [0.1, 0.3], iterations: 3000, plottedGamma: 0.5)
        /// The reduced grid of `--quick`: γ = 0.5, α = 0.3 plus the relative steps, 1,500 iterations.
        public static let quick = Configuration(gammas: [0.5], fixedSteps: [0.3], iterations: 1500, plottedGamma: 0.5)
    }

    /// One operator of the grid: a game with one regularizer at one γ (0 when unregularized).
    public struct Operator: Sendable {
        public var game: GameKind
        public var regularization: Regularization
        public var gamma: Double
        /// The zero z of the regularized operator (closed form) and the game's own ω*.
        public var zero: [Double]
        public var equilibrium: [Double]
        /// Paper 1's calculator at z: L = L0 + γκ, μ ≥ min{μθ, μφ + γλ0}, 1 − μ/(4L) (nil when μ ≤ 0).
        public var lipschitz: Double
        public var strongMonotonicity: Double
        public var predictedFactor: Double?
        public var calculatorVerdict: String
        /// J = ∂F/∂ω at z (row-major, n × n), for the linear theory of each method.
        public var jacobian: [Double]
        public var sizes: PerPlayer<Int>
    }

    /// One run: a method at a step on one operator.
    public struct Row: Sendable, Codable {
        public var game: GameKind
        public var regularization: Regularization
        public var gamma: Double
        public var method: Method
        public var step: Step
        public var stepSize: Double
        public var iterations: Int
        public var stopReason: String
        public var oracleCalls: Double
        public var initialDistance: Double
        /// ‖ω_T − z‖ (regularized zero) and ‖ω_T − ω*‖ (the game's equilibrium).
        public var finalDistanceToZero: Double
        public var finalDistanceToEquilibrium: Double
        /// ‖F_γ(ω_T)‖ (exact; no oracle charge).
        public var finalResidual: Double
        /// max_t ‖ω_t − z‖ and min over the second half, for the cycling test.
        public var maxDistance: Double
        public var minDistanceSecondHalf: Double
        /// SPEC §2's observed squared-distance factor (to z); nil with fewer than three points.
        public var observedFactor: Double?
        /// The squared spectral radius of the method's iteration linearized at z (exact for the
        /// bilinear games; local for the GANs).
        public var linearFactor: Double
        /// The calculator's 1 − μ/(4L), filled only where it applies: EFTP at α = 1/(4L), μ > 0.
        public var predictedFactor: Double?
        public var mu: Double
        public var lipschitz: Double
        /// Oracle calls when ‖ω_t − z‖ first reached accuracy·‖ω₀ − z‖ (nil: never).
        public var callsToAccuracy: Double?
        public var finalPoint: [Double]
        /// The run, kept for the plotted operators only.
        public var trace: Trace?

        /// Diverges: observed factor > 1 (or no fit) and the run ended farther from z than it started.
        public var diverged: Bool { (observedFactor ?? 2) > 1 && !(finalDistanceToZero <= initialDistance) }
    }

    /// Per-iteration measurements of one run.
    public struct Trace: Sendable, Codable {
        public var oracleCalls: [Double] = []
        public var distance: [Double] = []
        /// The first entry of θ and of φ (the plotted plane).
        public var theta: [Double] = []
        public var phi: [Double] = []
    }

    /// The study's outcome.
    public struct Result: Sendable {
        public var configuration: Configuration
        public var operators: [Operator]
        public var rows: [Row]
        public var verdicts: [Verdict]
        public var wallSeconds: Double
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The regularizations that run on `game`.
    public static func regularizations(for game: GameKind) -> [Regularization] {
        Regularization.allCases.filter { !$0.isGradientPenalty || game.hasInput }
    }

    /// The matrix bilinear game of the study (its A is the configuration's seeded random matrix).
    public var matrixBilinearGame: BilinearGame { BilinearGame.random(dimension: configuration.matrixDimension, seed: configuration.matrixSeed) }

    /// The unregularized game.
    public func makeGame(_ kind: GameKind) -> any Game {
        switch kind {
        case .scalarBilinear: return BilinearGame.scalar()
        case .matrixBilinear: return matrixBilinearGame
        case .diracGAN: return DiracGAN()
        case .gaussianLocation: return GaussianLocationGame(mean: configuration.mean)
        }
    }

    /// The regularizers of `regularization` at weight γ.
    public static func regularizers(_ regularization: Regularization, gamma: Double) throws -> [any Regularizer] {
        switch regularization {
        case .none: return []
        case .discriminatorTikhonov: return [try Tikhonov(on: .discriminator, weight: gamma)]
        case .symmetricTikhonov: return [try Tikhonov.symmetric(weight: gamma)]
        case .r1: return [try GradientPenalty.r1(weight: gamma)]
        case .r2: return [try GradientPenalty.r2(weight: gamma)]
        case .r1r2: return [try GradientPenalty(weight: gamma)]
        }
    }

    /// The steps each method runs at on an operator.
    func steps(_ method: Method, _ game: GameKind, _ regularization: Regularization) -> [Step] {
        var s: [Step] = configuration.fixedSteps.map { .fixed($0) } + [.quarterInverseLipschitz]
        if method == .eg { s.append(.halfInverseLipschitz) }
        if method == .fb && regularization == .discriminatorTikhonov && game.isBilinear { s += [.halfGamma, .twiceGamma] }
        return s
    }

    /// Runs the whole grid; `progress` gets one line per operator. With a `group` of several
    /// processes (MPI ranks) the runs are spread over them (``ProcessGroup/distribute(_:_:)``) and
    /// every rank returns the whole result, the same as one process's.
    public func run(group: any ProcessGroup = SingleProcess.shared, progress: ((String) -> Void)? = nil) throws -> Result {
        let clock = Date()
        var operators: [Operator] = []
        var cells: [(op: Operator, problem: Regularized, method: Method, step: Step, keepTrace: Bool)] = []
        for kind in configuration.games {
            let base = makeGame(kind)
            for reg in Self.regularizations(for: kind) {
                for gamma in reg == .none ? [0] : configuration.gammas {
                    let problem = try Regularized(base, by: Self.regularizers(reg, gamma: gamma))
                    let op = try analyze(kind, reg, gamma, problem, base)
                    operators.append(op)
                    let plotted = reg == .none || gamma == configuration.plottedGamma
                    for method in Method.allCases {
                        for step in steps(method, kind, reg) {
                            cells.append((op, problem, method, step, plotted && step == .quarterInverseLipschitz))
                        }
                    }
                    progress?("\(kind.rawValue) \(reg.rawValue) γ=\(gamma): \(cells.count) runs so far")
                }
            }
        }
        let rows = try group.distribute(cells.count) { i in
            try runOne(cells[i].op, cells[i].problem, cells[i].method, cells[i].step, keepTrace: cells[i].keepTrace)
        }
        let verdicts = Self.verdicts(rows: rows, operators: operators, configuration: configuration)
        return Result(configuration: configuration, operators: operators, rows: rows, verdicts: verdicts,
                      wallSeconds: Date().timeIntervalSince(clock))
    }

    /// The calculator and the Jacobian at the regularized zero.
    func analyze(_ kind: GameKind, _ reg: Regularization, _ gamma: Double, _ problem: Regularized, _ base: any Game) throws -> Operator {
        let z = regularizedZero(game: kind, regularization: reg, gamma: gamma)
        let zero = BlockVector(generator: Array(z[0..<base.sizes.generator]), discriminator: Array(z[base.sizes.generator...]))
        var options = AnalysisOptions()
        options.eftpIterations = 0
        let a = try OperatorAnalysis.analyze(problem, at: zero, options: options)
        let j = LinearizedOperator(problem, at: zero).matrix()
        return Operator(game: kind, regularization: reg, gamma: gamma, zero: z, equilibrium: base.equilibrium!.scalars,
                        lipschitz: a.predictedLipschitz, strongMonotonicity: a.predictedStrongMonotonicity,
                        predictedFactor: a.predictedSquaredDistanceFactor, calculatorVerdict: a.verdict,
                        jacobian: j.scalars, sizes: base.sizes)
    }

    func runOne(_ op: Operator, _ problem: Regularized, _ method: Method, _ step: Step, keepTrace: Bool) throws -> Row {
        let alpha = step.value(gamma: op.gamma, lipschitz: op.lipschitz)
        let solver = try SolverConfiguration(kind: method.kind, stepSize: PerPlayer(alpha)).makeSolver()
        return try iterate(solver, op, problem, method, step, alpha, keepTrace)
    }

    func iterate<S: Solver>(_ solver: S, _ op: Operator, _ problem: Regularized, _ method: Method, _ step: Step,
                            _ alpha: Double, _ keepTrace: Bool) throws -> Row {
        let sizes = op.sizes
        func vector(_ v: [Double]) -> BlockVector {
            BlockVector(generator: Array(v[0..<sizes.generator]), discriminator: Array(v[sizes.generator...]))
        }
        let z = vector(op.zero), star = vector(op.equilibrium)
        var loop = try IterationLoop(solver, on: problem)
        let d0 = loop.omega.distance(to: z)
        var distances = [d0]
        var trace = Trace()
        func record(_ d: Double, _ v: LoopView) {
            guard keepTrace else { return }
            trace.oracleCalls.append(v.counter.oracleCalls)
            trace.distance.append(d)
            trace.theta.append(v.omega[.generator][0])
            trace.phi.append(v.omega[.discriminator][0])
        }
        record(d0, loop.view)
        var callsToAccuracy: Double? = nil
        let watch = EveryIteration { v in
            let d = v.omega.distance(to: z)
            distances.append(d)
            record(d, v)
            if callsToAccuracy == nil, d <= self.configuration.accuracy * d0 { callsToAccuracy = v.counter.oracleCalls }
            // Past 1e150 the iterate is gone; stopping there keeps the squares finite in the fit.
            return !d.isFinite || d > 1e150 ? .stop(.diverged) : .proceed
        }
        let stop = try loop.run(until: configuration.iterations, observers: [watch])
        if stop == .diverged && distances.count == loop.iteration { distances.append(loop.omega.distance(to: z)) }
        let reason = stop == .diverged ? "diverged" : "iterations"
        let omega = loop.omega
        let F = loop.oracle
        let floor = ObservedRate.floor(epsilon: problem.dtype.epsilon, scale: z.norm())
        let observed = ObservedRate.squaredDistanceFactor(distances: distances, floor: floor)
        let half = distances[(distances.count / 2)...]
        let finite = omega.isFinite
        let linear = Self.linearFactor(method: method, alpha: alpha, jacobian: op.jacobian, sizes: sizes)
        return Row(game: op.game, regularization: op.regularization, gamma: op.gamma, method: method, step: step, stepSize: alpha,
                   iterations: distances.count - 1, stopReason: reason, oracleCalls: F.counter.oracleCalls, initialDistance: d0,
                   finalDistanceToZero: distances.last!, finalDistanceToEquilibrium: finite ? omega.distance(to: star) : .infinity,
                   finalResidual: finite ? problem.exactField(at: omega).norm() : .infinity,
                   maxDistance: distances.reduce(0) { max($0, $1.isFinite ? $1 : .infinity) },
                   minDistanceSecondHalf: half.min() ?? d0, observedFactor: observed, linearFactor: linear,
                   predictedFactor: method == .eftp && step == .quarterInverseLipschitz ? op.predictedFactor : nil,
                   mu: op.strongMonotonicity, lipschitz: op.lipschitz, callsToAccuracy: callsToAccuracy,
                   finalPoint: omega.scalars, trace: keepTrace ? trace : nil)
    }
}
