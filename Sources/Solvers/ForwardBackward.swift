import Games

/// FB, forward–backward (simultaneous projected gradient): ω_{k+1} = P(ω_k + Δ(F(ω_k))), with
/// Δ = −α F for ``GradientStep``; with ``Adam`` or ``RMSProp`` it is the per-player Adam / RMSProp
/// baseline, and on a stochastic oracle it is SGD. One oracle call per iteration.
///
/// On θφ: ‖ω_{k+1}‖² = (1 + α²)‖ω_k‖², divergent for every α > 0 (Gidel et al. 2019, Prop. 1).
/// For μ-strongly monotone, L-Lipschitz F it converges for 0 < α < 2μ/L².
public struct ForwardBackward<Rule: StepRule>: Solver {
    public struct State: Sendable, Codable { public var rule: Rule.State }
    public private(set) var rule: Rule
    public let kind: SolverKind
    public var name: String { kind.rawValue }
    public func scaled(by factor: Double) -> Self? { withScaledRule(self, \.rule, by: factor) }

    /// - Parameter kind: `.fb` (default), `.sgd`, `.adam` or `.rmsprop` — the name the run reports.
    public init(rule: Rule, kind: SolverKind = .fb) {
        self.rule = rule
        self.kind = kind
    }

    public var cost: OracleCost { OracleCost(perIteration: 1) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State(rule: rule.makeState(like: omega)) }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        applyDisplacement(&omega, rule: rule, field: F.field(at: omega), &state.rule, F)
    }
}

/// Alternating GDA with k discriminator steps per generator step (SPEC §2):
/// φ ← P(φ − α_φ F_φ(θ, φ)) k times, then θ ← P(θ − α_θ F_θ(θ, φ)) at the new φ.
///
/// Each evaluation computes one block only (half an oracle call), so an iteration costs (k+1)/2 calls.
/// On θφ the iteration matrix is [[1 − kα², −α], [kα, 1]] with determinant 1: bounded and
/// non-convergent for 0 < α < 2/√k, divergent beyond (Gidel et al. 2019, Prop. 1, for k = 1).
/// Parameters: α > 0 per player, k ≥ 1 (default 1).
public struct AlternatingGradient: Solver {
    public struct State: Sendable, Codable {}
    public private(set) var stepSize: PerPlayer<Double>
    public let discriminatorSteps: Int

    public init(stepSize: PerPlayer<Double>, discriminatorSteps: Int = 1) throws {
        try validateStepSize(stepSize)
        guard discriminatorSteps >= 1 else {
            throw SolverError.outOfRange(parameter: "discriminator steps", value: Double(discriminatorSteps), allowed: "integers ≥ 1")
        }
        self.stepSize = stepSize
        self.discriminatorSteps = discriminatorSteps
    }

    public var kind: SolverKind { .alternatingGDA }
    public var name: String { kind.rawValue }
    public func scaled(by factor: Double) -> AlternatingGradient? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public var cost: OracleCost { OracleCost(perIteration: Double(discriminatorSteps + 1) / 2) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State() }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        for _ in 0..<discriminatorSteps { update(.discriminator, &omega, &F) }
        update(.generator, &omega, &F)
    }

    func update(_ player: Player, _ omega: inout BlockVector, _ F: inout Oracle) {
        let g = F.field(at: omega, blocks: [player])
        omega.withBlock(player) { $0.axpy(-stepSize[player], g[player]) }
        F.project(&omega, player: player)
    }
}

/// EG, extragradient (Korpelevich 1976): ω̄ = P(ω_k + Δ(F(ω_k))), ω_{k+1} = P(ω_k + Δ(F(ω̄))),
/// Δ = −αF for ``GradientStep`` (two oracle calls per iteration, a fresh minibatch for each).
/// With ``Adam`` it is Extra-Adam (Gidel et al. 2019, arXiv:1802.10551, Algorithm 4, option 1): the
/// moments and the clock advance at both half-steps.
///
/// On θφ: ‖ω_{k+1}‖² = (1 − α² + α⁴)‖ω_k‖², convergent for 0 < α < 1 (Gidel et al., Prop. 2); for
/// monotone L-Lipschitz F it converges for α < 1/L.
public struct ExtraGradient<Rule: StepRule>: Solver {
    public struct State: Sendable, Codable { public var rule: Rule.State }
    public private(set) var rule: Rule
    public let kind: SolverKind
    public var name: String { kind.rawValue }
    public func scaled(by factor: Double) -> Self? { withScaledRule(self, \.rule, by: factor) }

    /// - Parameter kind: `.eg` (default) or `.extraAdam`.
    public init(rule: Rule, kind: SolverKind = .eg) {
        self.rule = rule
        self.kind = kind
    }

    public var cost: OracleCost { OracleCost(perIteration: 2) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State(rule: rule.makeState(like: omega)) }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        var leading = omega
        applyDisplacement(&leading, rule: rule, field: F.field(at: omega), &state.rule, F)
        applyDisplacement(&omega, rule: rule, field: F.field(at: leading), &state.rule, F)
    }
}
