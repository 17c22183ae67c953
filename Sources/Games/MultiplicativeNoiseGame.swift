import Tensors

/// A stochastic bilinear game whose noise vanishes at the solution (issue 19; SPEC §6): the oracle
/// of ``BilinearGame`` `base` with a random operator,
///
///     F(ω, ξ) = M_ξ (ω − ω*),   M_ξ = J + σ G_ξ,   J = [[0, A], [−Aᵀ, 0]],
///
/// where A is the base game's matrix, ω* = (θ*, φ*) its equilibrium (b = −Aφ*, c = −Aᵀθ*, so the
/// base's exact field is J(ω − ω*)), and G_ξ is an m × m matrix of i.i.d. N(0, 1) entries
/// (m = n_θ + n_φ). Hence E[F(ω, ξ)] = J(ω − ω*) = F(ω) is the base game's operator — monotone
/// (J is skew) and σ_max(A)-Lipschitz — and F(ω*, ξ) = 0 for every ξ: the "multiplicative noise"
/// setting of stochastic VIs in which the variance at the solution is zero (cf. Loizou et al.,
/// "Stochastic gradient descent-ascent and consensus optimization for smooth games", NeurIPS 2021,
/// expected co-coercivity/zero-variance-at-the-solution regime). The variance is
/// E‖F(ω, ξ) − F(ω)‖² = σ² m ‖ω − ω*‖².
///
/// A minibatch of N samples averages N independent G's; their mean Ḡ has i.i.d. N(0, σ²/N)
/// entries, so a call draws Ḡ directly (m² normals from the call's seed, whatever N is): the same
/// distribution as N draws, at a cost independent of N, which keeps batches of 10⁸ affordable.
/// Domain, start, equilibrium, Lipschitz constant and duality gap are the base game's.
public struct MultiplicativeNoiseGame: VariationalInequality {
    public let base: BilinearGame
    /// σ ≥ 0, the scale of G_ξ's entries for one sample.
    public let noiseLevel: Double
    public let defaultBatchSize: Int
    let solution: BlockVector

    /// `base` must have an equilibrium (``BilinearGame/random(dimension:seed:box:)`` has one).
    public init(_ base: BilinearGame, noiseLevel sigma: Double, batchSize: Int = 1) {
        ensure(sigma >= 0 && sigma.isFinite, "MultiplicativeNoiseGame: noise level \(sigma) is outside [0, ∞)")
        ensure(batchSize >= 1, "MultiplicativeNoiseGame: batch \(batchSize) is below 1")
        guard let star = base.equilibrium else { fatalError("MultiplicativeNoiseGame: the base game has no known equilibrium") }
        self.base = base
        self.noiseLevel = sigma
        self.defaultBatchSize = batchSize
        self.solution = star
    }

    /// A random game with an orthogonal coupling: A = Q, the Gram–Schmidt orthonormalization of the
    /// columns of an n × n matrix of i.i.d. N(0, 1) draws (a Haar-distributed orthogonal matrix), so
    /// every singular value of A is 1 and L = 1; θ*, φ* i.i.d. U(−0.5, 0.5), b = −Qφ*, c = −Qᵀθ*,
    /// box [−box, box]ⁿ (ω* inside for box ≥ 0.5), start 0; the draws come in that order from `seed`.
    ///
    /// Why orthogonal: a method's deterministic rate on a bilinear game is set by
    /// σ_min(A)/σ_max(A) (for SRFB with λ = 1/(2δL), a factor ρ ≈ 0.87 per iteration when they are
    /// equal, ρ → 1 as the ratio falls); with the ~250 iterations a growing schedule affords within
    /// 10⁹ samples, an ill-conditioned A would make the iteration count, not the noise, decide
    /// whether 1e-6 is reached. Since G_ξ's law is rotation invariant, this game is the
    /// n-dimensional θφ game with offsets up to an orthogonal change of variables.
    public static func random(dimension n: Int, noiseLevel sigma: Double, seed: UInt64, box: Double? = 1) -> MultiplicativeNoiseGame {
        ensure(n >= 1, "MultiplicativeNoiseGame.random: dimension \(n) < 1")
        var rng = RandomGenerator(seed: seed)
        let g = Tensor.normal([n, n], dtype: .float64, using: &rng)
        // Modified Gram–Schmidt on the columns of g (twice, for orthogonality to rounding).
        var columns = (0..<n).map { j in (0..<n).map { g[$0, j] } }
        for _ in 0..<2 {
            for j in 0..<n {
                for k in 0..<j {
                    let dot = zip(columns[j], columns[k]).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<n { columns[j][i] -= dot * columns[k][i] }
                }
                let norm = columns[j].reduce(0) { $0 + $1 * $1 }.squareRoot()
                for i in 0..<n { columns[j][i] /= norm }
            }
        }
        let q = Tensor.zeros([n, n], dtype: .float64)
        for i in 0..<n { for j in 0..<n { q[i, j] = columns[j][i] } }
        let thetaStar = Tensor.uniform([n], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        let phiStar = Tensor.uniform([n], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        let b = DenseLinearAlgebra.multiply(q, phiStar).scaled(by: -1)
        let c = DenseLinearAlgebra.multiply(q, thetaStar, transposed: true).scaled(by: -1)
        let solution = BlockVector(generator: thetaStar, discriminator: phiStar)
        let inside = box.map { $0 >= 0.5 } ?? true
        ensure(inside, "MultiplicativeNoiseGame.random: box \(box ?? 0) < 0.5 would exclude the solution")
        let game = BilinearGame(name: "bilinear-orthogonal", matrix: q, offsets: PerPlayer(generator: b, discriminator: c),
                                domain: box.map { ProductDomain(Box(radius: $0)) } ?? .unconstrained,
                                start: BlockVector(zeros: solution.sizes), equilibrium: solution)
        return MultiplicativeNoiseGame(game, noiseLevel: sigma)
    }

    public var name: String { base.name + "+multiplicative-noise" }
    public var sizes: PerPlayer<Int> { base.sizes }
    public var dtype: DType { .float64 }
    public var domain: ProductDomain { base.domain }
    public var initialPoint: BlockVector { base.initialPoint }
    public var equilibrium: BlockVector? { solution }
    public var lipschitzConstant: Double? { base.lipschitzConstant }
    public var isZeroSum: Bool { true }
    public var isStochastic: Bool { true }
    public func dualityGap(at omega: BlockVector) -> Double? { base.dualityGap(at: omega) }

    /// The mean Ḡ of a minibatch's N matrices G_ξ (m × m, entries N(0, σ²/N)), drawn from `seed`.
    public func noiseMatrix(size n: Int, seed: UInt64) -> Tensor {
        let m = sizes.generator + sizes.discriminator
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal([m, m], std: noiseLevel / Double(n).squareRoot(), dtype: .float64, using: &rng)
    }

    /// J(ω − ω*) exactly (the base's field); with a minibatch, plus Ḡ (ω − ω*).
    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        var f = base.field(at: omega, blocks: Player.both, sample: .exact)
        if case .minibatch(let n, let seed) = sample, noiseLevel > 0 {
            let e = (omega - solution).flat
            let noise = DenseLinearAlgebra.multiply(noiseMatrix(size: n, seed: seed), e)
            f.withFlat { $0.add(noise) }
        }
        for p in Player.allCases where !blocks.contains(p) { f.withBlock(p) { $0.fill(0) } }
        return f
    }
}
