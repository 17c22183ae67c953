import Games
import Tensors
import RealModule

/// A step rule: a field value g in, a displacement Δ out (optax's `update`). A scheme
/// (EG, EFTP, OGDA, FB) decides where g is evaluated and where Δ is applied, so Extra-Adam is
/// `ExtraGradient(rule: Adam(…))` and its moments advance at both half-steps with no special case.
public protocol StepRule: Sendable {
    associatedtype State: Sendable & Codable
    func makeState(like omega: BlockVector) -> State
    /// Δ for the field value `g`, advancing the rule's state (moments, clock).
    func displacement(for g: BlockVector, _ state: inout State) -> BlockVector
    /// The optimistic displacement 2Δ_t − Δ_{t−1} (SPEC §2, OGDA / Optimistic Adam); `previous` holds
    /// Δ_{t−1} (nil at the first step, where `firstStep` decides).
    func optimisticDisplacement(for g: BlockVector, _ state: inout State, previous: inout BlockVector?,
                                firstStep: OptimisticFirstStep) -> BlockVector
    /// A one-line description of the rule's resolved parameters, for run configs.
    var parameters: [(String, String)] { get }
    /// The rule with its step size α multiplied by `factor` (nil by default: no step size).
    func scaled(by factor: Double) -> Self?
    /// ω ← ω + Δ(g), advancing the state: by default with the displacement of
    /// ``displacement(for:_:)``; a rule may do it in one pass (``GradientStep``: ω − αg).
    func move(_ omega: inout BlockVector, along g: BlockVector, _ state: inout State)
}

/// What the optimistic correction uses at the first step, where no previous field exists.
public enum OptimisticFirstStep: String, Sendable, CaseIterable {
    /// Δ₋₁ := Δ₀, so the first step is a plain step ω₁ = P(ω₀ + Δ₀) (optax's convention, issue #1082;
    /// the same g₋₁ := F(ω₀) as EFTP's, SPEC §2). Default.
    case repeatFirst = "repeat-first"
    /// Δ₋₁ := 0, so the first step is ω₁ = P(ω₀ + 2Δ₀) (Gidel et al.'s `optim/omd.py`).
    case zero
}

extension StepRule {
    public func scaled(by factor: Double) -> Self? { nil }
    public func move(_ omega: inout BlockVector, along g: BlockVector, _ state: inout State) {
        omega.axpy(1, displacement(for: g, &state))
    }

    public func optimisticDisplacement(for g: BlockVector, _ state: inout State, previous: inout BlockVector?,
                                       firstStep: OptimisticFirstStep) -> BlockVector {
        let d = displacement(for: g, &state)
        let prev = previous ?? (firstStep == .repeatFirst ? d : BlockVector.zeros(like: d))
        previous = d
        return BlockVector.linearCombination(2, d, -1, prev)
    }
}

/// Δ = −α g, per player: the plain gradient step (α > 0; no state).
public struct GradientStep: StepRule {
    public struct State: Sendable, Codable {}
    public private(set) var stepSize: PerPlayer<Double>

    /// - Throws: ``SolverError/outOfRange(parameter:value:allowed:)`` unless every α > 0 is finite.
    public init(stepSize: PerPlayer<Double>) throws {
        try validateStepSize(stepSize)
        self.stepSize = stepSize
    }
    public init(stepSize: Double) throws { try self.init(stepSize: PerPlayer(stepSize)) }

    public func makeState(like omega: BlockVector) -> State { State() }
    public func displacement(for g: BlockVector, _ state: inout State) -> BlockVector {
        var d = g
        d.scale(by: stepSize.map { -$0 })
        return d
    }
    public var parameters: [(String, String)] { [("step_size", "\(stepSize)")] }
    public func scaled(by factor: Double) -> GradientStep? { var r = self; r.stepSize = stepSize.map { $0 * factor }; return r }
    /// ω ← ω − αg in one pass per player.
    public func move(_ omega: inout BlockVector, along g: BlockVector, _ state: inout State) {
        omega.axpy(stepSize.map { -$0 }, g)
    }
}

/// Adam (Kingma & Ba 2015, arXiv:1412.6980), per entry:
/// t ← t + 1; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; Δ = −α m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
///
/// Parameters: α > 0 per player (no default in the library; the CLI uses 1e-3), β₁ ∈ [0, 1)
/// (default 0.9), β₂ ∈ [0, 1) (default 0.999), ε > 0 (default 1e-8). The clock t advances on every
/// call to ``displacement(for:_:)``, so inside EG/EFTP it advances at both half-steps (Gidel et al.
/// 2019, Algorithm 4: bias-correction exponents 2t−1 and 2t).
///
/// Optimistic Adam (Daskalakis et al. 2018, arXiv:1711.00141) uses ``previousMoments``:
/// `.biasCorrected` (default; Gidel et al.'s `optim/omd.py`): ω ← ω − 2α m̂_t/(√v̂_t+ε) + α m̂_{t−1}/(√v̂_{t−1}+ε);
/// `.raw` (Daskalakis et al.'s code): with lr_t = α√(1−β₂ᵗ)/(1−β₁ᵗ),
/// ω ← ω − 2 lr_t m_t/(√v_t+ε) + lr_t m_{t−1}/(√v_{t−1}+ε), raw previous moments (zero at t = 1).
public struct Adam: StepRule {
    public enum PreviousMoments: String, Sendable, CaseIterable { case biasCorrected = "bias-corrected", raw }
    public struct State: Sendable, Codable {
        public var firstMoment: BlockVector
        public var secondMoment: BlockVector
        /// The number of displacements taken so far.
        public var count: Int
    }
    public private(set) var stepSize: PerPlayer<Double>
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let previousMoments: PreviousMoments

    public init(stepSize: PerPlayer<Double>, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                previousMoments: PreviousMoments = .biasCorrected) throws {
        try validateStepSize(stepSize)
        guard beta1 >= 0 && beta1 < 1 else { throw SolverError.outOfRange(parameter: "beta1", value: beta1, allowed: "[0, 1)") }
        guard beta2 >= 0 && beta2 < 1 else { throw SolverError.outOfRange(parameter: "beta2", value: beta2, allowed: "[0, 1)") }
        guard epsilon > 0 && epsilon.isFinite else { throw SolverError.outOfRange(parameter: "epsilon", value: epsilon, allowed: "(0, ∞)") }
        self.stepSize = stepSize; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.previousMoments = previousMoments
    }

    public func makeState(like omega: BlockVector) -> State {
        State(firstMoment: .zeros(like: omega), secondMoment: .zeros(like: omega), count: 0)
    }

    func advance(_ g: BlockVector, _ state: inout State) {
        state.count += 1
        state.firstMoment.axpby(1 - beta1, g, beta1)
        state.secondMoment.axpby(1 - beta2, BlockVector(flat: g.flat * g.flat, sizes: g.sizes), beta2)
    }

    /// −scale[p] · m/(√v + ε) per block, for given (possibly raw) moments.
    func ratio(_ m: BlockVector, _ v: BlockVector, mScale: Double, vScale: Double, rate: PerPlayer<Double>) -> BlockVector {
        let denominator = v.flat.scaled(by: vScale).sqrt().affine(scale: 1, shift: epsilon)
        var d = BlockVector(flat: m.flat.scaled(by: mScale) / denominator, sizes: m.sizes)
        d.scale(by: rate.map { -$0 })
        return d
    }

    /// advance, then ratio with the bias corrections — fused into one pass per block
    /// (``Tensors/Tensor/adamStep(firstMoment:secondMoment:displacement:beta1:beta2:mScale:vScale:epsilon:scale:)``,
    /// the same bits).
    public func displacement(for g: BlockVector, _ state: inout State) -> BlockVector {
        var d = BlockVector(flat: Tensor(uninitialized: g.flat.shape, dtype: g.flat.dtype), sizes: g.sizes)
        fusedStep(g, &state, &d, moving: false)
        return d
    }

    /// ω ← ω + Δ(g) in one pass per block, Δ never stored (the same bits as ``displacement(for:_:)``
    /// followed by `omega.axpy(1, Δ)`): EFTP and EG move by Adam twice per iteration.
    public func move(_ omega: inout BlockVector, along g: BlockVector, _ state: inout State) {
        fusedStep(g, &state, &omega, moving: true)
    }

    /// The clock and moments advanced and Δ formed in one pass per block: Δ written to `target`,
    /// or with `moving` added to it.
    private func fusedStep(_ g: BlockVector, _ state: inout State, _ target: inout BlockVector, moving: Bool) {
        state.count += 1
        let t = Double(state.count)
        let mScale = 1 / (1 - Double.pow(beta1, t)), vScale = 1 / (1 - Double.pow(beta2, t))
        state.firstMoment.makeUnique()
        state.secondMoment.makeUnique()
        for p in Player.allCases {
            let (m, v, rate) = (state.firstMoment[p], state.secondMoment[p], -stepSize[p])
            target.withBlock(p) { out in
                if moving {
                    g[p].adamStep(firstMoment: m, secondMoment: v, moving: out, beta1: beta1, beta2: beta2,
                                  mScale: mScale, vScale: vScale, epsilon: epsilon, scale: rate)
                } else {
                    g[p].adamStep(firstMoment: m, secondMoment: v, displacement: out, beta1: beta1, beta2: beta2,
                                  mScale: mScale, vScale: vScale, epsilon: epsilon, scale: rate)
                }
            }
        }
    }

    public func optimisticDisplacement(for g: BlockVector, _ state: inout State, previous: inout BlockVector?,
                                       firstStep: OptimisticFirstStep) -> BlockVector {
        guard previousMoments == .raw else {
            let d = displacement(for: g, &state)
            let prev = previous ?? (firstStep == .repeatFirst ? d : BlockVector.zeros(like: d))
            previous = d
            return BlockVector.linearCombination(2, d, -1, prev)
        }
        let mPrev = state.firstMoment.copy(), vPrev = state.secondMoment.copy()
        advance(g, &state)
        let t = Double(state.count)
        let lr = stepSize.map { $0 * (1 - Double.pow(beta2, t)).squareRoot() / (1 - Double.pow(beta1, t)) }
        let current = ratio(state.firstMoment, state.secondMoment, mScale: 1, vScale: 1, rate: lr)
        let past = ratio(mPrev, vPrev, mScale: 1, vScale: 1, rate: lr)
        return BlockVector.linearCombination(2, current, -1, past)
    }

    public var parameters: [(String, String)] {
        [("step_size", "\(stepSize)"), ("beta1", "\(beta1)"), ("beta2", "\(beta2)"), ("epsilon", "\(epsilon)"),
         ("previous_moments", previousMoments.rawValue)]
    }
    public func scaled(by factor: Double) -> Adam? { var r = self; r.stepSize = stepSize.map { $0 * factor }; return r }
}

/// RMSProp (Tieleman & Hinton 2012), per entry: v ← ρv + (1−ρ)g²; Δ = −α g/(√v + ε).
/// α > 0 per player; ρ ∈ [0, 1) (default 0.99, PyTorch's); ε > 0 (default 1e-8). No bias correction.
public struct RMSProp: StepRule {
    public struct State: Sendable, Codable { public var secondMoment: BlockVector }
    public private(set) var stepSize: PerPlayer<Double>
    public let decay: Double
    public let epsilon: Double

    public init(stepSize: PerPlayer<Double>, decay: Double = 0.99, epsilon: Double = 1e-8) throws {
        try validateStepSize(stepSize)
        guard decay >= 0 && decay < 1 else { throw SolverError.outOfRange(parameter: "decay", value: decay, allowed: "[0, 1)") }
        guard epsilon > 0 && epsilon.isFinite else { throw SolverError.outOfRange(parameter: "epsilon", value: epsilon, allowed: "(0, ∞)") }
        self.stepSize = stepSize; self.decay = decay; self.epsilon = epsilon
    }
    public func makeState(like omega: BlockVector) -> State { State(secondMoment: .zeros(like: omega)) }
    public func displacement(for g: BlockVector, _ state: inout State) -> BlockVector {
        state.secondMoment.axpby(1 - decay, BlockVector(flat: g.flat * g.flat, sizes: g.sizes), decay)
        var d = BlockVector(flat: g.flat / state.secondMoment.flat.sqrt().affine(scale: 1, shift: epsilon), sizes: g.sizes)
        d.scale(by: stepSize.map { -$0 })
        return d
    }
    public var parameters: [(String, String)] { [("step_size", "\(stepSize)"), ("decay", "\(decay)"), ("epsilon", "\(epsilon)")] }
    public func scaled(by factor: Double) -> RMSProp? { var r = self; r.stepSize = stepSize.map { $0 * factor }; return r }
}

/// `solver` with its step rule (at `rule`) scaled by `factor` (``Solver/scaled(by:)`` of the
/// schemes whose only step size is their rule's); nil when the rule has no step size.
func withScaledRule<S, R: StepRule>(_ solver: S, _ rule: WritableKeyPath<S, R>, by factor: Double) -> S? {
    guard let scaled = solver[keyPath: rule].scaled(by: factor) else { return nil }
    var copy = solver
    copy[keyPath: rule] = scaled
    return copy
}
