import Games
import Solvers
import Tensors

/// What ``OperatorAnalysis/analyze(_:at:options:)`` computes and how hard it tries.
public struct AnalysisOptions: Sendable {
    /// Form the full Jacobian and its LAPACK spectra when n ≤ this (default 200).
    public var denseLimit = 200
    /// Lanczos vectors for μ, μθ, μφ (default 80; exact up to rounding when ≥ n).
    public var lanczosSteps = 80
    /// Power-iteration budget for L (default 2000, relative tolerance 1e-12).
    public var powerIterations = 2000
    /// EFTP iterations for the observed rate (default 2000; 0 skips the run).
    public var eftpIterations = 2000
    /// Form the SGP Gauss–Newton Gramian (dense, nφ × nφ) only when nφ ≤ this (default 3000: 72 MB each).
    public var gramianLimit = 3000
    /// EFTP's start (default the game's initial point).
    public var eftpStart: BlockVector? = nil
    public init() {}
}

/// One regularizer's constants: κ (Lipschitz constant of γ∇R per unit γ, measured as
/// σmax(J_{F+γ∇R} − J_F)/γ at the point) and λ0 (the curvature it adds per unit γ).
public struct RegularizerConstants: Codable, Sendable {
    public var name: String
    public var players: [String]
    public var weight: Double
    public var kappa: Double?
    public var lambda0: Double?
    /// The SGP Gauss–Newton Gramian's spectrum (gradient penalties only).
    public var gramian: GramianSpectrum?
    /// Why λ0 was not computed, when it was not.
    public var note: String? = nil
}

/// EFTP at the calculator's step, and its observed rate beside the predicted one.
public struct EFTPComparison: Codable, Sendable {
    public var stepSize: Double
    public var iterations: Int
    public var stopReason: String
    /// SPEC §2's observed rate (per-iteration factor of the squared distance, or squared residual).
    public var observedFactor: Double?
    public var observedOf: String?
    public var predictedFactor: Double?
    /// observed ≤ predicted, when both exist.
    public var predictionBoundsObserved: Bool?
    public var finalDistance: Double?
    public var finalResidual: Double
}

/// The constants of a game's operator at a point (SPEC §4): the Jacobian and its spectra, L by
/// power iteration on JᵀJ, μ, μθ, μφ by Lanczos on sym(J) and its diagonal blocks, each
/// regularizer's κ and λ0, paper 1's calculator, and EFTP's observed rate beside the prediction.
///
/// For a ``Regularized`` game, L0, μθ, μφ are measured on the unregularized base operator and fed to
/// ``AsymmetricRegularizationBound`` with the regularizers' κ and λ0; L, μ of the regularized
/// operator itself are measured too, so prediction and measurement sit side by side. All constants
/// are local (at the point); they are global for affine operators.
public struct OperatorAnalysis: Codable, Sendable {
    public var game: String
    public var sizes: [String: Int]
    /// The point ω (when it has at most 20 entries).
    public var point: [Double]?
    /// How J's products are computed: "autodiff", "closed form" or "central differences".
    public var jacobianMethod: String
    /// J (when n ≤ 10), row i = component i of F.
    public var jacobian: [[Double]]?
    /// Eigenvalues of J and of sym(J) by LAPACK (when n ≤ denseLimit).
    public var eigenvalues: [ComplexValue]?
    public var symmetricEigenvalues: [Double]?
    /// Measured on the (regularized) operator: L = σmax(J), μ = λmin(sym J) and its block moduli.
    public var lipschitz: Double
    public var powerIterations: Int
    public var strongMonotonicity: Double
    public var muGenerator: Double
    public var muDiscriminator: Double
    public var lanczosSteps: Int
    public var regularizers: [RegularizerConstants]
    /// Paper 1's calculator from the base operator's constants and the regularizers'.
    public var bound: AsymmetricRegularizationBound
    public var predictedLipschitz: Double
    public var predictedStrongMonotonicity: Double
    /// When the measured μ lies below the predicted bound, why (``AsymmetricRegularizationBound/shortfallNote(measuredMu:blocks:)``).
    public var boundNote: String?
    public var recommendedStepSize: Double
    public var predictedSquaredDistanceFactor: Double?
    public var verdict: String
    public var eftp: EFTPComparison?

    struct Measured { var L: Double; var iterations: Int; var mu: Double; var muG: Double; var muD: Double; var steps: Int }

    static func measure(_ lin: LinearizedOperator, _ o: AnalysisOptions) -> Measured {
        let l = IterativeEstimates.spectralNorm(jvp: lin.jvp, vjp: lin.vjp, count: lin.count, iterations: o.powerIterations)
        let full = lin.symmetricPart(), g = lin.symmetricPart(block: .generator), d = lin.symmetricPart(block: .discriminator)
        let mu = IterativeEstimates.lanczos(full.apply, count: full.n, steps: o.lanczosSteps)
        let mg = IterativeEstimates.lanczos(g.apply, count: g.n, steps: o.lanczosSteps)
        let md = IterativeEstimates.lanczos(d.apply, count: d.n, steps: o.lanczosSteps)
        return Measured(L: l.value, iterations: l.iterations, mu: mu.smallest, muG: mg.smallest, muD: md.smallest, steps: mu.steps)
    }

    /// Analyzes `problem` at `point` (default: its equilibrium when known, else the base game's,
    /// else its initial point).
    public static func analyze(_ problem: any VariationalInequality, at point: BlockVector? = nil,
                               options o: AnalysisOptions = AnalysisOptions()) throws -> OperatorAnalysis {
        let regularized = problem as? Regularized
        let base: any VariationalInequality = regularized?.base ?? problem
        let regs = regularized?.regularizers ?? []
        let omega = point ?? problem.equilibrium ?? base.equilibrium ?? problem.initialPoint
        let lin = LinearizedOperator(problem, at: omega)
        let n = lin.count

        var jacobian: [[Double]]? = nil, eig: [ComplexValue]? = nil, symEig: [Double]? = nil
        if n <= o.denseLimit {
            let j = lin.matrix()
            if n <= 10 { jacobian = (0..<n).map { r in (0..<n).map { j[r, $0] } } }
            eig = Eigenvalues.general(j)
            symEig = Eigenvalues.symmetric(j).values
        }
        let m = measure(lin, o)
        let baseLin = regs.isEmpty ? lin : LinearizedOperator(base, at: omega)
        let mb = regs.isEmpty ? m : measure(baseLin, o)

        var reports: [RegularizerConstants] = []
        for r in regs {
            var rep = RegularizerConstants(name: r.description, players: r.players.sorted { $0.rawValue < $1.rawValue }.map(\.description),
                                           weight: r.weight, kappa: nil, lambda0: nil, gramian: nil)
            if r.weight > 0, let baseGame = base as? any Game {
                let alone = LinearizedOperator(try Regularized(baseGame, by: [r]), at: omega)
                let k = IterativeEstimates.spectralNorm(jvp: { alone.jvp($0) - baseLin.jvp($0) }, vjp: { alone.vjp($0) - baseLin.vjp($0) },
                                                        count: n, iterations: o.powerIterations)
                rep.kappa = k.value / r.weight
            }
            if let c = r as? any RegularizerCurvature, let baseGame = base as? any Game {
                let curvature = c.curvature(at: omega, of: baseGame, options: o, float32: problem.dtype == .float32)
                rep.lambda0 = curvature.lambda0
                rep.gramian = curvature.gramian
                rep.note = curvature.note
            }
            reports.append(rep)
        }
        let bound = AsymmetricRegularizationBound(
            L0: mb.L, muGenerator: mb.muG, muDiscriminator: mb.muD,
            terms: reports.map { .init(name: $0.name, players: $0.players, weight: $0.weight, kappa: $0.kappa, lambda0: $0.lambda0) })

        var run: EFTPComparison? = nil
        if o.eftpIterations > 0 {
            let alpha = bound.eftpStepSize
            let solver = ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha))
            let result = try solve(problem, with: solver, from: o.eftpStart, stopping: StoppingRule(iterations: o.eftpIterations))
            let rate = result.observedRate(equilibriumNorm: problem.equilibrium?.norm(), epsilon: problem.dtype.epsilon)
            let predicted = bound.predictedSquaredDistanceFactor
            run = EFTPComparison(stepSize: alpha, iterations: result.iterations, stopReason: result.stopReason,
                                 observedFactor: rate?.factor, observedOf: rate?.of, predictedFactor: predicted,
                                 predictionBoundsObserved: rate.flatMap { r in predicted.map { r.factor <= $0 } },
                                 finalDistance: result.final.distance, finalResidual: result.final.residual)
        }

        return OperatorAnalysis(
            game: problem.name, sizes: ["generator": omega.sizes.generator, "discriminator": omega.sizes.discriminator],
            point: n <= 20 ? omega.scalars : nil, jacobianMethod: lin.method, jacobian: jacobian, eigenvalues: eig,
            symmetricEigenvalues: symEig, lipschitz: m.L, powerIterations: m.iterations, strongMonotonicity: m.mu,
            muGenerator: m.muG, muDiscriminator: m.muD, lanczosSteps: m.steps, regularizers: reports, bound: bound,
            predictedLipschitz: bound.lipschitz, predictedStrongMonotonicity: bound.strongMonotonicity,
            boundNote: bound.shortfallNote(measuredMu: m.mu, blocks: (m.muG, m.muD)),
            recommendedStepSize: bound.eftpStepSize, predictedSquaredDistanceFactor: bound.predictedSquaredDistanceFactor,
            verdict: bound.verdict, eftp: run)
    }
}
