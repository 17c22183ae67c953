import Games

/// FBF, Tseng's forward–backward–forward splitting (Tseng 2000, SIAM J. Control Optim. 38(2),
/// "A modified forward-backward splitting method for maximal monotone mappings", eq. 2.2 with a
/// constant step): ω̄ = P(ω_k − αF(ω_k)), ω_{k+1} = P_S(ω̄ − α(F(ω̄) − F(ω_k))).
///
/// Two oracle calls per iteration. The second step is a forward correction from ω̄, not a second
/// projection from ω_k as in extragradient; Tseng projects it onto any closed convex C that holds a
/// solution, here C = S, which keeps ω in S. Unconstrained it is extragradient step for step
/// (ω̄ − αF(ω̄) + αF(ω_k) = ω_k − αF(ω̄)); on a set it differs. For monotone, L-Lipschitz F it
/// converges for 0 < α < 1/L (Tseng 2000, Thm 3.4).
public struct ForwardBackwardForward: Solver {
    public struct State: Sendable, Codable {}
    public private(set) var stepSize: PerPlayer<Double>

    public init(stepSize: PerPlayer<Double>) throws {
        try validateStepSize(stepSize)
        self.stepSize = stepSize
    }

    public var name: String { SolverKind.fbf.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 2) }
    public func scaled(by factor: Double) -> ForwardBackwardForward? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State() }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let minus = stepSize.map { -$0 }
        let g = F.field(at: omega)
        var leading = omega.copy()
        leading.axpy(minus, g)
        F.project(&leading)
        let h = F.field(at: leading)
        // ω̄ − α(F(ω̄) − F(ω)), then P.
        leading.axpy(minus, h)
        leading.axpy(stepSize, g)
        F.project(&leading)
        omega = leading
    }
}
