import Tensors

/// Where the operator is evaluated: exactly (the expectation E_ξ F(ω, ξ)), or on one minibatch
/// drawn from a seed that the ``Oracle`` supplies, so every draw is reproducible.
public enum SampleRequest: Sendable, Equatable, Codable {
    /// The exact operator F(ω) (for a neural game: the field on its fixed evaluation batch).
    case exact
    /// F(ω, ξ) on a minibatch ξ of `size` samples drawn from `seed`.
    case minibatch(size: Int, seed: UInt64)
}

/// A variational inequality VI(S, F): find ω* ∈ S with ⟨F(ω*), ω − ω*⟩ ≥ 0 for all ω ∈ S (SPEC §1).
///
/// The point ω = (θ, φ) has one block per ``Player``; S = Θ × Φ is the ``domain``. For a game, F is
/// the pseudogradient (∇θ L_G, ∇φ L_D): each player **minimizes** its own loss, and each block holds
/// only that player's own partial gradient (a discriminator term depending on θ still enters the φ
/// block only). Solvers never call ``field(at:blocks:sample:)`` directly: they go through an
/// ``Oracle``, which counts the calls.
public protocol VariationalInequality {
    /// A short name for reports (`bilinear`, `avi-psd`, …).
    var name: String { get }
    /// The number of entries of θ and of φ.
    var sizes: PerPlayer<Int> { get }
    /// The number type of ω (Float64 for closed-form games).
    var dtype: DType { get }
    /// S = Θ × Φ.
    var domain: ProductDomain { get }
    /// The default starting point ω₀ (in S).
    var initialPoint: BlockVector { get }
    /// A known solution ω*, when there is one in closed form.
    var equilibrium: BlockVector? { get }
    /// A Lipschitz constant L of F (exact or an upper bound, said in the type's docs), when known.
    var lipschitzConstant: Double? { get }
    /// Whether F is evaluated on random minibatches (then ``SampleRequest/minibatch(size:seed:)`` is honoured).
    var isStochastic: Bool { get }
    /// The batch size an ``Oracle`` uses unless told otherwise.
    var defaultBatchSize: Int { get }
    /// F(ω) restricted to `blocks`; blocks not asked for are returned as zeros.
    func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector
    /// The duality (Nikaido–Isoda) gap max_φ L(θ̂, φ) − min_θ L(θ, φ̂) of a zero-sum game on a bounded
    /// set, when it has a closed form; nil otherwise.
    func dualityGap(at omega: BlockVector) -> Double?
    /// J(ω)·v, J = ∂F/∂ω of F(·, ξ) on the minibatch `sample` asks for (SPEC §4): autodiff for a
    /// ``DifferentiableGame``, exact for an ``AffineGame``, central differences by default. Solvers
    /// ask through their ``Oracle``, which charges ``productCosts``.
    func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector
    /// Jᵀu on the minibatch `sample` asks for.
    func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector
    /// What a product costs in oracle calls, and how it is computed.
    var productCosts: ProductCosts { get }
    /// Whether F = (∇θ f, −∇φ f) for one saddle function f (a zero-sum game), so the off-diagonal
    /// blocks of J satisfy J_φθ = −J_θφᵀ everywhere. CGD solves its linear system by conjugate
    /// gradients only then. Default false: claim it only when it holds by construction.
    var isZeroSum: Bool { get }
}

extension VariationalInequality {
    public var equilibrium: BlockVector? { nil }
    public var lipschitzConstant: Double? { nil }
    public var isStochastic: Bool { false }
    public var defaultBatchSize: Int { 1 }
    public var dtype: DType { .float64 }
    public var isZeroSum: Bool { false }
    public func dualityGap(at omega: BlockVector) -> Double? { nil }

    /// The exact F(ω) on both blocks, without counting (for merit functions and tests only).
    public func exactField(at omega: BlockVector) -> BlockVector {
        field(at: omega, blocks: Player.both, sample: .exact)
    }
}

/// A game: a VI whose operator is the pseudogradient of the players' losses.
public protocol Game: VariationalInequality {
    /// (L_G(θ, φ), L_D(θ, φ)), each minimized by its player.
    func losses(at omega: BlockVector) -> PerPlayer<Double>
}

/// A VI given by a closure: the way to define a small game in a few lines.
///
/// ```swift
/// let game = VectorFieldGame(name: "rotation", start: BlockVector(generator: [1], discriminator: [1]),
///                            equilibrium: BlockVector(generator: [0], discriminator: [0])) { w in
///     BlockVector(generator: [w[.discriminator][0]], discriminator: [-w[.generator][0]])
/// }
/// ```
public struct VectorFieldGame: VariationalInequality {
    public let name: String
    public let initialPoint: BlockVector
    public let equilibrium: BlockVector?
    public let domain: ProductDomain
    public let lipschitzConstant: Double?
    let operator_: (BlockVector) -> BlockVector

    /// - Parameters:
    ///   - start: ω₀; its block sizes and dtype define the game's.
    ///   - field: F(ω) on both blocks.
    public init(name: String, start: BlockVector, equilibrium: BlockVector? = nil, domain: ProductDomain = .unconstrained,
                lipschitz: Double? = nil, field: @escaping (BlockVector) -> BlockVector) {
        self.name = name
        self.initialPoint = start
        self.equilibrium = equilibrium
        self.domain = domain
        self.lipschitzConstant = lipschitz
        self.operator_ = field
    }

    public var sizes: PerPlayer<Int> { initialPoint.sizes }
    public var dtype: DType { initialPoint.dtype }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        var f = operator_(omega)
        for p in Player.allCases where !blocks.contains(p) { f.withBlock(p) { $0.fill(0) } }
        return f
    }
}
