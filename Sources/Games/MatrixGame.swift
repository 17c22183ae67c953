import Tensors

/// A finite zero-sum game in mixed strategies (SPEC §5, the exact finite version of paper 2):
/// min_{p ∈ Δ_m} max_{q ∈ Δ_n} qᵀa − qᵀAp, A ∈ R^{n×m} (rows: the discriminator's strategies w_j,
/// columns: the generator's θ_i), a ∈ Rⁿ.
///
/// θ = p (generator, m entries), φ = q (discriminator, n entries); F = (−Aᵀq, Ap − a), so entropic
/// mirror descent p⁺ ∝ p ⊙ exp(−η F_p) is SPEC's p⁺ ∝ p ⊙ exp(η Aᵀq), q⁺ ∝ q ⊙ exp(η(a − Ap)).
/// Duality gap: max_j (a − Ap)_j − min_i (qᵀa − (Aᵀq)_i). Start: uniform strategies.
/// L (ℓ₁ → ℓ∞, the constant of entropic methods) = max |A_ij|, returned by ``maxAbsEntry``;
/// ``lipschitzConstant`` is the Euclidean σ_max(A).
public struct MatrixGame: Game {
    public let name: String
    public let payoff: Tensor
    public let realScores: Tensor
    public let lipschitzConstant: Double?

    public init(name: String = "matrix-game", payoff: Tensor, realScores: Tensor) {
        ensure(payoff.rank == 2 && realScores.count == payoff.shape[0], "MatrixGame: A \(payoff.shape), a of \(realScores.count)")
        self.name = name
        self.payoff = payoff.converted(to: .float64)
        self.realScores = realScores.converted(to: .float64).reshaped([realScores.count])
        self.lipschitzConstant = DenseLinearAlgebra.spectralNorm(self.payoff)
    }

    /// A and a i.i.d. N(0, 1), drawn in that order (A row-major) from `seed`.
    public static func random(rows n: Int, columns m: Int, seed: UInt64) -> MatrixGame {
        var rng = RandomGenerator(seed: seed)
        let a = Tensor.normal([n, m], dtype: .float64, using: &rng)
        let v = Tensor.normal([n], dtype: .float64, using: &rng)
        return MatrixGame(payoff: a, realScores: v)
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: payoff.shape[1], discriminator: payoff.shape[0]) }
    public var domain: ProductDomain { ProductDomain(Simplex()) }
    public var initialPoint: BlockVector {
        BlockVector(flat: Tensor([Double](repeating: 1 / Double(sizes.generator), count: sizes.generator)
                                 + [Double](repeating: 1 / Double(sizes.discriminator), count: sizes.discriminator),
                                 shape: [sizes.generator + sizes.discriminator]), sizes: sizes)
    }
    /// max |A_ij|.
    public var maxAbsEntry: Double { payoff.maxAbs() }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        var f = BlockVector(zeros: sizes)
        if blocks.contains(.generator) {
            f.withBlock(.generator) { $0.copy(from: DenseLinearAlgebra.multiply(payoff, omega[.discriminator], transposed: true)); $0.scale(by: -1) }
        }
        if blocks.contains(.discriminator) {
            f.withBlock(.discriminator) { $0.copy(from: DenseLinearAlgebra.multiply(payoff, omega[.generator])); $0.axpy(-1, realScores) }
        }
        return f
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let q = omega[.discriminator]
        let l = q.dot(realScores) - q.dot(DenseLinearAlgebra.multiply(payoff, omega[.generator]))
        return PerPlayer(generator: l, discriminator: -l)
    }

    public func dualityGap(at omega: BlockVector) -> Double? {
        let best = (realScores - DenseLinearAlgebra.multiply(payoff, omega[.generator])).scalars.max()!
        let q = omega[.discriminator]
        let qa = q.dot(realScores)
        let worst = DenseLinearAlgebra.multiply(payoff, q, transposed: true).scalars.map { qa - $0 }.min()!
        return best - worst
    }
}
