import Games
import Tensors
import RealModule

/// x ⊙ exp(−η g), renormalized to sum 1, computed stably (shifting the exponent by its maximum).
func multiplicativeWeights(_ x: Tensor, _ g: Tensor, _ eta: Double) {
    let xs = x.scalars, gs = g.scalars
    var logits = [Double](repeating: 0, count: xs.count)
    var top = -Double.infinity
    for i in 0..<xs.count {
        logits[i] = xs[i] > 0 ? Double.log(xs[i]) - eta * gs[i] : -.infinity
        top = max(top, logits[i])
    }
    var total = 0.0
    for i in 0..<xs.count { logits[i] = Double.exp(logits[i] - top); total += logits[i] }
    for i in 0..<xs.count { x[i] = logits[i] / total }
}

func requireSimplices(_ F: Oracle, _ method: String) throws {
    guard F.domain.sets.generator is Simplex, F.domain.sets.discriminator is Simplex else {
        throw SolverError.unsupportedDomain(method: method, required: "a simplex", found: F.domain.description)
    }
}

/// The uniform average (1/k) Σ xᵢ of the k points a mirror method has output so far: its state.
public struct RunningAverage: Sendable, Codable {
    public var average: BlockVector
    public var count: Int

    /// Adds a point: average ← average + (x − average)/k.
    mutating func include(_ x: BlockVector) {
        count += 1
        average.axpby(1 / Double(count), x, 1 - 1 / Double(count))
    }
}

/// Entropic mirror descent on a finite game (multiplicative weights; SPEC §5):
/// ω_{k+1} ∝ ω_k ⊙ exp(−η F(ω_k)) per player, i.e. p⁺ ∝ p ⊙ exp(η Aᵀq), q⁺ ∝ q ⊙ exp(η(a − Ap)).
/// One oracle call per iteration. The output is the uniform average of the points where F was
/// evaluated, (1/T) Σ_{k<T} ω_k, whose duality gap is O(log n/(ηT) + ηL²) — O(1/√T) with
/// η = √(2 log n/T)/max|A_ij| (Nemirovski & Yudin 1983; Beck & Teboulle 2003). η > 0 per player.
public struct MirrorDescent: Solver {
    public typealias State = RunningAverage
    public private(set) var stepSize: PerPlayer<Double>

    public init(stepSize: PerPlayer<Double>) throws {
        try validateStepSize(stepSize)
        self.stepSize = stepSize
    }

    public var kind: SolverKind { .mirrorDescent }
    public func scaled(by factor: Double) -> MirrorDescent? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public var name: String { kind.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 1) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireSimplices(F, "mirror-descent")
        return State(average: omega.copy(), count: 0)
    }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        state.include(omega)
        let g = F.field(at: omega)
        for p in Player.allCases { omega.withBlock(p) { multiplicativeWeights($0, g[p], stepSize[p]) } }
    }
    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { state.average }
}

/// Entropic mirror-prox (Nemirovski 2004; SPEC §5): the leading point ω̃ ∝ ω_k ⊙ exp(−η F(ω_k)),
/// then ω_{k+1} ∝ ω_k ⊙ exp(−η F(ω̃)) — each player's real step against the leading opponent.
/// Two oracle calls per iteration. The output is the uniform average of the leading points,
/// whose duality gap is O(1/(ηT)) for η ≤ 1/max|A_ij| (the ℓ₁→ℓ∞ Lipschitz constant). η > 0 per player.
public struct MirrorProx: Solver {
    public typealias State = RunningAverage
    public private(set) var stepSize: PerPlayer<Double>

    public init(stepSize: PerPlayer<Double>) throws {
        try validateStepSize(stepSize)
        self.stepSize = stepSize
    }

    public var kind: SolverKind { .mirrorProx }
    public func scaled(by factor: Double) -> MirrorProx? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public var name: String { kind.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 2) }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State {
        try requireSimplices(F, "mirror-prox")
        return State(average: omega.copy(), count: 0)
    }
    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let g = F.field(at: omega)
        var leading = omega.copy()
        for p in Player.allCases { leading.withBlock(p) { multiplicativeWeights($0, g[p], stepSize[p]) } }
        let gl = F.field(at: leading)
        for p in Player.allCases { omega.withBlock(p) { multiplicativeWeights($0, gl[p], stepSize[p]) } }
        state.include(leading)
    }
    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { state.average }
}
