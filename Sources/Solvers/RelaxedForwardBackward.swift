import Games
import RealModule

/// Minibatch sizes N_k for stochastic methods (Franci & Grammatico 2020).
public enum BatchSchedule: Sendable, Equatable, CustomStringConvertible {
    /// N_k = N (≥ 1): SRFB then stalls at a floor ∝ λσ²/N; averaged SRFB's gap decays to it.
    case constant(Int)
    /// N_k = min(cap, ⌈c (k + k₀)^(a+1)⌉) with c > 0, k₀ ≥ 1, a > 0 and an optional cap ≥ 1: without a
    /// cap Σ 1/N_k < ∞, the exact-convergence regime; a cap bounds the cost of one call (the schedule is
    /// then constant from the iteration where it reaches the cap on, and the floor returns, ∝ 1/cap).
    case growing(c: Double, k0: Double, a: Double, cap: Int? = nil)

    /// Checks the ranges above.
    public func validate() throws {
        switch self {
        case .constant(let n):
            if n < 1 { throw SolverError.outOfRange(parameter: "batch size", value: Double(n), allowed: "integers ≥ 1") }
        case .growing(let c, let k0, let a, let cap):
            if let cap, cap < 1 { throw SolverError.outOfRange(parameter: "batch cap", value: Double(cap), allowed: "integers ≥ 1") }
            if !(c > 0 && c.isFinite) { throw SolverError.outOfRange(parameter: "batch growth c", value: c, allowed: "(0, ∞)") }
            if !(k0 >= 1 && k0.isFinite) { throw SolverError.outOfRange(parameter: "batch offset k0", value: k0, allowed: "[1, ∞)") }
            if !(a > 0 && a.isFinite) { throw SolverError.outOfRange(parameter: "batch exponent a", value: a, allowed: "(0, ∞)") }
        }
    }

    /// N_k.
    public func size(at k: Int) -> Int {
        switch self {
        case .constant(let n): return n
        case .growing(let c, let k0, let a, let cap):
            let n = Int(min((c * Double.pow(Double(k) + k0, a + 1)).rounded(.up), 1e9))
            return cap.map { min($0, n) } ?? n
        }
    }

    public var description: String {
        switch self {
        case .constant(let n): return "constant(\(n))"
        case .growing(let c, let k0, let a, let cap): return "growing(c: \(c), k0: \(k0), a: \(a)" + (cap.map { ", cap: \($0))" } ?? ")")
        }
    }
}

/// SRFB, the stochastic relaxed forward–backward method (Franci & Grammatico 2020, arXiv:2003.13637,
/// after Malitsky's golden-ratio algorithm, arXiv:1803.08832):
/// ω̄_k = (1 − δ)ω_k + δω̄_{k−1},  ω_{k+1} = P(ω̄_k − λ F̂(ω_k)),  ω̄₋₁ := ω₀.
///
/// F is evaluated at ω_k but the step starts from ω̄_k (SPEC §2; swapping them gives a different
/// method that diverges on θφ). One oracle call per iteration, on a minibatch of N_k samples
/// (``BatchSchedule``). Parameters: δ ∈ [0, 1) (error otherwise; the theory's range is [0.618, 1),
/// 1/golden ratio, and values below it produce a warning); λ > 0 per player (deterministic bound
/// λ ≤ 1/(2δL); the stochastic analysis asks for about 1/(2δ(2δ+1)L), unverified).
/// On θφ with δ = 0.618…: spectral radius of (ω_k, ω̄_{k−1}) ↦ (ω_{k+1}, ω̄_k) is 0.9558332219 at
/// λ = 0.5; divergent for λ > 2 sin 36°.
///
/// `averaged: true` is averaged SRFB (Franci & Grammatico, arXiv:2010.10013): a fixed batch, and the
/// output is the ergodic average (1/K) Σ_{k=1..K} ω_k.
public struct RelaxedForwardBackward: Solver {
    public struct State: Sendable, Codable {
        /// ω̄_{k−1}.
        public var relaxedPoint: BlockVector
        /// k, the number of steps taken.
        public var iteration: Int
        /// (1/K) Σ ω_k, when averaged.
        public var average: BlockVector?
    }
    /// 1/golden ratio, the lower end of the theory's δ range.
    public static let inverseGoldenRatio = 0.6180339887498949

    public let relaxation: Double
    public private(set) var stepSize: PerPlayer<Double>
    public let batchSchedule: BatchSchedule?
    public let averaged: Bool

    /// - Parameters:
    ///   - relaxation: δ ∈ [0, 1), default 1/golden ratio.
    ///   - batchSchedule: N_k; nil keeps the oracle's batch size.
    public init(relaxation: Double = RelaxedForwardBackward.inverseGoldenRatio, stepSize: PerPlayer<Double>,
                batchSchedule: BatchSchedule? = nil, averaged: Bool = false) throws {
        guard relaxation >= 0 && relaxation < 1 else {
            throw SolverError.outOfRange(parameter: "relaxation δ", value: relaxation, allowed: "[0, 1) (SRFB's relaxation)")
        }
        try validateStepSize(stepSize)
        try batchSchedule?.validate()
        self.relaxation = relaxation
        self.stepSize = stepSize
        self.batchSchedule = batchSchedule
        self.averaged = averaged
    }

    public var kind: SolverKind { averaged ? .averagedSRFB : .srfb }
    public func scaled(by factor: Double) -> RelaxedForwardBackward? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public var name: String { kind.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 1) }
    public var warnings: [SolverWarning] {
        relaxation < Self.inverseGoldenRatio - 1e-12
            ? [SolverWarning("relaxation δ = \(relaxation) is below 0.618 (1/golden ratio): outside SRFB's convergence theory, [0.618, 1)")]
            : []
    }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        State(relaxedPoint: omega.copy(), iteration: 0, average: averaged ? BlockVector.zeros(like: omega) : nil)
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        var relaxed = BlockVector.linearCombination(1 - relaxation, omega, relaxation, state.relaxedPoint)
        if let schedule = batchSchedule { F.batchSize = schedule.size(at: state.iteration) }
        let g = F.field(at: omega)
        relaxed.axpy(stepSize.map { -$0 }, g)
        F.project(&relaxed)
        state.relaxedPoint = BlockVector.linearCombination(1 - relaxation, omega, relaxation, state.relaxedPoint)
        omega = relaxed
        state.iteration += 1
        if var avg = state.average {
            avg.axpby(1 / Double(state.iteration), omega, 1 - 1 / Double(state.iteration))
            state.average = avg
        }
    }

    /// ω itself, or the average once there is one (before the first step the average is empty,
    /// and the output is the start point).
    public func output(_ omega: BlockVector, _ state: State) -> BlockVector {
        state.iteration == 0 ? omega : (state.average ?? omega)
    }
}
