import Games
import Tensors

/// ``FiniteSumBilinearGame`` with the same minibatches, evaluated by counts: a call draws its N term
/// indices exactly as the game does (one `next() % n` per sample from the call's seed), then sums
/// each distinct term once, weighted by how often it was drawn. The field equals the game's up to
/// rounding (the tests check it), but a call costs O(N) index draws plus at most n term products
/// instead of N products, so batches of 10⁸ samples are affordable (issue 8's growing schedules).
///
/// The duality gap is the game's; on the box [−1, 1]^d it equals the restricted merit
/// sup_{z ∈ S} ⟨F(z), ω − z⟩ (F is affine with a skew linear part, so ⟨F(z), ω − z⟩ = ⟨F(ω), ω − z⟩).
public struct CountedFiniteSumBilinear: VariationalInequality {
    public let game: FiniteSumBilinearGame
    /// Row i is Mᵢ flattened (row-major), n × d².
    let stackedTerms: Tensor
    /// Row i is aᵢ (resp. bᵢ), n × d.
    let stackedGeneratorOffsets: Tensor
    let stackedDiscriminatorOffsets: Tensor

    public init(_ game: FiniteSumBilinearGame) {
        self.game = game
        let n = game.terms.count, d = game.sizes.generator
        stackedTerms = Tensor.zeros([n, d * d], dtype: .float64)
        stackedGeneratorOffsets = Tensor.zeros([n, d], dtype: .float64)
        stackedDiscriminatorOffsets = Tensor.zeros([n, d], dtype: .float64)
        for i in 0..<n {
            stackedTerms.view(from: i * d * d, shape: [d * d]).copy(from: game.terms[i].reshaped([d * d]))
            stackedGeneratorOffsets.view(from: i * d, shape: [d]).copy(from: game.generatorOffsets[i])
            stackedDiscriminatorOffsets.view(from: i * d, shape: [d]).copy(from: game.discriminatorOffsets[i])
        }
    }

    public var name: String { game.name }
    public var sizes: PerPlayer<Int> { game.sizes }
    public var domain: ProductDomain { game.domain }
    public var initialPoint: BlockVector { game.initialPoint }
    public var equilibrium: BlockVector? { game.equilibrium }
    public var lipschitzConstant: Double? { game.lipschitzConstant }
    public var isStochastic: Bool { true }
    public var defaultBatchSize: Int { game.defaultBatchSize }
    public func dualityGap(at omega: BlockVector) -> Double? { game.dualityGap(at: omega) }

    /// How often each term is drawn in a minibatch of `size` from `seed` (the game's draw order).
    public func counts(size: Int, seed: UInt64) -> [Int] {
        let n = UInt64(game.terms.count)
        var rng = RandomGenerator(seed: seed)
        var counts = [Int](repeating: 0, count: Int(n))
        counts.withUnsafeMutableBufferPointer { c in
            for _ in 0..<size { c[Int(rng.next() % n)] += 1 }
        }
        return counts
    }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        guard case .minibatch(let size, let seed) = sample else { return game.field(at: omega, blocks: blocks, sample: .exact) }
        let c = counts(size: size, seed: seed)
        let n = c.count, d = sizes.generator
        let weights = c.map { Double($0) / Double(size) }
        var f = BlockVector(zeros: sizes)
        let distinct = c.indices.filter { c[$0] > 0 }
        if distinct.count * 4 <= n {
            // Few distinct terms: one product per term drawn.
            for i in distinct {
                let w = weights[i]
                if blocks.contains(.generator) {
                    f.withBlock(.generator) { g in
                        g.axpy(w, DenseLinearAlgebra.multiply(game.terms[i], omega[.discriminator]))
                        g.axpy(w, game.generatorOffsets[i])
                    }
                }
                if blocks.contains(.discriminator) {
                    f.withBlock(.discriminator) { g in
                        g.axpy(-w, DenseLinearAlgebra.multiply(game.terms[i], omega[.generator], transposed: true))
                        g.axpy(-w, game.discriminatorOffsets[i])
                    }
                }
            }
            return f
        }
        // Many: the weighted matrix M_w = Σ wᵢ Mᵢ in one product, then M_w φ + Σ wᵢ aᵢ and −(M_wᵀθ + Σ wᵢ bᵢ).
        let w = Tensor(weights, shape: [n, 1])
        let mw = matmul(stackedTerms, w, transposeA: true).reshaped([d, d])
        if blocks.contains(.generator) {
            f.withBlock(.generator) { g in
                g.copy(from: DenseLinearAlgebra.multiply(mw, omega[.discriminator]))
                g.add(matmul(stackedGeneratorOffsets, w, transposeA: true).reshaped([d]))
            }
        }
        if blocks.contains(.discriminator) {
            f.withBlock(.discriminator) { g in
                g.copy(from: DenseLinearAlgebra.multiply(mw, omega[.generator], transposed: true))
                g.add(matmul(stackedDiscriminatorOffsets, w, transposeA: true).reshaped([d]))
                g.scale(by: -1)
            }
        }
        return f
    }
}

/// ``AdditiveNoise`` keeping the base game's duality gap (the restricted merit on a box, as for
/// ``CountedFiniteSumBilinear``): F(ω, ξ) = F(ω) + σ ξ̄ with F the base's exact operator and ξ̄ the
/// mean of N draws of N(0, I).
public struct NoisyGame: VariationalInequality {
    public let base: any VariationalInequality
    public let noisy: AdditiveNoise

    public init(_ base: any VariationalInequality, noiseLevel sigma: Double, batchSize: Int = 1) {
        self.base = base
        self.noisy = AdditiveNoise(base, noiseLevel: sigma, batchSize: batchSize)
    }

    public var name: String { noisy.name }
    public var sizes: PerPlayer<Int> { base.sizes }
    public var domain: ProductDomain { base.domain }
    public var initialPoint: BlockVector { base.initialPoint }
    public var equilibrium: BlockVector? { base.equilibrium }
    public var lipschitzConstant: Double? { base.lipschitzConstant }
    public var isStochastic: Bool { true }
    public var defaultBatchSize: Int { noisy.defaultBatchSize }
    public func dualityGap(at omega: BlockVector) -> Double? { base.dualityGap(at: omega) }
    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        noisy.field(at: omega, blocks: blocks, sample: sample)
    }
}
