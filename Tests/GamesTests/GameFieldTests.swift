import Autodiff
import Foundation
import Games
import Networks
import Tensors
import Testing
import TestSupport

/// Every game's F is the pseudogradient of its losses (SPEC §1): block p of F equals ∂L_p/∂ω_p, by
/// central finite differences of the losses, at random points away from special values.
@Suite("Game operators against finite differences of the losses")
struct GameFieldTests {
    func checkPseudogradient(_ game: some Game, at omega: BlockVector, tolerance: Double = 1e-7) {
        let f = game.exactField(at: omega)
        for p in Player.allCases {
            for i in 0..<omega.sizes[p] {
                let h = 1e-5
                var plus = omega.copy(), minus = omega.copy()
                plus.withBlock(p) { $0[i] += h }
                minus.withBlock(p) { $0[i] -= h }
                let fd = (game.losses(at: plus)[p] - game.losses(at: minus)[p]) / (2 * h)
                #expect(abs(f[p][i] - fd) <= tolerance * max(1, abs(fd)), "\(game.name) \(p)[\(i)]: F = \(f[p][i]), FD = \(fd)")
            }
        }
    }

    func randomPoint(_ sizes: PerPlayer<Int>, seed: UInt64) -> BlockVector {
        var rng = RandomGenerator(seed: seed)
        return BlockVector(generator: awayFromZero([sizes.generator], using: &rng), discriminator: awayFromZero([sizes.discriminator], using: &rng))
    }

    @Test func bilinearGames() {
        let scalar = BilinearGame.scalar()
        checkPseudogradient(scalar, at: randomPoint(scalar.sizes, seed: 1))
        let matrix = BilinearGame.random(dimension: 4, seed: 2)
        checkPseudogradient(matrix, at: randomPoint(matrix.sizes, seed: 3))
        // The stated equilibrium is a zero of F.
        #expect(matrix.exactField(at: matrix.equilibrium!).norm() < 1e-12)
    }

    @Test func quadraticGame() {
        let game = QuadraticGame(dimension: 3, generatorCurvature: 0.5, discriminatorCurvature: 2, coupling: 1, seed: 4)
        checkPseudogradient(game, at: randomPoint(game.sizes, seed: 5))
        #expect(game.exactField(at: game.equilibrium!).norm() < 1e-14)
        // Strong monotonicity with μ = min(a, b) = 0.5: ⟨F(x) − F(y), x − y⟩ ≥ μ‖x − y‖².
        let x = randomPoint(game.sizes, seed: 6), y = randomPoint(game.sizes, seed: 7)
        let inner = (game.exactField(at: x) - game.exactField(at: y)).dot(x - y)
        #expect(inner >= 0.5 * (x - y).dot(x - y) - 1e-12)
    }

    @Test(arguments: DiracGAN.Loss.allCases)
    func diracGAN(loss: DiracGAN.Loss) {
        let game = DiracGAN(loss: loss, penaltyWeight: 0.3)
        checkPseudogradient(game, at: randomPoint(game.sizes, seed: 8))
    }

    /// SPEC §3: J at 0 = [[0, f'(0)], [−f'(0), γ]], eigenvalues γ/2 ± √(γ²/4 − 1/4); checked through
    /// trace and determinant of the finite-difference Jacobian (trace γ, determinant f'(0)² = 1/4).
    @Test(arguments: [0.0, 0.5, 1.0, 2.0])
    func diracGANJacobianAtEquilibrium(gamma: Double) {
        let game = DiracGAN(loss: .standard, penaltyWeight: gamma)
        let h = 1e-6
        func F(_ t: Double, _ p: Double) -> [Double] { game.exactField(at: BlockVector(generator: [t], discriminator: [p])).scalars }
        let colT = zip(F(h, 0), F(-h, 0)).map { ($0 - $1) / (2 * h) }
        let colP = zip(F(0, h), F(0, -h)).map { ($0 - $1) / (2 * h) }
        #expect(abs(colT[0]) < 1e-9 && abs(colP[0] - 0.5) < 1e-9 && abs(colT[1] + 0.5) < 1e-9 && abs(colP[1] - gamma) < 1e-9)
    }

    @Test func gaussianLocationGame() {
        let game = GaussianLocationGame(mean: 1, penaltyWeight: 0.7, real: 1, fake: 0.5, tikhonov: 0.2)
        checkPseudogradient(game, at: randomPoint(game.sizes, seed: 9))
        // (m, 0, 0) is stationary, with or without the penalty.
        #expect(game.exactField(at: game.equilibrium!).norm() < 1e-15)
    }

    /// SPEC §3: with γ = 1 and R1 only, ∂F_ψ/∂ψ at θ = m is J_G = [[1, 2m], [2m, 4(m² + 1)]];
    /// at m = 1 its eigenvalues are (9 ± √65)/2 = 0.46887, 8.53113, and twice that with R1 + R2.
    @Test func gaussianLocationGramian() {
        for (fake, scale) in [(0.0, 1.0), (1.0, 2.0)] {
            let game = GaussianLocationGame(mean: 1, penaltyWeight: 1, real: 1, fake: fake)
            func Fpsi(_ p1: Double, _ p2: Double) -> [Double] {
                game.exactField(at: BlockVector(generator: [1], discriminator: [p1, p2]))[.discriminator].scalars
            }
            // F_ψ is affine in ψ: columns by unit differences.
            let base = Fpsi(0, 0), c1 = zip(Fpsi(1, 0), base).map { $0 - $1 }, c2 = zip(Fpsi(0, 1), base).map { $0 - $1 }
            let tr = c1[0] + c2[1], det = c1[0] * c2[1] - c2[0] * c1[1]
            let lo = (tr - (tr * tr - 4 * det).squareRoot()) / 2, hi = (tr + (tr * tr - 4 * det).squareRoot()) / 2
            #expect(abs(lo - scale * (9 - 65.0.squareRoot()) / 2) < 1e-12 && abs(hi - scale * (9 + 65.0.squareRoot()) / 2) < 1e-12)
            #expect(abs(lo - scale * 0.46887) < 1e-5 && abs(hi - scale * 8.53113) < 1e-5)
        }
    }

    @Test func matrixGame() {
        let game = MatrixGame.random(rows: 4, columns: 3, seed: 10)
        var rng = RandomGenerator(seed: 11)
        let p = Tensor.uniform([3], low: 0.1, high: 1, dtype: .float64, using: &rng), q = Tensor.uniform([4], low: 0.1, high: 1, dtype: .float64, using: &rng)
        checkPseudogradient(game, at: BlockVector(generator: p, discriminator: q))
    }

    /// Matching pennies: A = [[1, −1], [−1, 1]], a = 0. The uniform pair is the equilibrium (gap 0);
    /// at p = (1, 0), q uniform, the discriminator's best reply earns 1 and the generator's −0 ⇒ gap 1.
    @Test func matrixGameDualityGap() {
        let game = MatrixGame(payoff: Tensor([1, -1, -1, 1], shape: [2, 2]), realScores: Tensor([0, 0], shape: [2]))
        #expect(abs(game.dualityGap(at: BlockVector(generator: [0.5, 0.5], discriminator: [0.5, 0.5]))!) < 1e-15)
        // max_j (a − Ap)_j = max(−1, 1) = 1; min_i (qᵀa − (Aᵀq)_i) = min(0, 0) = 0.
        #expect(game.dualityGap(at: BlockVector(generator: [1, 0], discriminator: [0.5, 0.5]))! == 1)
    }

    /// Bilinear game on a box: the gap formula against brute force over the box's vertices (a linear
    /// function attains its extremes there).
    @Test func bilinearDualityGapOnABox() {
        let game = BilinearGame.random(dimension: 3, seed: 12, box: 1)
        let w = randomPoint(game.sizes, seed: 13)
        var best = -Double.infinity, worst = Double.infinity
        for mask in 0..<8 {
            let v = (0..<3).map { (mask >> $0) & 1 == 1 ? 1.0 : -1.0 }
            best = max(best, game.losses(at: BlockVector(generator: w[.generator], discriminator: Tensor(v, shape: [3])))[.generator])
            worst = min(worst, game.losses(at: BlockVector(generator: Tensor(v, shape: [3]), discriminator: w[.discriminator]))[.generator])
        }
        #expect(abs(game.dualityGap(at: w)! - (best - worst)) < 1e-12)
    }

    @Test func neuralGameFieldIsTheLossGradient() {
        var rng = RandomGenerator(seed: 14)
        let g = MLP([2, 5, 1], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([1, 5, 1], hidden: .tanh, dtype: .float64, using: &rng)
        let game = NeuralGame(generator: g.parameters, discriminator: d.parameters, batchSize: 8) { rng, n in
            let fake = d(g(Variable(Tensor.normal([n, 2], dtype: .float64, using: &rng))))
            let real = d(Variable(Tensor.normal([n, 1], mean: 1, dtype: .float64, using: &rng)))
            return ((-fake).softplus().mean(), (-real).softplus().mean() + fake.softplus().mean())
        }
        checkPseudogradient(game, at: game.initialPoint.copy(), tolerance: 1e-6)
    }

    @Test func avipsdIsMonotoneAndItsBoxCheckIsIndependent() {
        let vi = AffineVariationalInequality.psd(dimension: 20, seed: 0)
        var rng = RandomGenerator(seed: 15)
        for _ in 0..<50 {
            let x = Tensor.normal([20], dtype: .float64, using: &rng)
            #expect(x.dot(DenseLinearAlgebra.multiply(vi.matrix, x)) >= -1e-12)
        }
        // σ_max by power iteration agrees with ‖Mx‖ ≤ L‖x‖ on random x.
        let L = vi.lipschitzConstant!
        for _ in 0..<20 {
            let x = Tensor.normal([20], dtype: .float64, using: &rng)
            #expect(DenseLinearAlgebra.multiply(vi.matrix, x).norm() <= L * x.norm() * (1 + 1e-10))
        }
        // ω = 0 is not a solution (q ≠ 0), so the check must report a violation there.
        #expect(vi.complementarityViolation(at: vi.initialPoint) > 0.01)
    }
}
