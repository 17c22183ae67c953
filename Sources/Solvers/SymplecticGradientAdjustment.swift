import Games

/// SGA, symplectic gradient adjustment with sign alignment (Balduzzi et al. 2018, "The Mechanics of
/// n-Player Differentiable Games", ICML, Algorithm 1): with ξ = F(ω), J its Jacobian and
/// A = (J − Jᵀ)/2 the antisymmetric part, the step follows ξ_λ = ξ + λAᵀξ, Aᵀξ = (Jᵀξ − Jξ)/2, and
/// with alignment λ = λ₀ · sign(⟨ξ, ∇H⟩⟨Aᵀξ, ∇H⟩/d + ε), ∇H = Jᵀξ the gradient of H = ½‖ξ‖²,
/// d = dim ω (ε = 0.1, as the authors' notebook; λ₀ > 0, default 1). Without alignment λ = λ₀.
///
/// Unconstrained problems only. The displacement is the step rule's for ξ_λ (``GradientStep``:
/// ω ← ω − η ξ_λ; the authors ran it under RMSProp), so SGA composes with every rule. Cost: one evaluation of F, one JVP and one
/// VJP, on the same minibatch. On θφ with λ = 1 (alignment gives +1 there: ⟨ξ, Jᵀξ⟩ = 0) the map is
/// (1 − η)I − ηJ, ρ² = (1 − η)² + η², < 1 for 0 < η < 1, where simultaneous GDA diverges.
public struct SymplecticGradientAdjustment<Rule: StepRule>: Solver {
    public struct State: Sendable, Codable {
        public var rule: Rule.State
        /// λ of the latest step (±λ₀), for reports.
        public var lastSign: Double
    }
    public private(set) var rule: Rule
    public let adjustment: Double
    public let aligned: Bool
    public let alignmentEpsilon: Double

    public init(rule: Rule, adjustment: Double = 1, aligned: Bool = true, alignmentEpsilon: Double = 0.1) throws {
        guard adjustment > 0, adjustment.isFinite else { throw SolverError.outOfRange(parameter: "SGA λ", value: adjustment, allowed: "(0, ∞)") }
        guard alignmentEpsilon >= 0, alignmentEpsilon.isFinite else { throw SolverError.outOfRange(parameter: "SGA alignment ε", value: alignmentEpsilon, allowed: "[0, ∞)") }
        self.rule = rule
        self.adjustment = adjustment
        self.aligned = aligned
        self.alignmentEpsilon = alignmentEpsilon
    }

    public var name: String { SolverKind.sga.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 1, products: ProductCount(jvp: 1, vjp: 1)) }
    public func scaled(by factor: Double) -> Self? { withScaledRule(self, \.rule, by: factor) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireUnconstrained(name, F)
        return State(rule: rule.makeState(like: omega), lastSign: adjustment)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let xi = F.field(at: omega)
        let jXi = F.jacobianVectorProduct(at: omega, xi)
        let jtXi = F.vectorJacobianProduct(at: omega, xi)
        let aTXi = BlockVector.linearCombination(0.5, jtXi, -0.5, jXi)
        var lambda = adjustment
        if aligned {
            let alignment = xi.dot(jtXi) * aTXi.dot(jtXi) / Double(omega.count) + alignmentEpsilon
            lambda = alignment >= 0 ? adjustment : -adjustment
        }
        state.lastSign = lambda
        var adjusted = xi
        adjusted.axpy(lambda, aTXi)
        applyDisplacement(&omega, rule: rule, field: adjusted, &state.rule, F)
    }
}

/// Methods analysed only without constraints (SGA, CGD, the anchored methods) refuse any set, in one line.
func requireUnconstrained(_ method: String, _ F: Oracle) throws {
    guard F.domain.isUnconstrained else {
        throw SolverError.unsupportedProblem(method: method, reason: "its theory is for unconstrained problems, and this one is constrained to \(F.domain.description)")
    }
}
