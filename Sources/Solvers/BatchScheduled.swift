import Games

/// Any solver with a minibatch-size schedule (SPEC §2, issue 8): before iteration k it sets the
/// oracle's batch size to N_k from ``BatchSchedule``, then runs the base method unchanged. Every
/// oracle call of iteration k draws N_k samples (EG's two calls draw N_k each, 2N_k in all).
///
/// SRFB takes its schedule directly (``RelaxedForwardBackward/batchSchedule``); this wrapper gives
/// the same schedules, with the same indexing, to FB/SGD, EG, EFTP, OGDA and the Adam family.
/// No oracle calls of its own; on an exact oracle it changes nothing.
public struct BatchScheduled<Base: Solver>: Solver {
    public struct State: Sendable, Codable {
        public var base: Base.State
        /// k, the number of steps taken.
        public var iteration: Int
    }
    public let base: Base
    public let schedule: BatchSchedule

    public init(_ base: Base, schedule: BatchSchedule) throws {
        try schedule.validate()
        self.base = base
        self.schedule = schedule
    }

    public var name: String { base.name }
    public func scaled(by factor: Double) -> BatchScheduled? { base.scaled(by: factor).flatMap { try? BatchScheduled($0, schedule: schedule) } }
    public func validate(_ state: State, at omega: BlockVector) throws {
        try base.validate(state.base, at: omega)
        guard state.iteration >= 0 else { throw SolverStateError(field: "iteration", problem: "\(state.iteration) is negative") }
    }
    public var cost: OracleCost { base.cost }
    public var warnings: [SolverWarning] { base.warnings }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        F.batchSize = schedule.size(at: 0)
        return State(base: try base.makeState(at: omega, &F), iteration: 0)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        F.batchSize = schedule.size(at: state.iteration)
        try base.step(&omega, &state.base, &F)
        state.iteration += 1
    }

    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { base.output(omega, state.base) }
}

extension SolverConfiguration {
    /// `base` under ``batchSchedule`` when one is set and the method does not take it itself (SRFB does).
    func scheduled(_ base: any Solver) throws -> any Solver {
        guard let schedule = batchSchedule, kind != .srfb, kind != .averagedSRFB else { return base }
        return try wrapScheduled(base, schedule)
    }

    func wrapScheduled<S: Solver>(_ s: S, _ schedule: BatchSchedule) throws -> any Solver {
        try BatchScheduled(s, schedule: schedule)
    }
}
