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

/// Runs `solver` on `problem` from ω₀ (default the problem's start), measuring after every step.
///
/// Merits are measured on the solver's output (the average, for averaging methods) with the exact
/// operator, and cost no oracle calls. The run stops at `stopping.iterations`, at the tolerance, at
/// the oracle budget, or when the iterate stops being finite.
public func solve<S: Solver>(_ problem: any VariationalInequality, with solver: S, from start: BlockVector? = nil,
                             seed: UInt64 = 0, stopping: StoppingRule) throws -> SolveResult {
    var F = Oracle(problem, seed: seed)
    var omega = (start ?? problem.initialPoint).copy()
    var state = try solver.makeState(at: omega, &F)
    let star = problem.equilibrium
    let recordPoint = problem.sizes.generator == 1 && problem.sizes.discriminator == 1
    func measure(_ k: Int) -> TrajectoryRecord {
        let out = solver.output(omega, state)
        return TrajectoryRecord(iteration: k, oracleCalls: F.counter.oracleCalls,
                                distance: star.map { out.distance(to: $0) },
                                residual: Merit.residual(of: problem, at: out),
                                gap: problem.dualityGap(at: out),
                                point: recordPoint ? omega.scalars : nil)
    }
    var records = [measure(0)]
    var reason = "iterations"
    func merit(_ r: TrajectoryRecord) -> Double { r.gap ?? r.residual }
    if let tol = stopping.tolerance, merit(records[0]) <= tol { reason = "tolerance" }
    else {
        for k in 1...max(1, stopping.iterations) where stopping.iterations > 0 {
            if let budget = stopping.maxOracleCalls, F.counter.oracleCalls + solver.cost.perIteration > budget + 1e-9 {
                reason = "max-oracle-calls"; break
            }
            try solver.step(&omega, &state, &F)
            let r = measure(k)
            records.append(r)
            if !omega.isFinite { reason = "diverged"; break }
            if let tol = stopping.tolerance, merit(r) <= tol { reason = "tolerance"; break }
        }
    }
    return SolveResult(records: records, lastIterate: omega, output: solver.output(omega, state), counter: F.counter,
                       stopReason: reason, warnings: solver.warnings)
}

/// ``solve(_:with:from:seed:stopping:)`` for a solver known only as `any Solver`.
public func solve(_ problem: any VariationalInequality, withAny solver: any Solver, from start: BlockVector? = nil,
                  seed: UInt64 = 0, stopping: StoppingRule) throws -> SolveResult {
    try solve(problem, with: solver, from: start, seed: seed, stopping: stopping)
}
