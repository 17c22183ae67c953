import Games
import Tensors

/// How a ``LangevinSampler`` scales its drift and its noise, per coordinate.
public enum LangevinPreconditioner: Sendable, Equatable, Codable, CustomStringConvertible {
    /// G = I: plain SGLD.
    case identity
    /// RMSProp-preconditioned SGLD (pSGLD; Li, Chen, Carlson & Carin, AAAI 2016, arXiv:1512.07666):
    /// V ← ρV + (1−ρ) g ⊙ g, G = diag(1 ⊘ (λ + √V)), with ρ = `decay` ∈ [0, 1) and λ = `epsilon` > 0.
    case rmsprop(decay: Double, epsilon: Double)

    /// pSGLD with Li et al.'s ρ = 0.99 and λ = 1e-5.
    public static let rmspropDefault = LangevinPreconditioner.rmsprop(decay: 0.99, epsilon: 1e-5)

    public var description: String {
        switch self {
        case .identity: return "identity"
        case .rmsprop(let rho, let lambda): return "rmsprop(decay: \(rho), epsilon: \(lambda))"
        }
    }
}

/// The memory of a Langevin chain: the noise stream and, when preconditioned, RMSProp's V.
/// A value type (`Codable`), so a chain resumes from a checkpoint bit for bit.
public struct LangevinState: Sendable, Codable, Equatable {
    /// The stream the Gaussian noise ξ is drawn from (Philox; see ``RandomGenerator``).
    public var generator: RandomGenerator
    /// RMSProp's V, one entry per coordinate, in Float64; empty until the first preconditioned step.
    public var secondMoment: [Double]

    /// A fresh chain whose noise comes from `seed`.
    public init(seed: UInt64) {
        self.init(generator: RandomGenerator(seed: seed))
    }

    /// A fresh chain whose noise comes from `generator`.
    public init(generator: RandomGenerator) {
        self.generator = generator
        self.secondMoment = []
    }
}

/// Checkpoints: with a ``TensorArchive`` in the coder's `userInfo` (as ``BlockVector`` does), V goes
/// to the archive as a Float64 tensor named by the coding path, and the JSON keeps that name; without
/// one, or when V is still empty, V is a JSON array (also how earlier checkpoints stored it). A
/// network's worth of V as JSON made every checkpoint of a Mirror-GAN training on MNIST a
/// megabyte-sized metadata string.
extension LangevinState {
    private enum CodingKeys: String, CodingKey { case generator, secondMoment, archived }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        generator = try c.decode(RandomGenerator.self, forKey: .generator)
        if let archive = decoder.userInfo[.tensorArchive] as? TensorArchive, let name = try c.decodeIfPresent(String.self, forKey: .archived) {
            let t = try archive.tensor(name)
            guard t.dtype == .float64, t.rank == 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "tensor \(name) is not a rank-1 float64 V"))
            }
            secondMoment = t.scalars
        } else {
            secondMoment = try c.decode([Double].self, forKey: .secondMoment)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generator, forKey: .generator)
        if let archive = encoder.userInfo[.tensorArchive] as? TensorArchive, !secondMoment.isEmpty {
            let name = TensorArchive.name(of: encoder.codingPath) + ".second_moment"
            archive.store(name, Tensor(secondMoment, shape: [secondMoment.count], dtype: .float64))
            try c.encode(name, forKey: .archived)
        } else {
            try c.encode(secondMoment, forKey: .secondMoment)
        }
    }
}

/// Stochastic gradient Langevin dynamics (Welling & Teh, ICML 2011) with step γ and thermal noise ε
/// (SPEC §5, paper 2's sampler):
///
///     x ← x − γ ∇U(x) + √(2γ) · ε · ξ,        ξ ∼ N(0, I),
///
/// whose stationary law, as γ → 0, is π(x) ∝ exp(−U(x)/ε²) (ε = 1: the Gibbs measure e^{−U}). For a
/// fixed γ the chain is the unadjusted Langevin algorithm: its law is biased by O(γ) (for a Gaussian
/// target with curvature a, the stationary variance is ε²/(a(1 − γa/2)) instead of ε²/a).
///
/// **Preconditioned** (``LangevinPreconditioner/rmsprop(decay:epsilon:)``), the exact update is, per
/// coordinate i, with g = ∇U(x) evaluated at the current x:
///
///     Vᵢ ← ρVᵢ + (1−ρ) gᵢ²          (Vᵢ := gᵢ² at the chain's first step: no zero start)
///     Gᵢ = 1/(λ + √Vᵢ)
///     xᵢ ← xᵢ − γ Gᵢ gᵢ + √(2γ Gᵢ) · ε · ξᵢ
///
/// **Correction term.** Li et al.'s exact pSGLD adds γ Γ(x) with Γᵢ = ∂Gᵢ/∂xᵢ; like their own
/// experiments (and every public pSGLD implementation we know of) we drop it (Γ := 0). V depends on
/// the chain's past rather than on x, so Γ is not even well defined for this G; its effect vanishes
/// as ρ → 1, when G becomes a constant matrix, and the bias it leaves is measured in the tests.
/// The first step sets V to g² instead of (1−ρ)g², so a coordinate is never scaled by 1/λ at once.
///
/// **Numbers.** The update is computed in Float64 coordinate by coordinate (no fused multiply-add,
/// a fixed order) and rounded to the tensor's dtype; the noise is ``RandomGenerator/fillNormal(_:mean:std:)``
/// in Float64, so the same state gives the same bits on every machine, for Float32 and Float64 alike.
public struct LangevinSampler: Sendable, Equatable {
    /// γ > 0.
    public let stepSize: Double
    /// ε ≥ 0 (0: gradient descent, or RMSProp for the preconditioned sampler).
    public let thermalNoise: Double
    public let preconditioner: LangevinPreconditioner

    /// - Throws: ``SolverError/outOfRange(parameter:value:allowed:)`` naming the bad parameter.
    public init(stepSize: Double, thermalNoise: Double = 1, preconditioner: LangevinPreconditioner = .identity) throws {
        guard stepSize > 0 && stepSize.isFinite else {
            throw SolverError.outOfRange(parameter: "SGLD step γ", value: stepSize, allowed: "(0, ∞)")
        }
        guard thermalNoise >= 0 && thermalNoise.isFinite else {
            throw SolverError.outOfRange(parameter: "thermal noise ε", value: thermalNoise, allowed: "[0, ∞)")
        }
        if case .rmsprop(let rho, let lambda) = preconditioner {
            guard rho >= 0 && rho < 1 else { throw SolverError.outOfRange(parameter: "pSGLD decay ρ", value: rho, allowed: "[0, 1)") }
            guard lambda > 0 && lambda.isFinite else {
                throw SolverError.outOfRange(parameter: "pSGLD epsilon λ", value: lambda, allowed: "(0, ∞)")
            }
        }
        self.stepSize = stepSize
        self.thermalNoise = thermalNoise
        self.preconditioner = preconditioner
    }

    /// One step in place: `x` (any shape, contiguous) moves by the update above, `gradient` = ∇U(x)
    /// having been evaluated at the current `x` (same count). Draws `x.count` normals when ε > 0.
    public func step(_ x: Tensor, gradient g: Tensor, _ state: inout LangevinState) {
        ensure(g.count == x.count, "LangevinSampler.step: gradient of \(g.count) entries for a point of \(x.count)")
        let n = x.count
        var xi = [Double](repeating: 0, count: n)
        if thermalNoise > 0 {
            xi.withUnsafeMutableBufferPointer { state.generator.fillNormal($0, mean: 0, std: 1) }
        }
        let noiseScale = (2 * stepSize).squareRoot() * thermalNoise
        let grad = g.scalars
        var delta = [Double](repeating: 0, count: n)
        switch preconditioner {
        case .identity:
            for i in 0..<n { delta[i] = -stepSize * grad[i] + noiseScale * xi[i] }
        case .rmsprop(let rho, let lambda):
            if state.secondMoment.count != n {
                ensure(state.secondMoment.isEmpty, "LangevinSampler.step: a V of \(state.secondMoment.count) entries for a point of \(n)")
                state.secondMoment = grad.map { $0 * $0 }
            } else {
                for i in 0..<n { state.secondMoment[i] = rho * state.secondMoment[i] + (1 - rho) * (grad[i] * grad[i]) }
            }
            for i in 0..<n {
                let G = 1 / (lambda + state.secondMoment[i].squareRoot())
                delta[i] = -stepSize * G * grad[i] + (G.squareRoot() * noiseScale) * xi[i]
            }
        }
        addInPlace(x, delta)
    }

    /// Runs `steps` steps from the current `x` (a warm start: `x` is the chain's first point and its
    /// last on return), calling `gradient(x)` once per step and `observe(k, x)` after step k = 1…`steps`.
    public func run(_ x: Tensor, steps: Int, _ state: inout LangevinState, gradient: (Tensor) -> Tensor,
                    observe: ((Int, Tensor) -> Void)? = nil) {
        ensure(steps >= 0, "LangevinSampler.run: \(steps) steps")
        guard steps > 0 else { return }
        for k in 1...steps {
            step(x, gradient: gradient(x), &state)
            observe?(k, x)
        }
    }
}

/// x ← x + δ, entry by entry in Float64, rounded to x's dtype.
func addInPlace(_ x: Tensor, _ delta: [Double]) {
    switch x.dtype {
    case .float64:
        let p = x.f64
        for i in 0..<delta.count { p[i] = p[i] + delta[i] }
    case .float32:
        let p = x.f32
        for i in 0..<delta.count { p[i] = Float(Double(p[i]) + delta[i]) }
    }
}

/// Paper 2's exponential damping of a chain's average (the "mean approximation", SPEC §5): starting
/// from a point x̄₀ (the chain's warm start), every new chain point x_k enters as
/// x̄ ← (1−β) x̄ + β x_k, β ∈ (0, 1]. The average is kept in Float64. β = 1 keeps the last point only.
public struct ExponentialChainAverage: Sendable, Codable, Equatable {
    /// β ∈ (0, 1]: the weight of the newest point.
    public let damping: Double
    public private(set) var average: [Double]
    /// Points included so far (the start is not counted).
    public private(set) var count: Int

    /// Starts at `start` (x̄₀).
    public init(start: Tensor, damping: Double) {
        ensure(damping > 0 && damping <= 1, "ExponentialChainAverage: β = \(damping) outside (0, 1]")
        self.damping = damping
        self.average = start.scalars
        self.count = 0
    }

    /// x̄ ← (1−β) x̄ + β x.
    public mutating func include(_ x: Tensor) {
        ensure(x.count == average.count, "ExponentialChainAverage.include: \(x.count) entries for an average of \(average.count)")
        let xs = x.scalars
        for i in 0..<xs.count { average[i] = (1 - damping) * average[i] + damping * xs[i] }
        count += 1
    }
}
