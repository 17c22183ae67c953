import Autodiff
import Games
import Networks
import Tensors
import Testing

/// The oracle's Jacobian products (issue 13, acceptance 3): on a neural GAN they agree with central
/// differences of F on the same minibatch in Float64 and are charged their declared cost; on
/// closed-form games they are exact; the declared costs follow from counted multiply–adds.
@Suite("Oracle: counted Jacobian products of F")
struct OracleProductTests {
    static func gan(shards: Int = 2, batch: Int = 6, dtype: DType = .float64, hidden: Int = 5) throws -> Regularized {
        var rng = RandomGenerator(seed: 13)
        let g = MLP([3, hidden, 2], hidden: .tanh, dtype: dtype, using: &rng)
        let d = MLP([2, hidden, 1], hidden: .softplus, dtype: dtype, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, batchSize: batch, shards: shards, threads: 2) { rng, n in
            Tensor.normal([n, 2], mean: 0.3, dtype: dtype, using: &rng)
        }
        return try Regularized(gan, by: [try GradientPenalty.r1(weight: 0.4)])
    }

    static func random(_ sizes: PerPlayer<Int>, seed: UInt64) -> BlockVector {
        var rng = RandomGenerator(seed: seed)
        return BlockVector(flat: Tensor.normal([sizes.generator + sizes.discriminator], dtype: .float64, using: &rng), sizes: sizes)
    }

    /// (F(ω + hv; ξ) − F(ω − hv; ξ))/2h on the minibatch ξ of `sample`.
    static func difference(_ game: any VariationalInequality, _ omega: BlockVector, _ v: BlockVector, _ sample: SampleRequest) -> BlockVector {
        let h = 1e-6
        var plus = omega.copy(), minus = omega.copy()
        plus.axpy(h, v); minus.axpy(-h, v)
        var d = game.field(at: plus, blocks: Player.both, sample: sample) - game.field(at: minus, blocks: Player.both, sample: sample)
        d.scale(by: 1 / (2 * h))
        return d
    }

    @Test func neuralProductsMatchCentralDifferencesAndAreCounted() throws {
        let game = try Self.gan()
        var oracle = Oracle(game, seed: 5)
        let omega = game.initialPoint.copy()
        _ = oracle.field(at: omega)
        let sample = oracle.lastSample
        guard case .minibatch = sample else { Issue.record("the oracle should have drawn a minibatch"); return }
        let v = Self.random(omega.sizes, seed: 1), u = Self.random(omega.sizes, seed: 2)
        let jv = oracle.jacobianVectorProduct(at: omega, v)
        let reference = Self.difference(game, omega, v, sample)
        #expect(jv.distance(to: reference) <= 1e-7 * max(1, reference.norm()), "‖Jv − FD‖ = \(jv.distance(to: reference)), ‖Jv‖ = \(reference.norm())")
        // Jᵀu against the central-difference Jacobian, column by column (n = \(omega.count)).
        let jtu = oracle.vectorJacobianProduct(at: omega, u)
        let n = omega.count
        var worst = 0.0
        for c in 0..<n {
            let e = Tensor.zeros([n], dtype: .float64)
            e[c] = 1
            let column = Self.difference(game, omega, BlockVector(flat: e, sizes: omega.sizes), sample)
            worst = max(worst, abs(column.dot(u) - jtu.flat[c]))
        }
        #expect(worst <= 1e-7 * max(1, jtu.norm()), "max |(Jᵀu)_c − FD| = \(worst)")
        // The discriminator's Hessian block.
        let vd = Self.random(PerPlayer(generator: 0, discriminator: omega.sizes.discriminator), seed: 3)[.discriminator]
        let hv = oracle.hessianVectorProduct(at: omega, vd, player: .discriminator)
        var tangent = BlockVector.zeros(like: omega)
        tangent.withBlock(.discriminator) { $0.copy(from: vd) }
        let hvReference = Self.difference(game, omega, tangent, sample)[.discriminator]
        #expect((hv - hvReference).norm() <= 1e-7 * max(1, hvReference.norm()))
        // Counted: one call for F, then 3 + 3 + 3 declared.
        #expect(oracle.counter.jacobianVectorProducts == 1 && oracle.counter.vectorJacobianProducts == 1 && oracle.counter.hessianVectorProducts == 1)
        #expect(oracle.counter.oracleCalls == 1 + 9)
        #expect(game.productCosts == .autodiff)
    }

    /// Closed-form games: the products are J's own, J assembled here from the game's matrices.
    @Test func closedFormProductsAreExact() throws {
        let bilinear = BilinearGame.random(dimension: 7, seed: 2)
        let quadratic = QuadraticGame(dimension: 5, generatorCurvature: 0.3, discriminatorCurvature: 0.7, coupling: 1.1, seed: 4)
        for (game, j) in [(bilinear as any VariationalInequality, Self.blockJacobian(a: bilinear.matrix, curvature: PerPlayer(0))),
                          (quadratic, Self.blockJacobian(a: quadratic.coupling, curvature: quadratic.curvature))] {
            let omega = Self.random(game.sizes, seed: 8), v = Self.random(game.sizes, seed: 9)
            var oracle = Oracle(game)
            let jv = oracle.jacobianVectorProduct(at: omega, v).flat
            let jtv = oracle.vectorJacobianProduct(at: omega, v).flat
            let expected = matmul(j, v.flat.reshaped([v.count, 1])).reshaped([v.count])
            let expectedT = matmul(j, v.flat.reshaped([v.count, 1]), transposeA: true).reshaped([v.count])
            #expect((jv - expected).maxAbs() <= 1e-14 * expected.maxAbs(), "\(game.name)")
            #expect((jtv - expectedT).maxAbs() <= 1e-14 * expectedT.maxAbs(), "\(game.name)")
            #expect(oracle.counter.oracleCalls == 2 && game.productCosts == .affine)
        }
    }

    /// [[aI, A], [−Aᵀ, bI]] as a dense matrix.
    static func blockJacobian(a: Tensor, curvature: PerPlayer<Double>) -> Tensor {
        let m = a.shape[0], n = a.shape[1]
        let j = Tensor.zeros([m + n, m + n], dtype: .float64)
        for i in 0..<m { j[i, i] = curvature.generator }
        for i in 0..<n { j[m + i, m + i] = curvature.discriminator }
        for i in 0..<m { for k in 0..<n { j[i, m + k] = a[i, k]; j[m + k, i] = -a[i, k] } }
        return j
    }

    /// The declared autodiff costs, from multiply–add counts on the default GAN's field (W1's
    /// networks, batch 256, R1 γ = 0.1, one shard): a JVP and a VJP cost about 3 F.
    @Test func declaredCostsFollowFromOperationCounts() throws {
        var rng = RandomGenerator(seed: 0)
        let g = MLP([64, 128, 128, 2], hidden: .relu, using: &rng)
        let d = MLP([2, 128, 128, 1], hidden: .leakyRelu(slope: 0.2), using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, batchSize: 256, stochastic: false, shards: 1) { rng, n in
            Tensor.normal([n, 2], using: &rng)
        }
        let game = try Regularized(gan, by: [try GradientPenalty.r1(weight: 0.1)])
        let omega = game.initialPoint, v = BlockVector(flat: Tensor.normal([omega.count], using: &rng), sizes: omega.sizes)
        func flops(_ body: () -> Void) -> Double { let c = FlopCounter(); c.measure(body); return c.flops }
        let f = flops { _ = game.field(at: omega, blocks: Player.both, sample: .exact) }
        let jvp = flops { _ = game.jacobianVectorProduct(at: omega, v, sample: .exact) } / f
        let vjp = flops { _ = game.vectorJacobianProduct(at: omega, v, sample: .exact) } / f
        print("product costs in F's multiply–adds: JVP \(jvp), VJP \(vjp)")
        #expect(abs(jvp - ProductCosts.autodiff.jvp) <= 1 && abs(vjp - ProductCosts.autodiff.vjp) <= 1, "JVP \(jvp), VJP \(vjp) × F")
    }
}
