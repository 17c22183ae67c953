import Foundation
import Games

/// Iterate averaging around any solver (SPEC §2; Gidel et al. 2019, eqs. 7–8, online form):
/// uniform ω̂_t = (1 − 1/t) ω̂_{t−1} + (1/t) ω_t over ω₁, …, ω_t; exponential ω̂_t = β ω̂_{t−1} + (1 − β) ω_t
/// with ω̂₀ = ω₀ and β ∈ [0, 1) (commonly 0.999), which keeps the weight β^t on the starting point
/// (0.37 after 1,000 steps at β = 0.999); debiased exponential ω̂_t = m_t / (1 − β^t) with
/// m_t = β m_{t−1} + (1 − β) ω_t, m₀ = 0 (Adam's bias correction; optax's `ema(debias=True)`),
/// weights (1 − β)β^{t−i} / (1 − β^t) on ω₁, …, ω_t and none on ω₀ — computed in place as
/// ω̂_t = (1 − w_t) ω̂_{t−1} + w_t ω_t with w_t = (1 − β)/(1 − β^t) (w₁ = 1). The base method runs
/// unchanged; ``output(_:_:)`` is ω̂. No oracle calls of its own.
public struct Averaged<Base: Solver>: Solver {
    public typealias Scheme = AveragingScheme
    public struct State: Sendable, Codable {
        public var base: Base.State
        public var average: BlockVector
        public var count: Int
    }
    public let base: Base
    public let scheme: Scheme

    public init(_ base: Base, scheme: Scheme = .uniform) throws {
        if case .exponential(let beta, _) = scheme, !(beta >= 0 && beta < 1) {
            throw SolverError.outOfRange(parameter: "averaging decay β", value: beta, allowed: "[0, 1)")
        }
        self.base = base
        self.scheme = scheme
    }

    public var name: String { base.name }
    public func scaled(by factor: Double) -> Averaged? { base.scaled(by: factor).flatMap { try? Averaged($0, scheme: scheme) } }
    /// The base's check, then the average's.
    public func validate(_ state: State, at omega: BlockVector) throws {
        try base.validate(state.base, at: omega)
        try SolverStateValidation.check(state.average, like: omega)
    }
    public var cost: OracleCost { base.cost }
    public var warnings: [SolverWarning] { base.warnings }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(base: try base.makeState(at: omega, &F), average: omega.copy(), count: 0)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        try base.step(&omega, &state.base, &F)
        let point = base.output(omega, state.base)
        state.count += 1
        switch scheme {
        case .uniform: state.average.axpby(1 / Double(state.count), point, 1 - 1 / Double(state.count))
        case .exponential(let beta, let debiased):
            if debiased {
                let w = (1 - beta) / (1 - Foundation.pow(beta, Double(state.count)))
                state.average.axpby(w, point, 1 - w)
            } else {
                state.average.axpby(1 - beta, point, beta)
            }
        }
    }

    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { state.average }
}

/// How ``Averaged`` weighs the iterates: uniformly, or by an exponential moving average with decay
/// β ∈ [0, 1), from ω₀ or debiased (no weight on ω₀; see ``Averaged``).
public enum AveragingScheme: Sendable, Equatable, CustomStringConvertible {
    case uniform
    case exponential(decay: Double, debiased: Bool = false)
    public var description: String {
        switch self {
        case .uniform: return "uniform"
        case .exponential(let b, let debiased): return debiased ? "ema(\(b), debiased)" : "ema(\(b))"
        }
    }
}
