import Games

/// Lookahead-minmax around any solver (Chavdarova et al. 2021, "Taming GANs with Lookahead-Minmax",
/// ICLR, Algorithm 1; Zhang et al. 2019 for one player): the base method takes k steps from the slow
/// point ω̃, then both players are pulled back together, ω̃ ← ω̃ + α(ω_k − ω̃), and the base method
/// continues from ω̃. The base's state (Adam's moments) carries over across pull-backs, as in the
/// authors' code (LAGAN `lookahead.py`).
///
/// One iteration here is one step of the base, so the cost is the base's; every k-th iteration ends
/// with the pull-back. ``output(_:_:)`` is the slow point ω̃ (what the paper evaluates); it moves every
/// k iterations. On a linear F = Jω with base map M, k iterations compose to (1 − α)I + αM^k; with
/// GDA of step η on θφ (M = I − ηJ), per eigenvalue ±iσ of J: ρ = |(1 − α) + α(1 ∓ iησ)^k|; at
/// k = 5, α = 0.5 it is below 1 for ησ < 0.7426, where GDA alone diverges (small modes contract iff
/// α < (k − 1)/k). Parameters: k ≥ 1, α ∈ (0, 1] (paper: k = 5, α = 0.5).
public struct Lookahead<Base: Solver>: Solver {
    public struct State: Sendable, Codable {
        public var base: Base.State
        /// ω̃, the slow point.
        public var slow: BlockVector
        /// Base steps since the last pull-back (0 ..< k).
        public var steps: Int
    }
    public let base: Base
    public let period: Int
    public let pullBack: Double

    public init(_ base: Base, period k: Int = 5, pullBack alpha: Double = 0.5) throws {
        guard k >= 1 else { throw SolverError.outOfRange(parameter: "lookahead steps k", value: Double(k), allowed: "integers ≥ 1") }
        guard alpha > 0, alpha <= 1 else { throw SolverError.outOfRange(parameter: "lookahead α", value: alpha, allowed: "(0, 1]") }
        self.base = base
        self.period = k
        self.pullBack = alpha
    }

    public var name: String { base.name }
    public var cost: OracleCost { base.cost }
    public var warnings: [SolverWarning] { base.warnings }
    public func scaled(by factor: Double) -> Lookahead? { base.scaled(by: factor).flatMap { try? Lookahead($0, period: period, pullBack: pullBack) } }
    public func validate(_ state: State, at omega: BlockVector) throws {
        try base.validate(state.base, at: omega)
        try SolverStateValidation.check(state.slow, like: omega)
        guard state.steps < period else { throw SolverStateError(field: "steps", problem: "\(state.steps) is not below k = \(period)") }
    }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(base: try base.makeState(at: omega, &F), slow: omega.copy(), steps: 0)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        try base.step(&omega, &state.base, &F)
        state.steps += 1
        guard state.steps == period else { return }
        // ω̃ ← ω̃ + α(ω_k − ω̃), a convex combination of two points of S; the fast iterate restarts there.
        state.slow.axpby(pullBack, omega, 1 - pullBack)
        omega = state.slow.copy()
        state.steps = 0
    }

    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { state.slow }
}
