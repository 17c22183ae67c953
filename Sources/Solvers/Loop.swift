import Games
import Tensors

/// Why a loop stopped.
public struct LoopStop: Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    /// The iteration target was reached.
    public static let iterations = LoopStop("iterations")
    /// ω stopped being finite after a step.
    public static let diverged = LoopStop("diverged")
    public var description: String { reason }
}

/// What an observer decides after looking at the loop: go on, or stop with a reason.
public enum LoopDecision: Sendable, Equatable {
    case proceed
    case stop(LoopStop)
}

/// The loop as an observer sees it between iterations.
public struct LoopView {
    /// Iterations taken so far.
    public let iteration: Int
    /// The last iterate ω_k.
    public let omega: BlockVector
    /// The solver's output at ω_k (the average it keeps, or ω_k).
    public let output: BlockVector
    /// The solver's state, type-erased (checkpoint observers encode it).
    public let state: any Sendable & Codable
    /// The oracle: its counter, and the state a checkpoint needs.
    public let oracle: Oracle
    /// The solver's declared cost per iteration, for budgets.
    public let cost: OracleCost
    public var counter: OracleCounter { oracle.counter }
}

/// Watches an ``IterationLoop``: measures, logs, checkpoints, enforces limits. Every hook has a
/// do-nothing default, so an observer implements only what it needs; observers are classes, so
/// they keep what they measure.
public protocol LoopObserver: AnyObject {
    /// Before the first iteration of a run (or of a resumed session).
    func start(_ view: LoopView) throws -> LoopDecision
    /// Before each iteration (budgets: stop before a step that would overspend).
    func willStep(_ view: LoopView) throws -> LoopDecision
    /// After each iteration.
    func didStep(_ view: LoopView) throws -> LoopDecision
    /// When the loop ends, with the reason.
    func finish(_ view: LoopView, stop: LoopStop) throws
}

extension LoopObserver {
    public func start(_ view: LoopView) throws -> LoopDecision { .proceed }
    public func willStep(_ view: LoopView) throws -> LoopDecision { .proceed }
    public func didStep(_ view: LoopView) throws -> LoopDecision { .proceed }
    public func finish(_ view: LoopView, stop: LoopStop) throws {}
}

/// The one iteration loop of Saddle: every run — `saddle solve`, `saddle train`, the studies, the
/// benchmark — is a solver stepping here, with observers around it. A solver's ``Solver/step(_:_:_:)``
/// is called from this type only.
///
/// It holds everything a run needs to continue (the iterate, the solver's state, the oracle with
/// its counter and generator), so stopping and continuing — in one process, or through a
/// checkpoint of those three — gives the bits of an uninterrupted run. After each step it checks
/// that ω is finite and stops with ``LoopStop/diverged`` when it is not.
public struct IterationLoop<S: Solver> {
    public let solver: S
    public private(set) var iteration: Int
    public private(set) var omega: BlockVector
    public private(set) var state: S.State
    public private(set) var oracle: Oracle
    /// A test seam: called with (iteration, ω) right after each step, before the finiteness check
    /// (the divergence guard's test puts a NaN into θ).
    package var afterStep: ((Int, inout BlockVector) -> Void)? = nil

    /// A new run of `solver` on `problem` from `start` (default the problem's ω₀): the solver's
    /// state is made here (it may spend oracle calls).
    public init(_ solver: S, on problem: any VariationalInequality, from start: BlockVector? = nil, seed: UInt64 = 0) throws {
        var oracle = Oracle(problem, seed: seed)
        let omega = (start ?? problem.initialPoint).copy()
        let state = try solver.makeState(at: omega, &oracle)
        self.init(solver, iteration: 0, omega: omega, state: state, oracle: oracle)
    }

    /// A run continued from its parts (a checkpoint).
    public init(_ solver: S, iteration: Int, omega: BlockVector, state: S.State, oracle: Oracle) {
        self.solver = solver
        self.iteration = iteration
        self.omega = omega
        self.state = state
        self.oracle = oracle
    }

    /// Lets the solver see the run's oracle budget (``Oracle/callBudget``); ``OracleBudget`` stops the loop.
    public mutating func limitCalls(to budget: Double?) { oracle.callBudget = budget }

    /// What observers see now.
    public var view: LoopView {
        LoopView(iteration: iteration, omega: omega, output: solver.output(omega, state), state: state, oracle: oracle, cost: solver.cost)
    }

    /// The solver's output at the current iterate.
    public var output: BlockVector { solver.output(omega, state) }

    /// Steps until `iterations` iterations have been taken in all, an observer stops the run, or
    /// ω diverges; observers hear every event in their order. Returns why it stopped.
    @discardableResult
    public mutating func run(until iterations: Int, observers: [any LoopObserver] = []) throws -> LoopStop {
        var stop = LoopStop.iterations
        func ask(_ hook: (any LoopObserver) throws -> LoopDecision) rethrows -> LoopStop? {
            for o in observers { if case .stop(let s) = try hook(o) { return s } }
            return nil
        }
        if let s = try ask({ try $0.start(view) }) { stop = s } else {
            while iteration < iterations {
                if let s = try ask({ try $0.willStep(view) }) { stop = s; break }
                try solver.step(&omega, &state, &oracle)
                iteration += 1
                afterStep?(iteration, &omega)
                if !omega.isFinite { stop = .diverged; break }
                if let s = try ask({ try $0.didStep(view) }) { stop = s; break }
            }
        }
        let final = view
        for o in observers { try o.finish(final, stop: stop) }
        return stop
    }
}

/// Stops the loop before an iteration whose declared cost would take the oracle calls past a budget.
public final class OracleBudget: LoopObserver {
    public let maximumCalls: Double
    public init(maximumCalls: Double) { self.maximumCalls = maximumCalls }
    public func willStep(_ view: LoopView) throws -> LoopDecision {
        // A method with a varying cost sizes its work to the calls left; it needs at least its minimum.
        let next = view.cost.minimumCallsPerIteration(view.oracle.problem.productCosts)
        return view.counter.oracleCalls + next > maximumCalls + 1e-9 ? .stop(LoopStop("max-oracle-calls")) : .proceed
    }
}

/// Calls a closure after every iteration (progress bars, custom measurements).
public final class EveryIteration: LoopObserver {
    let body: (LoopView) throws -> LoopDecision
    public init(_ body: @escaping (LoopView) throws -> LoopDecision) { self.body = body }
    public func didStep(_ view: LoopView) throws -> LoopDecision { try body(view) }
}
