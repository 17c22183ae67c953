import Games

/// EFTP, extrapolation from the past (Popov 1980; Gidel et al. 2019, arXiv:1802.10551, eqs. 20–21):
/// ω̄_k = P(ω_k + Δ(g_{k−1})), g_k = F(ω̄_k), ω_{k+1} = P(ω_k + Δ(g_k)), Δ = −αg for ``GradientStep``.
/// One oracle call per iteration; the state keeps g_{k−1}.
///
/// First step (SPEC §2): by default g₋₁ := F(ω₀), one extra call at start (Gidel et al.'s proof,
/// ω₋₂ = ω₋₁ = ω₀). ``FirstStep/skipExtrapolation`` is Gidel et al.'s code instead: no stored
/// gradient, so ω̄₀ = ω₀ and the first iteration is a plain FB step, with no extra call.
/// With ``Adam`` this is Past-Extra-Adam (Algorithm 4, option 2): the stored gradient is fed to the
/// moments again at the extrapolation, so the clock advances at both half-steps.
///
/// On linear F = Jω, per eigenvalue λ of J with a = αλ, the iteration's roots solve
/// r² − (1 − 2a)r − a = 0; on θφ it converges iff α < 1/√3, fastest at α = 0.5 (double root 1/√2).
/// For μ-strongly monotone, L-Lipschitz F and α = 1/(4L): ‖ω_t − ω*‖² ≤ (1 − μ/(4L))ᵗ‖ω₀ − ω*‖²
/// (Gidel et al., Thm 1; a bound on the squared distance).
public struct ExtrapolationFromThePast<Rule: StepRule>: Solver {
    public typealias FirstStep = ExtrapolationFirstStep
    public struct State: Sendable, Codable {
        /// g_{k−1} = F(ω̄_{k−1}); nil before the first field under `.skipExtrapolation`.
        public var previousField: BlockVector?
        public var rule: Rule.State
    }
    public private(set) var rule: Rule
    public let firstStep: FirstStep
    public let kind: SolverKind
    public var name: String { kind.rawValue }
    public func scaled(by factor: Double) -> Self? { withScaledRule(self, \.rule, by: factor) }

    /// - Parameter kind: `.eftp` (default) or `.pastExtraAdam`.
    public init(rule: Rule, firstStep: FirstStep = .fieldAtStart, kind: SolverKind = .eftp) {
        self.rule = rule
        self.firstStep = firstStep
        self.kind = kind
    }

    public var cost: OracleCost { OracleCost(perIteration: 1, initialization: firstStep == .fieldAtStart ? 1 : 0) }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(previousField: firstStep == .fieldAtStart ? F.field(at: omega) : nil, rule: rule.makeState(like: omega))
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        var leading = omega
        if let g = state.previousField { applyDisplacement(&leading, rule: rule, field: g, &state.rule, F) }
        let g = F.field(at: leading)
        state.previousField = g
        applyDisplacement(&omega, rule: rule, field: g, &state.rule, F)
    }
}

/// EFTP's first step (SPEC §2): g₋₁ := F(ω₀) (default, one extra call) or no first extrapolation.
public enum ExtrapolationFirstStep: String, Sendable, CaseIterable, Codable {
    case fieldAtStart = "field-at-start"
    case skipExtrapolation = "skip-extrapolation"
}

/// OGDA, optimistic gradient (Rakhlin & Sridharan 2013; Daskalakis et al. 2018, arXiv:1711.00141):
/// ω_{k+1} = P(ω_k + 2Δ_k − Δ_{k−1}), Δ_k = Δ(F(ω_k)); for ``GradientStep``
/// ω_{k+1} = P(ω_k − 2αF(ω_k) + αF(ω_{k−1})). One oracle call per iteration.
///
/// With ``Adam`` it is Optimistic Adam; Adam's ``Adam/previousMoments`` picks the bias-corrected
/// (default) or raw previous moments (SPEC §2). First step: ``OptimisticFirstStep`` (default
/// Δ₋₁ := Δ₀, a plain first step, matching EFTP's g₋₁ := F(ω₀): unconstrained, OGDA's iterates
/// are then EFTP's extrapolated points, ω^OGDA_{k+1} = ω̄^EFTP_k).
public struct OptimisticGradient<Rule: StepRule>: Solver {
    public struct State: Sendable, Codable {
        /// Δ_{k−1}.
        public var previousDisplacement: BlockVector?
        public var rule: Rule.State
    }
    public private(set) var rule: Rule
    public let firstStep: OptimisticFirstStep
    public let kind: SolverKind
    public var name: String { kind.rawValue }
    public func scaled(by factor: Double) -> Self? { withScaledRule(self, \.rule, by: factor) }

    /// - Parameter kind: `.ogda` (default) or `.optimisticAdam`.
    public init(rule: Rule, firstStep: OptimisticFirstStep = .repeatFirst, kind: SolverKind = .ogda) {
        self.rule = rule
        self.firstStep = firstStep
        self.kind = kind
    }

    public var cost: OracleCost { OracleCost(perIteration: 1) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(previousDisplacement: nil, rule: rule.makeState(like: omega))
    }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let d = rule.optimisticDisplacement(for: F.field(at: omega), &state.rule, previous: &state.previousDisplacement, firstStep: firstStep)
        applyDisplacement(&omega, d, F)
    }
}
