import Tensors

/// The bilinear zero-sum game min_θ max_φ L(θ, φ) = θᵀAφ + bᵀθ + cᵀφ.
///
/// F(θ, φ) = (Aφ + b, −(Aᵀθ + c)); J = [[0, A], [−Aᵀ, 0]] is skew, so F is monotone but not strongly
/// monotone, and L = σ_max(A). Unconstrained with A invertible, the equilibrium solves Aφ* = −b,
/// Aᵀθ* = −c. The scalar game θφ (A = 1, b = c = 0, equilibrium 0, start (2, 0.5) as in Gidel et
/// al. 2019's notebook) is SPEC §2's reference for every closed-form rate.
/// On a box both players' sets are bounded and ``dualityGap(at:)`` has a closed form.
public struct BilinearGame: Game {
    public let name: String
    /// A, nθ × nφ.
    public let matrix: Tensor
    /// b (θ's offset) and c (φ's offset).
    public let offsets: PerPlayer<Tensor>
    public let domain: ProductDomain
    public let initialPoint: BlockVector
    public let equilibrium: BlockVector?
    public let lipschitzConstant: Double?
    /// The processes (MPI ranks) sharing the rows of A in each evaluation of F (`saddle solve` under
    /// `mpirun`; ``matrixVectorPair(_:_:_:group:)``). Default: this process alone.
    public var processGroup: any ProcessGroup = SingleProcess.shared

    public init(name: String = "bilinear", matrix: Tensor, offsets: PerPlayer<Tensor>, domain: ProductDomain = .unconstrained,
                start: BlockVector, equilibrium: BlockVector?) {
        ensure(matrix.rank == 2 && matrix.dtype == .float64, "BilinearGame: A must be a Float64 matrix, got \(matrix.dtype) \(matrix.shape)")
        ensure(offsets.generator.count == matrix.shape[0] && offsets.discriminator.count == matrix.shape[1],
                     "BilinearGame: offsets of \(offsets.generator.count), \(offsets.discriminator.count) for A \(matrix.shape)")
        self.name = name
        self.matrix = matrix
        self.offsets = offsets.map { $0.reshaped([$0.count]) }
        self.domain = domain
        self.initialPoint = start
        self.equilibrium = equilibrium
        self.lipschitzConstant = DenseLinearAlgebra.spectralNorm(matrix)
    }

    /// min_θ max_φ θφ, started at (2, 0.5); with `box`, both players are confined to [−box, box].
    public static func scalar(start: (Double, Double) = (2, 0.5), box: Double? = nil) -> BilinearGame {
        BilinearGame(name: "bilinear", matrix: Tensor([1], shape: [1, 1]),
                     offsets: PerPlayer(generator: Tensor([0], shape: [1]), discriminator: Tensor([0], shape: [1])),
                     domain: box.map { ProductDomain(Box(radius: $0)) } ?? .unconstrained,
                     start: BlockVector(generator: [start.0], discriminator: [start.1]),
                     equilibrium: BlockVector(generator: [0], discriminator: [0]))
    }

    /// A random n × n game with offsets, so the equilibrium is not at 0: A = I + G/(2√n) with
    /// G i.i.d. N(0, 1) (well conditioned), θ*, φ* i.i.d. U(−0.5, 0.5), b = −Aφ*, c = −Aᵀθ*; the
    /// draws come in that order from `seed`. The equilibrium lies inside the optional box
    /// [−box, box]ⁿ for box ≥ 0.5, so it is the solution there too. Starts at 0.
    public static func random(dimension n: Int, seed: UInt64, box: Double? = nil) -> BilinearGame {
        ensure(n >= 1, "BilinearGame.random: dimension \(n) < 1")
        var rng = RandomGenerator(seed: seed)
        let a = Tensor.normal([n, n], std: 1 / (2 * Double(n).squareRoot()), dtype: .float64, using: &rng)
        for i in 0..<n { a[i, i] += 1 }
        let thetaStar = Tensor.uniform([n], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        let phiStar = Tensor.uniform([n], low: -0.5, high: 0.5, dtype: .float64, using: &rng)
        let b = DenseLinearAlgebra.multiply(a, phiStar).scaled(by: -1)
        let c = DenseLinearAlgebra.multiply(a, thetaStar, transposed: true).scaled(by: -1)
        let solution = BlockVector(generator: thetaStar, discriminator: phiStar)
        let domain = box.map { ProductDomain(Box(radius: $0)) } ?? .unconstrained
        let inside = box.map { $0 >= 0.5 } ?? true
        return BilinearGame(name: "bilinear-matrix", matrix: a, offsets: PerPlayer(generator: b, discriminator: c),
                            domain: domain, start: BlockVector(zeros: solution.sizes), equilibrium: inside ? solution : nil)
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: matrix.shape[0], discriminator: matrix.shape[1]) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        var f = BlockVector(zeros: sizes)
        // Both products in one pass over A when both blocks are wanted (Tensors.matrixVectorPair).
        let (aPhi, aTTheta): (Tensor?, Tensor?) = blocks.count == 2
            ? matrixVectorPair(matrix, omega[.discriminator], omega[.generator], group: processGroup)
            : (blocks.contains(.generator) ? DenseLinearAlgebra.multiply(matrix, omega[.discriminator]) : nil,
               blocks.contains(.discriminator) ? DenseLinearAlgebra.multiply(matrix, omega[.generator], transposed: true) : nil)
        if let aPhi {
            f.withBlock(.generator) { g in g.copy(from: aPhi); g.add(offsets.generator) }
        }
        if let aTTheta {
            f.withBlock(.discriminator) { d in d.copy(from: aTTheta); d.add(offsets.discriminator); d.scale(by: -1) }
        }
        return f
    }

    /// L(θ, φ) for the generator, −L for the discriminator.
    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let theta = omega[.generator], phi = omega[.discriminator]
        let l = theta.dot(DenseLinearAlgebra.multiply(matrix, phi)) + offsets.generator.dot(theta) + offsets.discriminator.dot(phi)
        return PerPlayer(generator: l, discriminator: -l)
    }

    /// On boxes: max_φ L(θ̂, φ) − min_θ L(θ, φ̂), each a sum of |coefficient| · (box half-width)
    /// terms plus the linear parts; nil unless both sets are bounded boxes.
    public func dualityGap(at omega: BlockVector) -> Double? {
        guard let bt = domain[.generator] as? Box, let bp = domain[.discriminator] as? Box, domain.isBounded else { return nil }
        // max over φ ∈ [lo, hi] of (Aᵀθ̂ + c)ᵀφ, plus bᵀθ̂.
        let coefPhi = DenseLinearAlgebra.multiply(matrix, omega[.generator], transposed: true) + offsets.discriminator
        let coefTheta = DenseLinearAlgebra.multiply(matrix, omega[.discriminator]) + offsets.generator
        let maxPart = coefPhi.scalars.reduce(0) { $0 + max($1 * bp.lower, $1 * bp.upper) } + offsets.generator.dot(omega[.generator])
        let minPart = coefTheta.scalars.reduce(0) { $0 + min($1 * bt.lower, $1 * bt.upper) } + offsets.discriminator.dot(omega[.discriminator])
        return maxPart - minPart
    }
}

extension BilinearGame {
    /// F = (∇θ f, −∇φ f) for the saddle function f of the type's docs.
    public var isZeroSum: Bool { true }
}
