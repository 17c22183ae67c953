import Games
import Tensors

/// aGRAAL, the adaptive golden ratio algorithm (Malitsky 2020, "Golden ratio algorithms for
/// variational inequalities", Math. Program. 184, Algorithm 2): no Lipschitz constant, one oracle
/// call per iteration. With φ ∈ (1, (1 + √5)/2], ρ = 1/φ + 1/φ², λ̄ > 0, and x̄⁰ = x¹, θ₀ = 1:
///
///     λ_k = min{ ρλ_{k−1},  (φθ_{k−1}/(4λ_{k−1})) ‖x^k − x^{k−1}‖² / ‖F(x^k) − F(x^{k−1})‖²,  λ̄ }
///     x̄^k = ((φ − 1)x^k + x̄^{k−1})/φ,   x^{k+1} = P_S(x̄^k − λ_k F(x^k)),   θ_k = φλ_k/λ_{k−1}.
///
/// The first iteration makes x¹ = P_S(x⁰ − λ₀F(x⁰)) from the given first step λ₀ (the step size
/// option), which need not be related to L: the local estimate ‖Δx‖/‖ΔF‖ ≥ 1/L takes over at once,
/// and the steps may then grow by ρ per iteration. Defaults φ = 1.5, λ̄ = 10⁶ (Malitsky's
/// experiments). Converges for monotone, locally Lipschitz F (Theorem 2 there).
public struct AdaptiveGoldenRatio: Solver {
    public struct State: Sendable, Codable {
        /// x^{k−1} and F(x^{k−1}); nil before the first iteration.
        public var previousPoint: BlockVector?
        public var previousField: BlockVector?
        /// x̄^{k−1}, λ_{k−1}, θ_{k−1}.
        public var average: BlockVector?
        public var lambda: Double
        public var theta: Double
    }
    public let firstStep: Double
    public let phi: Double
    public let maxStep: Double

    public init(firstStep: Double, phi: Double = 1.5, maxStep: Double = 1e6) throws {
        try validateStepSize(PerPlayer(firstStep), name: "first step λ₀")
        let golden = (1 + 5.0.squareRoot()) / 2
        // 1.618034 (the golden ratio to 7 digits, as help texts print it) is accepted as the golden ratio.
        guard phi > 1, phi <= 1.618034 else { throw SolverError.outOfRange(parameter: "aGRAAL φ", value: phi, allowed: "(1, 1.618034]") }
        guard maxStep >= firstStep, maxStep.isFinite else { throw SolverError.outOfRange(parameter: "aGRAAL λ̄", value: maxStep, allowed: "[λ₀, ∞)") }
        self.firstStep = firstStep
        self.phi = min(phi, golden)
        self.maxStep = maxStep
    }

    public var name: String { SolverKind.agraal.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 1) }
    public func scaled(by factor: Double) -> AdaptiveGoldenRatio? { try? AdaptiveGoldenRatio(firstStep: firstStep * factor, phi: phi, maxStep: max(maxStep, firstStep * factor)) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(previousPoint: nil, previousField: nil, average: nil, lambda: firstStep, theta: 1)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let g = F.field(at: omega)
        var next: BlockVector
        if let x0 = state.previousPoint, let g0 = state.previousField, let bar = state.average {
            let rho = 1 / phi + 1 / (phi * phi)
            let dx = (omega - x0).norm(), dg = (g - g0).norm()
            // No information when F did not change (or x did not move): the estimate is left out.
            let local = dg > 0 && dx > 0 ? phi * state.theta / (4 * state.lambda) * (dx * dx) / (dg * dg) : .infinity
            let lambda = min(rho * state.lambda, local, maxStep)
            var average = bar
            average.axpby((phi - 1) / phi, omega, 1 / phi)
            next = average.copy()
            next.axpy(-lambda, g)
            state.theta = phi * lambda / state.lambda
            state.lambda = lambda
            state.average = average
        } else {
            next = omega.copy()
            next.axpy(-firstStep, g)
            F.project(&next)
            state.average = next.copy()   // x̄⁰ = x¹
        }
        F.project(&next)
        state.previousPoint = omega.copy()
        state.previousField = g
        omega = next
    }
}
