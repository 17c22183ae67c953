import Games
import Tensors

/// CGD, competitive gradient descent (Schäfer & Anandkumar 2019, NeurIPS, arXiv:1905.12103, eq. 4):
/// each player steps to the Nash equilibrium of a bilinear approximation of the game,
///
///     [ I          η_θ J_θφ ] [Δθ]      [η_θ F_θ]
///     [ η_φ J_φθ   I        ] [Δφ]  = − [η_φ F_φ],      ω_{k+1} = ω_k + Δ,
///
/// J_θφ = ∂F_θ/∂φ and J_φθ = ∂F_φ/∂θ the mixed blocks of J at ω_k. Eliminating Δφ leaves
/// (I − η_θη_φ J_θφ J_φθ) Δθ = −η_θ F_θ + η_θη_φ J_θφ F_φ, then Δφ = −η_φ(F_φ + J_φθ Δθ). On a
/// zero-sum game (J_φθ = −J_θφᵀ) the matrix is I + η_θη_φ J_θφ J_θφᵀ, symmetric positive definite:
/// conjugate gradients; otherwise GMRES. Each product with it is two JVPs; the right-hand side and
/// Δφ take one JVP each; the solve starts from the previous Δθ (the authors' warm start) and stops
/// at a relative residual ``tolerance`` or ``maxInnerProducts`` products.
///
/// On the bilinear game F = (Aφ, −Aᵀθ), per singular value σ of A with s = ησ, the step is
/// (θ, φ) ↦ [[1, −s], [s, 1]](θ, φ)/(1 + s²): ρ = 1/√(1 + η²σ²) for every η > 0. Unconstrained only.
public struct CompetitiveGradient: Solver {
    /// How the inner system is solved.
    public enum LinearSolver: String, Sendable, CaseIterable, Codable {
        /// Conjugate gradients on zero-sum games, GMRES otherwise.
        case automatic = "auto"
        case conjugateGradients = "cg"
        case gmres
    }
    public struct State: Sendable, Codable {
        /// The previous step Δ = (Δθ, Δφ); Δθ is the warm start. nil before the first step.
        public var previousStep: BlockVector?
        /// Products with the inner matrix, summed over iterations, and in the latest iteration.
        public var innerProducts: Int
        public var lastInnerProducts: Int
    }
    public private(set) var stepSize: PerPlayer<Double>
    public let linearSolver: LinearSolver
    /// The inner solve's relative residual; nil: 1e-10 in Float64, 1e-5 in Float32 (a neural game's
    /// rounding floor — a tighter target would only spend products).
    public let tolerance: Double?
    public let maxInnerProducts: Int

    public init(stepSize: PerPlayer<Double>, linearSolver: LinearSolver = .automatic, tolerance: Double? = nil, maxInnerProducts: Int = 200) throws {
        try validateStepSize(stepSize)
        if let t = tolerance, !(t > 0 && t < 1) { throw SolverError.outOfRange(parameter: "CGD inner tolerance", value: t, allowed: "(0, 1)") }
        guard maxInnerProducts >= 1 else { throw SolverError.outOfRange(parameter: "CGD inner products", value: Double(maxInnerProducts), allowed: "integers ≥ 1") }
        self.stepSize = stepSize
        self.linearSolver = linearSolver
        self.tolerance = tolerance
        self.maxInnerProducts = maxInnerProducts
    }

    public var name: String { SolverKind.cgd.rawValue }
    /// One F, then at most 2 + 2·(inner products) JVPs.
    public var cost: OracleCost { OracleCost(perIteration: 1, products: ProductCount(jvp: 2 + 2 * maxInnerProducts), productsVary: true) }
    public func scaled(by factor: Double) -> CompetitiveGradient? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireUnconstrained(name, F)
        if linearSolver == .conjugateGradients, !F.problem.isZeroSum {
            throw SolverError.unsupportedProblem(method: "cgd with conjugate gradients", reason: "its inner matrix is symmetric positive definite only on a zero-sum game, and \(F.problem.name) is not one; use GMRES")
        }
        return State(previousStep: nil, innerProducts: 0, lastInnerProducts: 0)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let (a, b) = (stepSize.generator, stepSize.discriminator)
        let g = F.field(at: omega)
        let here = omega
        var oracle = F
        /// J·(u, v), the oracle counting it.
        func jvp(_ u: Tensor?, _ v: Tensor?) -> BlockVector {
            var t = BlockVector.zeros(like: here)
            if let u { t.withBlock(.generator) { $0.copy(from: u) } }
            if let v { t.withBlock(.discriminator) { $0.copy(from: v) } }
            return oracle.jacobianVectorProduct(at: here, t)
        }
        // b = −η_θ F_θ + η_θη_φ J_θφ F_φ.
        let rhs = g[.generator].scaled(by: -a)
        rhs.axpy(a * b, jvp(nil, g[.discriminator])[.generator])
        // v ↦ v − η_θη_φ J_θφ (J_φθ v).
        let apply: (Tensor) -> Tensor = { v in
            let u = jvp(v, nil)[.discriminator].copy()
            let w = v.copy()
            w.axpy(-a * b, jvp(nil, u)[.generator])
            return w
        }
        let useCG = linearSolver == .conjugateGradients || (linearSolver == .automatic && F.problem.isZeroSum)
        let solve = useCG ? Krylov.conjugateGradients : Krylov.gmres
        let target = tolerance ?? (omega.dtype == .float32 ? 1e-5 : 1e-10)
        let outcome = solve(apply, rhs, state.previousStep.map { $0[.generator] }, target, maxInnerProducts)
        let dTheta = outcome.solution
        // Δφ = −η_φ(F_φ + J_φθ Δθ).
        let dPhi = g[.discriminator].copy()
        dPhi.axpy(1, jvp(dTheta, nil)[.discriminator])
        dPhi.scale(by: -b)
        F = oracle
        let delta = BlockVector(generator: dTheta, discriminator: dPhi)
        omega.axpy(1, delta)
        state.previousStep = delta
        state.innerProducts += outcome.products
        state.lastInnerProducts = outcome.products
    }
}
