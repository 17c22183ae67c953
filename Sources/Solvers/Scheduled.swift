import Games

/// A step-size schedule: the factor on a method's step sizes at iteration k (counted from 1).
public protocol StepSizeSchedule: Sendable, CustomStringConvertible {
    func factor(atIteration k: Int) -> Double
}

/// α_k = α for k ≤ a, falling linearly to f·α at k = b, then f·α: factor 1 − (1 − f)(k − a)/(b − a)
/// on (a, b). Absolute iterations, so the schedule does not depend on the run's length and a
/// resumed run continues exactly.
public struct LinearDecay: StepSizeSchedule, Equatable {
    public let start: Int
    public let end: Int
    public let final: Double

    /// - Throws: ``SolverError/outOfRange(parameter:value:allowed:)`` unless 0 ≤ start ≤ end and 0 < final ≤ 1.
    public init(start: Int, end: Int, final: Double) throws {
        guard start >= 0, end >= start else {
            throw SolverError.outOfRange(parameter: "decay end", value: Double(end), allowed: "≥ the decay start \(start) ≥ 0")
        }
        guard final > 0, final <= 1 else { throw SolverError.outOfRange(parameter: "final decay factor", value: final, allowed: "(0, 1]") }
        self.start = start
        self.end = end
        self.final = final
    }

    public func factor(atIteration k: Int) -> Double {
        guard k > start else { return 1 }
        guard k < end else { return final }
        return 1 - (1 - final) * Double(k - start) / Double(end - start)
    }

    public var description: String { "linear-decay(from \(start) to \(end), final ×\(final))" }
}

/// Any method under a step-size schedule (optax's `inject_hyperparams` / schedules, as a wrapper):
/// iteration k runs the base method with its step sizes multiplied by the schedule's factor
/// (``Solver/scaled(by:)``), so the base keeps its own state unchanged and nothing is rebuilt by
/// the caller. Scaling copies the method's parameters (a few numbers; Mirror-GAN's samplers), not
/// its state. No oracle calls of its own.
public struct Scheduled<Base: Solver>: Solver {
    public struct State: Sendable, Codable {
        public var base: Base.State
        /// k, the iterations taken.
        public var iteration: Int
    }
    public let base: Base
    public let schedule: any StepSizeSchedule

    /// - Throws: ``SolverError`` when the base method has no step size to scale.
    public init(_ base: Base, schedule: any StepSizeSchedule) throws {
        guard base.scaled(by: 1) != nil else {
            throw SolverError.outOfRange(parameter: "step-size schedule on \(base.name)", value: 1, allowed: "methods with a step size")
        }
        self.base = base
        self.schedule = schedule
    }

    public var name: String { base.name }
    public var cost: OracleCost { base.cost }
    public var warnings: [SolverWarning] { base.warnings }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(base: try base.makeState(at: omega, &F), iteration: 0)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let factor = schedule.factor(atIteration: state.iteration + 1)
        let method = factor == 1 ? base : (base.scaled(by: factor) ?? base)
        try method.step(&omega, &state.base, &F)
        state.iteration += 1
    }

    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { base.output(omega, state.base) }

    public func validate(_ state: State, at omega: BlockVector) throws {
        try base.validate(state.base, at: omega)
        guard state.iteration >= 0 else { throw SolverStateError(field: "iteration", problem: "\(state.iteration) is negative") }
    }

    public func scaled(by factor: Double) -> Scheduled? { base.scaled(by: factor).flatMap { try? Scheduled($0, schedule: schedule) } }
}
