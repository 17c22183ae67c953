import Games
import Tensors
import RealModule

/// CGD, competitive gradient descent (Schäfer & Anandkumar 2019, NeurIPS, arXiv:1905.12103, eq. 4):
/// each player steps to the Nash equilibrium of a bilinear approximation of the game,
///
///     [ I          D_θ J_θφ ] [Δθ]      [D_θ F_θ]
///     [ D_φ J_φθ   I        ] [Δφ]  = − [D_φ F_φ],      ω_{k+1} = ω_k + Δ,
///
/// J_θφ = ∂F_θ/∂φ and J_φθ = ∂F_φ/∂θ the mixed blocks of J at ω_k, D the steps: η_θI and η_φI for
/// CGD; for ACGD (Schäfer, Zheng & Anandkumar 2020, ICML, "Implicit competitive regularization in
/// GANs", Alg. 1) per-coordinate RMSProp steps D = η/(√(v/(1 − β₂ᵗ)) + ε), v ← β₂v + (1 − β₂)F².
/// With S = D_θ^{1/2} and Δθ = Su, eliminating Δφ leaves
/// (I − S J_θφ D_φ J_φθ S) u = −S F_θ + S J_θφ D_φ F_φ, then Δφ = −D_φ(F_φ + J_φθ Δθ). On a zero-sum
/// game (J_φθ = −J_θφᵀ) the matrix is I + S J_θφ D_φ J_θφᵀ S, symmetric positive definite:
/// conjugate gradients; otherwise GMRES. Each product with it is two JVPs; the right-hand side and
/// Δφ take one JVP each; the solve starts from the previous step (the authors' warm start: one more
/// product for its residual) and stops at a relative residual ``tolerance`` or after
/// ``maxInnerProducts`` iterations, fewer when the run's oracle budget (``Oracle/callBudget``) has
/// room for fewer; ``State/unconvergedSolves`` counts the solves that stopped short of the tolerance.
///
/// On the bilinear game F = (Aφ, −Aᵀθ), per singular value σ of A with s = ησ, CGD's step is
/// (θ, φ) ↦ [[1, −s], [s, 1]](θ, φ)/(1 + s²): ρ = 1/√(1 + η²σ²) for every η > 0 (the proximal-point
/// map). Unconstrained only.
public struct CompetitiveGradient: Solver {
    /// How the inner system is solved.
    public enum LinearSolver: String, Sendable, CaseIterable, Codable {
        /// Conjugate gradients on zero-sum games, GMRES otherwise.
        case automatic = "auto"
        case conjugateGradients = "cg"
        case gmres
    }
    /// ACGD's second-moment decay β₂ and ε.
    public struct Adaptive: Sendable, Equatable {
        public var beta2: Double
        public var epsilon: Double
        public init(beta2: Double = 0.99, epsilon: Double = 1e-8) { self.beta2 = beta2; self.epsilon = epsilon }
    }
    public struct State: Sendable, Codable {
        /// The previous step Δ = (Δθ, Δφ); Δθ is the warm start. nil before the first step.
        public var previousStep: BlockVector?
        /// ACGD: the second moments v and their count t (nil and 0 for CGD).
        public var secondMoment: BlockVector?
        public var count: Int
        /// Products with the inner matrix, summed over iterations, and in the latest iteration.
        public var innerProducts: Int
        public var lastInnerProducts: Int
        /// Inner solves that stopped at the iteration cap (or the budget) above the tolerance.
        public var unconvergedSolves: Int
    }
    public private(set) var stepSize: PerPlayer<Double>
    public let linearSolver: LinearSolver
    /// The inner solve's relative residual; nil: 1e-10 in Float64, 1e-5 in Float32 (a neural game's
    /// rounding floor — a tighter target would only spend products).
    public let tolerance: Double?
    public let maxInnerProducts: Int
    /// nil: CGD; otherwise ACGD with these moments.
    public let adaptive: Adaptive?

    public init(stepSize: PerPlayer<Double>, linearSolver: LinearSolver = .automatic, tolerance: Double? = nil, maxInnerProducts: Int = 200,
                adaptive: Adaptive? = nil) throws {
        try validateStepSize(stepSize)
        if let t = tolerance, !(t > 0 && t < 1) { throw SolverError.outOfRange(parameter: "CGD inner tolerance", value: t, allowed: "(0, 1)") }
        guard maxInnerProducts >= 1 else { throw SolverError.outOfRange(parameter: "CGD inner products", value: Double(maxInnerProducts), allowed: "integers ≥ 1") }
        self.stepSize = stepSize
        self.linearSolver = linearSolver
        self.tolerance = tolerance
        self.maxInnerProducts = maxInnerProducts
        if let a = adaptive {
            guard a.beta2 >= 0, a.beta2 < 1 else { throw SolverError.outOfRange(parameter: "ACGD β₂", value: a.beta2, allowed: "[0, 1)") }
            guard a.epsilon > 0, a.epsilon.isFinite else { throw SolverError.outOfRange(parameter: "ACGD ε", value: a.epsilon, allowed: "(0, ∞)") }
        }
        self.adaptive = adaptive
    }

    public var name: String { (adaptive == nil ? SolverKind.cgd : .acgd).rawValue }
    /// One F, then at most 3 + 2·(inner iterations) JVPs (right-hand side, warm-start residual, Δφ); at least 3.
    public var cost: OracleCost {
        OracleCost(perIteration: 1, products: ProductCount(jvp: 3 + 2 * maxInnerProducts), productsVary: true, minimumProducts: ProductCount(jvp: 3))
    }
    public func scaled(by factor: Double) -> CompetitiveGradient? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireUnconstrained(name, F)
        if linearSolver == .conjugateGradients, !F.problem.isZeroSum {
            throw SolverError.unsupportedProblem(method: "cgd with conjugate gradients", reason: "its inner matrix is symmetric positive definite only on a zero-sum game, and \(F.problem.name) is not one; use GMRES")
        }
        return State(previousStep: nil, secondMoment: adaptive == nil ? nil : .zeros(like: omega), count: 0, innerProducts: 0, lastInnerProducts: 0, unconvergedSolves: 0)
    }

    /// D: the steps per coordinate (constant per player for CGD), advancing ACGD's moments.
    func steps(_ g: BlockVector, _ state: inout State) -> BlockVector {
        var d = BlockVector.zeros(like: g)
        guard let a = adaptive, var v = state.secondMoment else {
            for p in Player.allCases { d.withBlock(p) { $0.fill(stepSize[p]) } }
            return d
        }
        state.count += 1
        v.axpby(1 - a.beta2, BlockVector(flat: g.flat * g.flat, sizes: g.sizes), a.beta2)
        state.secondMoment = v
        let correction = 1 - Double.pow(a.beta2, Double(state.count))
        let root = v.flat.affine(scale: 1 / correction, shift: 0).sqrt().affine(scale: 1, shift: a.epsilon)
        for p in Player.allCases { d.withBlock(p) { $0.fill(stepSize[p]) } }
        return BlockVector(flat: d.flat / root, sizes: g.sizes)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let g = F.field(at: omega)
        let d = steps(g, &state)
        let (dTheta, dPhi) = (d[.generator].copy(), d[.discriminator].copy())
        let root = dTheta.sqrt()
        let here = omega
        var oracle = F
        /// J·(u, v), the oracle counting it.
        func jvp(_ u: Tensor?, _ v: Tensor?) -> BlockVector {
            var t = BlockVector.zeros(like: here)
            if let u { t.withBlock(.generator) { $0.copy(from: u) } }
            if let v { t.withBlock(.discriminator) { $0.copy(from: v) } }
            return oracle.jacobianVectorProduct(at: here, t)
        }
        // b = −S F_θ + S J_θφ D_φ F_φ.
        let rhs = jvp(nil, dPhi * g[.discriminator])[.generator].copy()
        rhs.axpy(-1, g[.generator])
        let b = root * rhs
        // u ↦ u − S J_θφ D_φ J_φθ S u.
        let apply: (Tensor) -> Tensor = { u in
            let inner = dPhi * jvp(root * u, nil)[.discriminator]
            let w = u.copy()
            w.axpy(-1, root * jvp(nil, inner)[.generator])
            return w
        }
        let useCG = linearSolver == .conjugateGradients || (linearSolver == .automatic && F.problem.isZeroSum)
        let solve = useCG ? Krylov.conjugateGradients : Krylov.gmres
        let target = tolerance ?? (omega.dtype == .float32 ? 1e-5 : 1e-10)
        // Under a budget, as many inner iterations as the calls left pay for (2 JVPs each, after 3 JVPs and F).
        let price = F.problem.productCosts.jvp
        let room = F.remainingCalls.map { Int((($0 - 3 * price) / (2 * price)).rounded(.down)) } ?? maxInnerProducts
        let outcome = solve(apply, b, state.previousStep.map { $0[.generator] / root }, target, max(0, min(maxInnerProducts, room)))
        if outcome.relativeResidual > target { state.unconvergedSolves += 1 }
        let stepTheta = root * outcome.solution
        // Δφ = −D_φ(F_φ + J_φθ Δθ).
        let sum = g[.discriminator].copy()
        sum.axpy(1, jvp(stepTheta, nil)[.discriminator])
        let stepPhi = (dPhi * sum).scaled(by: -1)
        F = oracle
        let delta = BlockVector(generator: stepTheta, discriminator: stepPhi)
        omega.axpy(1, delta)
        state.previousStep = delta
        state.innerProducts += outcome.products
        state.lastInnerProducts = outcome.products
    }
}
