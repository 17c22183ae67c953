import Tensors

/// The finite-sum stochastic bilinear game (Gidel et al. 2019, §7.1; SPEC §6):
/// min_{θ ∈ [−1,1]^d} max_{φ ∈ [−1,1]^d} (1/n) Σᵢ θᵀMᵢφ + aᵢᵀθ + bᵢᵀφ; a minibatch is a set of term
/// indices drawn uniformly with replacement.
///
/// F(ω, ξ) = (1/N) Σ_{i ∈ ξ} (Mᵢφ + aᵢ, −(Mᵢᵀθ + bᵢ)); the exact F averages all n terms. Built so the
/// solution is known and inside the box: Mᵢ = I + Gᵢ/√d, θ*, φ* ~ U(−0.5, 0.5), and the offsets are
/// centred noise shifted so that M̄φ* + ā = 0 and M̄ᵀθ* + b̄ = 0 (M̄, ā, b̄ the term averages).
/// Draw order from `seed`: all Gᵢ, θ*, φ*, then the raw offsets. Start 0.
public struct FiniteSumBilinearGame: Game {
    public let terms: [Tensor]
    public let generatorOffsets: [Tensor]
    public let discriminatorOffsets: [Tensor]
    public let domain: ProductDomain
    public let equilibrium: BlockVector?
    public let defaultBatchSize: Int
    public let lipschitzConstant: Double?
    let mean: BilinearGame

    /// - Parameters: terms n ≥ 1 (default 100), dimension d ≥ 1 (default 10), offsetScale: the spread
    ///   of the raw offsets (default 1), batchSize (default 1).
    public init(terms n: Int = 100, dimension d: Int = 10, offsetScale: Double = 1, batchSize: Int = 1, seed: UInt64 = 0) {
        ensure(n >= 1 && d >= 1 && batchSize >= 1, "FiniteSumBilinearGame: n = \(n), d = \(d), batch \(batchSize)")
        var rng = RandomGenerator(seed: seed)
        var ms: [Tensor] = []
        let mBar = Tensor.zeros([d, d], dtype: .float64)
        for _ in 0..<n {
            let m = Tensor.normal([d, d], std: 1 / Double(d).squareRoot(), dtype: .float64, using: &rng)
            for k in 0..<d { m[k, k] += 1 }
            mBar.axpy(1 / Double(n), m)
            ms.append(m)
        }
        let thetaStar = Tensor.uniform([d], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        let phiStar = Tensor.uniform([d], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        var raw: [(Tensor, Tensor)] = []
        let aBar = Tensor.zeros([d], dtype: .float64), bBar = Tensor.zeros([d], dtype: .float64)
        for _ in 0..<n {
            let a = Tensor.normal([d], std: offsetScale, dtype: .float64, using: &rng)
            let b = Tensor.normal([d], std: offsetScale, dtype: .float64, using: &rng)
            aBar.axpy(1 / Double(n), a); bBar.axpy(1 / Double(n), b)
            raw.append((a, b))
        }
        let shiftA = DenseLinearAlgebra.multiply(mBar, phiStar) + aBar       // a_i ← a_i − ā − M̄φ*
        let shiftB = DenseLinearAlgebra.multiply(mBar, thetaStar, transposed: true) + bBar
        terms = ms
        generatorOffsets = raw.map { $0.0 - shiftA }
        discriminatorOffsets = raw.map { $0.1 - shiftB }
        domain = ProductDomain(Box(radius: 1))
        let star = BlockVector(generator: thetaStar, discriminator: phiStar)
        equilibrium = star
        defaultBatchSize = batchSize
        let ab = generatorOffsets.reduce(Tensor.zeros([d], dtype: .float64)) { $0 + $1.scaled(by: 1 / Double(n)) }
        let bb = discriminatorOffsets.reduce(Tensor.zeros([d], dtype: .float64)) { $0 + $1.scaled(by: 1 / Double(n)) }
        mean = BilinearGame(name: "finite-sum-bilinear", matrix: mBar, offsets: PerPlayer(generator: ab, discriminator: bb),
                            domain: domain, start: BlockVector(zeros: star.sizes), equilibrium: star)
        lipschitzConstant = mean.lipschitzConstant
    }

    public var name: String { "finite-sum-bilinear" }
    public var sizes: PerPlayer<Int> { PerPlayer(terms[0].shape[0]) }
    public var isStochastic: Bool { true }
    public var initialPoint: BlockVector { BlockVector(zeros: sizes) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        guard case .minibatch(let size, let seed) = sample else { return mean.field(at: omega, blocks: blocks, sample: .exact) }
        var rng = RandomGenerator(seed: seed)
        var f = BlockVector(zeros: sizes)
        let w = 1 / Double(size)
        for _ in 0..<size {
            let i = Int(rng.next() % UInt64(terms.count))
            if blocks.contains(.generator) {
                f.withBlock(.generator) { g in
                    g.axpy(w, DenseLinearAlgebra.multiply(terms[i], omega[.discriminator]))
                    g.axpy(w, generatorOffsets[i])
                }
            }
            if blocks.contains(.discriminator) {
                f.withBlock(.discriminator) { g in
                    g.axpy(-w, DenseLinearAlgebra.multiply(terms[i], omega[.generator], transposed: true))
                    g.axpy(-w, discriminatorOffsets[i])
                }
            }
        }
        return f
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> { mean.losses(at: omega) }
    public func dualityGap(at omega: BlockVector) -> Double? { mean.dualityGap(at: omega) }
}
