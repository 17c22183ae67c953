import Games

/// Anchored extragradient methods: each step pulls toward the start z₀ with a weight β_k that
/// vanishes like 1/k, which gives a last-iterate rate ‖F(z_k)‖² = O(1/k²) on monotone, L-Lipschitz F
/// (EG's last iterate has O(1/k)):
///
///     z_{k+½} = z_k + β_k(z₀ − z_k) − a_k F(z_k),    z_{k+1} = z_k + β_k(z₀ − z_k) − α_k F(z_{k+½}).
///
/// - ``Variant/constant``, EAG-C (Yoon & Ryu 2021, ICML, "Accelerated algorithms for smooth
///   convex-concave minimax problems with O(1/k²) rate on squared gradient norm", Theorem 2):
///   β_k = 1/(k + 2), a_k = α_k = α ∈ (0, 1/(8L)];
///   ‖F(z_k)‖² ≤ 4(1 + αL + α²L²)/(α²(1 + αL)) · ‖z₀ − z*‖²/(k + 1)² (≈ 260L²‖z₀ − z*‖²/(k + 1)² at α = 1/(8L)).
/// - ``Variant/varying``, EAG-V (same paper, Theorem 1): β_k = 1/(k + 2), a_k = α_k with α₀ ∈ (0, 3/(4L)) and
///   α_{k+1} = α_k(1 − (k + 2)²α_k²L²/((k + 1)(k + 3)))/(1 − α_k²L²), decreasing to α_∞ > 0;
///   ‖F(z_k)‖² ≤ 4(1 + α₀α_∞L²)/α_∞² · ‖z₀ − z*‖²/((k + 1)(k + 2)) (at α₀ = 0.618/L: α_∞ = 0.4365/L, a constant of 26.65L²).
/// - ``Variant/fast``, FEG (Lee & Kim 2021, NeurIPS, "Fast extra gradient methods for smooth
///   structured nonconvex-nonconcave minimax problems", Theorem 4.1 with ρ = 0): β_k = 1/(k + 1),
///   a_k = (1 − β_k)α, α_k = α = 1/L; ‖F(z_k)‖² ≤ 4L²‖z₀ − z*‖²/k² for k ≥ 1 (attained on θφ).
///
/// Two oracle calls per iteration; unconstrained problems only (the theorems have no projection).
/// The step α (α₀ for EAG-V) is the caller's; the CLI's default is each theorem's, from L. EAG-V's
/// recursion needs L itself: ``lipschitz``, or the problem's own.
public struct AnchoredExtraGradient: Solver {
    public enum Variant: String, Sendable, Codable { case constant = "eag-c", varying = "eag-v", fast = "feg" }
    public struct State: Sendable, Codable {
        /// z₀, the anchor.
        public var anchor: BlockVector
        /// k, iterations taken.
        public var k: Int
        /// α_k (EAG-V's varying step; the constant α otherwise).
        public var alpha: Double
    }
    public let variant: Variant
    public let stepSize: Double
    /// L, which EAG-V's recursion needs (nil: the problem's).
    public let lipschitz: Double?

    public init(_ variant: Variant, stepSize: Double, lipschitz: Double? = nil) throws {
        try validateStepSize(PerPlayer(stepSize))
        if let L = lipschitz, !(L > 0 && L.isFinite) { throw SolverError.outOfRange(parameter: "L", value: L, allowed: "(0, ∞)") }
        self.variant = variant
        self.stepSize = stepSize
        self.lipschitz = lipschitz
    }

    public var name: String { variant.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 2) }
    public func scaled(by factor: Double) -> AnchoredExtraGradient? { try? AnchoredExtraGradient(variant, stepSize: stepSize * factor, lipschitz: lipschitz) }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireUnconstrained(name, F)
        if variant == .varying {
            guard let L = lipschitz ?? F.problem.lipschitzConstant else {
                throw SolverError.unsupportedProblem(method: name, reason: "its step recursion needs L, and \(F.problem.name) does not know its Lipschitz constant")
            }
            guard stepSize * L < 0.75 else {
                throw SolverError.outOfRange(parameter: "EAG-V's first step times L (α₀·L, α₀ = \(stepSize), L = \(L))", value: stepSize * L, allowed: "(0, 0.75), where its step recursion stays positive")
            }
        }
        return State(anchor: omega.copy(), k: 0, alpha: stepSize)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let k = Double(state.k)
        let beta = variant == .fast ? 1 / (k + 1) : 1 / (k + 2)
        let alpha = state.alpha
        let a = variant == .fast ? (1 - beta) * alpha : alpha
        // z_k + β(z₀ − z_k), shared by both half-steps.
        var anchored = omega.copy()
        anchored.axpby(beta, state.anchor, 1 - beta)
        var half = anchored.copy()
        half.axpy(-a, F.field(at: omega))
        anchored.axpy(-alpha, F.field(at: half))
        omega = anchored
        if variant == .varying, let L = lipschitz ?? F.problem.lipschitzConstant {
            let x = alpha * alpha * L * L
            state.alpha = alpha / (1 - x) * (1 - (k + 2) * (k + 2) * x / ((k + 1) * (k + 3)))
        }
        state.k += 1
    }
}
