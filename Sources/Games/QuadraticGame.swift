import Tensors

/// A strongly monotone quadratic game with a known equilibrium.
///
/// L_G(θ, φ) = (a/2)‖θ − θ*‖² + (θ − θ*)ᵀA(φ − φ*),  L_D(θ, φ) = (b/2)‖φ − φ*‖² − (θ − θ*)ᵀA(φ − φ*),
/// so F(ω) = (a(θ − θ*) + A(φ − φ*), b(φ − φ*) − Aᵀ(θ − θ*)) and J = [[aI, A], [−Aᵀ, bI]]:
/// sym(J) = diag(aI, bI), hence μ = min(a, b) (block moduli μθ = a, μφ = b). ``lipschitzConstant``
/// is the upper bound max(a, b) + σ_max(A) (exact √(a² + σ²) when a = b).
/// For dimension 1, A = `coupling`; otherwise A = coupling · G/√n with G i.i.d. N(0, 1), and θ*, φ*
/// i.i.d. N(0, 1), drawn in that order from `seed`. Starts at 0 (or at (1, 1) in dimension 1).
public struct QuadraticGame: Game {
    public let name = "quadratic"
    public let curvature: PerPlayer<Double>
    public let coupling: Tensor
    public let domain: ProductDomain
    public let initialPoint: BlockVector
    public let equilibrium: BlockVector?
    public let lipschitzConstant: Double?

    /// - Parameters:
    ///   - dimension: n = nθ = nφ ≥ 1 (default 1).
    ///   - generatorCurvature: a > 0 (default 1); discriminatorCurvature: b > 0 (default 1).
    ///   - coupling: scale of A (default 1).
    public init(dimension n: Int = 1, generatorCurvature a: Double = 1, discriminatorCurvature b: Double = 1,
                coupling: Double = 1, seed: UInt64 = 0, domain: ProductDomain = .unconstrained) {
        ensure(n >= 1 && a > 0 && b > 0, "QuadraticGame: need n ≥ 1, a > 0, b > 0; got \(n), \(a), \(b)")
        var rng = RandomGenerator(seed: seed)
        let A: Tensor, star: BlockVector, start: BlockVector
        if n == 1 {
            A = Tensor([coupling], shape: [1, 1])
            star = BlockVector(generator: [0], discriminator: [0])
            start = BlockVector(generator: [1], discriminator: [1])
        } else {
            A = Tensor.normal([n, n], std: coupling / Double(n).squareRoot(), dtype: .float64, using: &rng)
            star = BlockVector(generator: Tensor.normal([n], dtype: .float64, using: &rng),
                               discriminator: Tensor.normal([n], dtype: .float64, using: &rng))
            start = BlockVector(zeros: star.sizes)
        }
        curvature = PerPlayer(generator: a, discriminator: b)
        self.coupling = A
        self.domain = domain
        self.initialPoint = start
        self.equilibrium = star
        let sigma = DenseLinearAlgebra.spectralNorm(A)
        self.lipschitzConstant = a == b ? (a * a + sigma * sigma).squareRoot() : max(a, b) + sigma
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: coupling.shape[0], discriminator: coupling.shape[1]) }
    /// μ = min(a, b).
    public var strongMonotonicity: Double { min(curvature.generator, curvature.discriminator) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        let d = omega - equilibrium!
        var f = BlockVector(zeros: sizes)
        if blocks.contains(.generator) {
            f.withBlock(.generator) { g in
                g.copy(from: DenseLinearAlgebra.multiply(coupling, d[.discriminator]))
                g.axpy(curvature.generator, d[.generator])
            }
        }
        if blocks.contains(.discriminator) {
            f.withBlock(.discriminator) { g in
                g.copy(from: DenseLinearAlgebra.multiply(coupling, d[.generator], transposed: true))
                g.axpby(curvature.discriminator, d[.discriminator], -1)
            }
        }
        return f
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let d = omega - equilibrium!
        let cross = d[.generator].dot(DenseLinearAlgebra.multiply(coupling, d[.discriminator]))
        let dt = d[.generator].dot(d[.generator]), dp = d[.discriminator].dot(d[.discriminator])
        return PerPlayer(generator: curvature.generator / 2 * dt + cross, discriminator: curvature.discriminator / 2 * dp - cross)
    }
}

extension QuadraticGame {
    /// F = (∇θ f, −∇φ f) for f = (a/2)‖θ − θ*‖² + (θ − θ*)ᵀA(φ − φ*) − (b/2)‖φ − φ*‖² (the players'
    /// losses differ by the curvature terms, each of which depends on its own player only).
    public var isZeroSum: Bool { true }
}
