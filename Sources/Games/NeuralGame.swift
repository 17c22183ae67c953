import Autodiff
import Networks
import Tensors

/// A game between two networks: each player's loss is any differentiable function of both players'
/// parameters (through ``Autodiff``), and F = (∇θ L_G, ∇φ L_D) comes from ``ParameterBuffer/gradient(of:into:)``.
///
/// ```swift
/// let g = MLP([4, 16, 2], hidden: .tanh, dtype: .float64, using: &rng)
/// let d = MLP([2, 16, 1], hidden: .tanh, dtype: .float64, using: &rng)
/// let game = NeuralGame(generator: g.parameters, discriminator: d.parameters, batchSize: 64) { rng, n in
///     let z = Variable(Tensor.normal([n, 4], dtype: .float64, using: &rng))
///     let x = Variable(Tensor.normal([n, 2], mean: 1, dtype: .float64, using: &rng))
///     let fake = d(g(z)), real = d(x)
///     return (generator: (-fake).softplus().mean(),
///             discriminator: (-real).softplus().mean() + fake.softplus().mean())
/// }
/// ```
/// The closure draws its own minibatch from the generator it is given: a fresh seed per oracle call
/// when stochastic, or the fixed ``evaluationSeed`` for the "exact" field (merits, the residual), so
/// the exact field of a neural game is its field on one fixed evaluation batch of `batchSize`.
/// ω's blocks are copied into the two buffers before each evaluation, so the networks always see ω.
public final class NeuralGame: Game {
    public typealias Losses = (_ rng: inout RandomGenerator, _ batchSize: Int) -> (generator: Variable, discriminator: Variable)

    public let name: String
    public let generatorParameters: ParameterBuffer
    public let discriminatorParameters: ParameterBuffer
    public let domain: ProductDomain
    public let defaultBatchSize: Int
    public let evaluationSeed: UInt64
    public let isStochastic: Bool
    public let initialPoint: BlockVector
    let lossFunction: Losses
    /// Compute the two players' blocks of F on two threads (each with its own reverse sweep).
    /// Bit-identical to the serial evaluation; keep single-threaded BLAS (`BLAS.threads = 1`, Saddle's
    /// start), since the two sweeps then use one core each.
    public var concurrentBlocks = false

    /// - Parameters:
    ///   - generator, discriminator: the players' parameter buffers; their current values are ω₀.
    ///   - batchSize: minibatch size (default 64). stochastic: draw a new minibatch per call (default true).
    ///   - domain: S (default unconstrained; a box on φ is WGAN's clipping).
    public init(name: String = "neural", generator: ParameterBuffer, discriminator: ParameterBuffer, batchSize: Int = 64,
                stochastic: Bool = true, evaluationSeed: UInt64 = 0x5eed, domain: ProductDomain = .unconstrained,
                losses: @escaping Losses) {
        ensure(generator.dtype == discriminator.dtype, "NeuralGame: players of \(generator.dtype) and \(discriminator.dtype)")
        self.name = name
        self.generatorParameters = generator
        self.discriminatorParameters = discriminator
        self.defaultBatchSize = batchSize
        self.isStochastic = stochastic
        self.evaluationSeed = evaluationSeed
        self.domain = domain
        self.lossFunction = losses
        self.initialPoint = BlockVector(generator: generator.flat, discriminator: discriminator.flat)
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: generatorParameters.count, discriminator: discriminatorParameters.count) }
    public var dtype: DType { generatorParameters.dtype }

    func load(_ omega: BlockVector) {
        generatorParameters.flat.copy(from: omega[.generator])
        discriminatorParameters.flat.copy(from: omega[.discriminator])
    }

    func evaluate(_ omega: BlockVector, _ sample: SampleRequest) -> (generator: Variable, discriminator: Variable) {
        load(omega)
        var rng: RandomGenerator
        let n: Int
        switch sample {
        case .exact: rng = RandomGenerator(seed: evaluationSeed); n = defaultBatchSize
        case .minibatch(let size, let seed): rng = RandomGenerator(seed: seed); n = size
        }
        return lossFunction(&rng, n)
    }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        let (lg, ld) = evaluate(omega, sample)
        let f = BlockVector(zeros: sizes, dtype: dtype)
        let (fg, fd) = (f[.generator], f[.discriminator])  // views into f's fresh buffer
        runConcurrently(concurrentBlocks && blocks.count == 2,
                        { if blocks.contains(.generator) { self.generatorParameters.gradient(of: lg, into: fg) } },
                        { if blocks.contains(.discriminator) { self.discriminatorParameters.gradient(of: ld, into: fd) } })
        return f
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let (lg, ld) = GradientRecording.withoutRecording { evaluate(omega, .exact) }
        return PerPlayer(generator: lg.scalar, discriminator: ld.scalar)
    }
}

/// A stochastic oracle made from an exact one: F(ω, ξ) = F(ω) + σ ξ̄ with ξ̄ the mean of N i.i.d.
/// N(0, I) draws (variance σ²/N per entry), the additive-noise regime of SPEC §6.
public struct AdditiveNoise: VariationalInequality {
    public let base: any VariationalInequality
    /// σ ≥ 0.
    public let noiseLevel: Double
    public let defaultBatchSize: Int

    public init(_ base: any VariationalInequality, noiseLevel sigma: Double, batchSize: Int = 1) {
        ensure(sigma >= 0 && batchSize >= 1, "AdditiveNoise: σ = \(sigma), batch \(batchSize)")
        self.base = base
        self.noiseLevel = sigma
        self.defaultBatchSize = batchSize
    }

    public var name: String { base.name + "+noise" }
    public var sizes: PerPlayer<Int> { base.sizes }
    public var dtype: DType { base.dtype }
    public var domain: ProductDomain { base.domain }
    public var initialPoint: BlockVector { base.initialPoint }
    public var equilibrium: BlockVector? { base.equilibrium }
    public var lipschitzConstant: Double? { base.lipschitzConstant }
    public var isZeroSum: Bool { base.isZeroSum }
    public var isStochastic: Bool { true }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        var f = base.field(at: omega, blocks: blocks, sample: .exact)
        guard case .minibatch(let n, let seed) = sample, noiseLevel > 0 else { return f }
        var rng = RandomGenerator(seed: seed)
        let noise = Tensor.normal([f.count], std: noiseLevel / Double(n).squareRoot(), dtype: f.dtype, using: &rng)
        f.withFlat { $0.add(noise) }
        for p in Player.allCases where !blocks.contains(p) { f.withBlock(p) { $0.fill(0) } }
        return f
    }
}
