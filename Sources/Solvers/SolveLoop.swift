import Games
import Tensors

/// When a run stops.
public struct StoppingRule: Sendable {
    /// At most this many iterations.
    public var iterations: Int
    /// Stop once the merit (the duality gap when the problem has one, else the residual) is ≤ tol.
    public var tolerance: Double?
    /// Stop before an iteration that would take the oracle calls past this budget.
    public var maxOracleCalls: Double?
    public init(iterations: Int, tolerance: Double? = nil, maxOracleCalls: Double? = nil) {
        self.iterations = iterations
        self.tolerance = tolerance
        self.maxOracleCalls = maxOracleCalls
    }
}

/// One row of a trajectory: measurements of the solver's output after `iteration` steps.
public struct TrajectoryRecord: Sendable {
    public var iteration: Int
    public var oracleCalls: Double
    /// ‖ω̂ − ω*‖ when ω* is known.
    public var distance: Double?
    /// ‖ω̂ − P(ω̂ − F(ω̂))‖ (exact F).
    public var residual: Double
    /// The duality gap, when the problem has one.
    public var gap: Double?
    /// The last iterate ω (not the average), recorded for games with θ, φ ∈ R.
    public var point: [Double]?
}

/// The outcome of ``solve(_:with:from:seed:stopping:)``.
public struct SolveResult: Sendable {
    public var records: [TrajectoryRecord]
    /// The last iterate ω_T and the solver's output (equal unless the method averages).
    public var lastIterate: BlockVector
    public var output: BlockVector
    public var counter: OracleCounter
    public var stopReason: String
    public var warnings: [SolverWarning]

    public var iterations: Int { records.last?.iteration ?? 0 }
    public var initial: TrajectoryRecord { records[0] }
    public var final: TrajectoryRecord { records[records.count - 1] }

    /// SPEC §2's observed rate: the squared-distance factor per iteration (squared-residual factor
    /// when ω* is unknown), fitted over the second half of the run with the 1e3·ε·max(1, ‖ω*‖) cut.
    public func observedRate(equilibriumNorm: Double?, epsilon: Double) -> (factor: Double, of: String)? {
        if let dNorm = equilibriumNorm, records.allSatisfy({ $0.distance != nil }) {
            let floor = ObservedRate.floor(epsilon: epsilon, scale: dNorm)
            return ObservedRate.squaredDistanceFactor(distances: records.map { $0.distance! }, floor: floor).map { ($0, "squared distance") }
        }
        let floor = ObservedRate.floor(epsilon: epsilon, scale: output.norm())
        return ObservedRate.squaredDistanceFactor(distances: records.map(\.residual), floor: floor).map { ($0, "squared residual") }
    }
}

/// Measures the solver's output after every iteration (merits with the exact operator, no oracle
/// calls) and stops the loop at a merit tolerance: the observer behind ``solve(_:with:from:seed:stopping:)``.
public final class MeritRecorder: LoopObserver {
    public let problem: any VariationalInequality
    public let tolerance: Double?
    public private(set) var records: [TrajectoryRecord] = []
    let star: BlockVector?
    let recordPoint: Bool

    public init(_ problem: any VariationalInequality, tolerance: Double? = nil) {
        self.problem = problem
        self.tolerance = tolerance
        star = problem.equilibrium
        recordPoint = problem.sizes.generator == 1 && problem.sizes.discriminator == 1
    }

    func measure(_ v: LoopView) -> TrajectoryRecord {
        TrajectoryRecord(iteration: v.iteration, oracleCalls: v.counter.oracleCalls,
                         distance: star.map { v.output.distance(to: $0) },
                         residual: Merit.residual(of: problem, at: v.output),
                         gap: problem.dualityGap(at: v.output),
                         point: recordPoint ? v.omega.scalars : nil)
    }

    func decide(_ r: TrajectoryRecord) -> LoopDecision {
        records.append(r)
        guard let tol = tolerance, (r.gap ?? r.residual) <= tol else { return .proceed }
        return .stop(LoopStop("tolerance"))
    }

    public func start(_ view: LoopView) throws -> LoopDecision { decide(measure(view)) }
    public func didStep(_ view: LoopView) throws -> LoopDecision { decide(measure(view)) }
    /// A diverged step is recorded too (its merits are not finite).
    public func finish(_ view: LoopView, stop: LoopStop) throws {
        if stop == .diverged { records.append(measure(view)) }
    }
}

/// Runs `solver` on `problem` from ω₀ (default the problem's start), measuring after every step
/// (``MeritRecorder``) on the ``IterationLoop``.
///
/// Merits are measured on the solver's output (the average, for averaging methods) with the exact
/// operator, and cost no oracle calls. The run stops at `stopping.iterations`, at the tolerance, at
/// the oracle budget (``OracleBudget``), or when the iterate stops being finite.
public func solve<S: Solver>(_ problem: any VariationalInequality, with solver: S, from start: BlockVector? = nil,
                             seed: UInt64 = 0, stopping: StoppingRule, observers: [any LoopObserver] = []) throws -> SolveResult {
    var loop = try IterationLoop(solver, on: problem, from: start, seed: seed)
    let merits = MeritRecorder(problem, tolerance: stopping.tolerance)
    var all: [any LoopObserver] = [merits]
    if let budget = stopping.maxOracleCalls {
        all.append(OracleBudget(maximumCalls: budget))
        loop.limitCalls(to: budget)
    }
    let stop = try loop.run(until: max(stopping.iterations, 0), observers: all + observers)
    return SolveResult(records: merits.records, lastIterate: loop.omega, output: loop.output, counter: loop.oracle.counter,
                       stopReason: stop.reason, warnings: solver.warnings)
}

/// ``solve(_:with:from:seed:stopping:observers:)`` for a solver known only as `any Solver`.
public func solve(_ problem: any VariationalInequality, withAny solver: any Solver, from start: BlockVector? = nil,
                  seed: UInt64 = 0, stopping: StoppingRule, observers: [any LoopObserver] = []) throws -> SolveResult {
    try solve(problem, with: solver, from: start, seed: seed, stopping: stopping, observers: observers)
}
