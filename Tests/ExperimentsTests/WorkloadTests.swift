import Autodiff
import Experiments
import Games
import Networks
import Runs
import Solvers
import Tensors
import Testing
import TestSupport

/// The benchmark's workloads are the training path's types doing what SPEC §7 says, checked
/// against independent computations.
@Suite("Benchmark workloads on the training path")
struct WorkloadTests {
    /// F of a workload's game from one graph over all its shards' samples, one reverse sweep per
    /// player — the reference the sharded, regularized field must equal.
    static func singleGraphField(_ game: Regularized, at omega: BlockVector) throws -> BlockVector {
        let gan = try #require(game.base as? NeuralGAN)
        let batch = concatenatedShardBatch(gan, .exact, regularizers: game.regularizers)
        let p = omega.leaves()
        let x = Variable(batch.real, requiresGradient: true)
        let fake = gan.generator(Variable(batch.noise), parameters: p.generator)
        let dReal = gan.discriminator(x, parameters: p.discriminator), dFake = gan.discriminator(fake, parameters: p.discriminator)
        var lossD = (-dReal).softplus().mean() + dFake.softplus().mean()
        for case let r1 as GradientPenalty in game.regularizers {
            let gx = gradients(of: dReal.sum(), withRespectTo: [x], createGraph: true)[0]
            lossD = lossD + gx.squared().sum().scaled(by: r1.weight / 2 / Double(batch.count))
        }
        let lossG = (-dFake).softplus().mean()
        return BlockVector(generator: gradients(of: lossG, withRespectTo: [p.generator])[0].value,
                           discriminator: gradients(of: lossD, withRespectTo: [p.discriminator])[0].value)
    }

    /// W1, W1-R1, W2: one step is ω₁ = ω₀ − αF(ω₀) with F the field of the whole fixed batch, at
    /// 1 and 2 threads (the same bits).
    @Test(arguments: [BenchmarkWorkload.w1, .w1R1, .w2])
    func oneStepIsSimultaneousGradientDescent(_ workload: BenchmarkWorkload) throws {
        let game = try BenchmarkWorkload.gan(mnistSized: workload == .w2, r1: workload == .w1R1 ? 10 : nil, seed: 3, threads: 1)
        let omega0 = game.initialPoint.copy()
        let reference = try Self.singleGraphField(game, at: omega0)
        try Self.checkGradientStep(workload, seed: 3, from: omega0, field: reference)
        #expect(reference.flat.maxAbs() > 1e-3)
    }

    /// One step of `workload` (seed `seed`) at 1 and at 2 threads is ω₁ = ω₀ − αF(ω₀), α = 1e-3,
    /// with F = `field`, and gives the same bits on both.
    static func checkGradientStep(_ workload: BenchmarkWorkload, seed: UInt64, from omega0: BlockVector, field: BlockVector) throws {
        var fingerprints: [String] = []
        for threads in [1, 2] {
            let step = try #require(try workload.makeStep(seed: seed, threads: threads) as? LoopStep<ForwardBackward<GradientStep>>)
            step.step()
            var moved = omega0 - step.loop.omega
            moved.scale(by: 1 / 1e-3)
            // Float32: parameters of size ~0.1 moved by α = 1e-3, so the displacement / α carries
            // rounding of about 1e-8 / 1e-3.
            #expect(compareEntrywise(moved.flat, field.flat, tolerance: 2e-3, label: "\(workload.rawValue): (ω₀ − ω₁)/α vs F") == nil)
            fingerprints.append(step.parameterFingerprint)
        }
        #expect(fingerprints[0] == fingerprints[1], "\(workload.rawValue): the bits depend on the thread count")
    }

    /// W3's product J_F(ω)·v against a central difference of F along v, in Float64 at W1's sizes.
    @Test func jvpMatchesFiniteDifferencesOfTheField() throws {
        let game = try BenchmarkWorkload.gan(mnistSized: false, r1: nil, seed: 5, threads: 2, dtype: .float64)
        var rng = RandomGenerator(seed: 9)
        let omega = game.initialPoint
        // A unit tangent, so the difference's step h is a distance: ReLU kinks are met with
        // probability about h × (kinks per unit length), negligible at h = 1e-7.
        var v = BlockVector(flat: Tensor.normal([omega.count], dtype: .float64, using: &rng), sizes: omega.sizes)
        v.scale(by: 1 / v.norm())
        var oracle = Oracle(game)
        let jv = oracle.jacobianVectorProduct(at: omega, v, sample: .exact)
        let h = 1e-7
        var plus = omega.copy(), minus = omega.copy()
        plus.axpy(h, v); minus.axpy(-h, v)
        var fd = game.exactField(at: plus) - game.exactField(at: minus)
        fd.scale(by: 1 / (2 * h))
        #expect(compareEntrywise(jv.flat, fd.flat, tolerance: 1e-5, label: "Jv") == nil)
        #expect(jv[.generator].maxAbs() > 1e-6 && jv[.discriminator].maxAbs() > 1e-6)
    }

    /// The Float32 W3 at full size: its matrix-product work is exactly what forward-over-reverse
    /// costs when zero tangents are skipped and primal values no tangent rule reads are never
    /// computed (the field is recorded with deferred values: ``JacobianProducts/jvpOnly``), counted
    /// here from the layer sizes alone. With gᵢ, dᵢ the multiply–adds per sample of the
    /// generator's and the discriminator's layer i (G = Σgᵢ, D = Σdᵢ; layer 1 reads the noise or
    /// the real data, whose tangent is zero, and no input gradient is taken there):
    /// - the primal values the sweep reads: the forward passes G + 2D; for ∇θL_G the cotangents
    ///   through D (D) and through G's last layer (g₃) — the one through g₂ feeds only g₁'s weight
    ///   gradient, whose tangent does not read it (the noise's tangent is zero); for ∇φL_D, d₃ on
    ///   real data (d₂'s cotangent there feeds only d₁'s weight gradient, the real data's tangent
    ///   is zero) and d₂ + d₃ on fake data (its tangent is not zero). The primal weight gradients
    ///   Xᵀ·δ are outputs only and are not formed. (Computing F too cost (G + 2D) + (D + G + g₂ +
    ///   g₃) + 2(D + d₂ + d₃) = 183,168 per sample: 545.4 MFLOP in all.)
    /// - the tangent sweep: each product with two varying operands costs two products, one with a
    ///   constant operand (layer 1's input, the data) one: forward g₁ + 2(g₂+g₃) + d₁ + 2(d₂+d₃)
    ///   + 2D; ∇θL_G 2D + g₁ + 2(g₂+g₃) + 2(g₂+g₃); ∇φL_D d₁ + 2(d₂+d₃) + 2(d₂+d₃) + 2D + 2(d₂+d₃).
    /// At W1's sizes: 92,032 + 349,440 multiply–adds per sample, 452.1 MFLOP per product (jax.jvp of
    /// jax.grad under jit: 461 MFLOP by XLA's cost analysis, elementwise work included).
    @Test func float32ProductAtFullSizeIsCounted() throws {
        let w = try #require(try BenchmarkWorkload.w3.makeStep(seed: 0, threads: 1) as? ProductStep)
        let counter = FlopCounter()
        counter.measure { w.step() }
        let (latent, hidden, width, batch) = (64, 128, 2, 512)
        let gs = [latent * hidden, hidden * hidden, hidden * width]
        let ds = [width * hidden, hidden * hidden, hidden * 1]
        let (g, d) = (gs.reduce(0, +), ds.reduce(0, +))
        let (g23, d23) = (gs[1] + gs[2], ds[1] + ds[2])
        let primal = (g + 2 * d) + (d + gs[2]) + (ds[2] + ds[1] + ds[2])
        let tangent = (gs[0] + 2 * g23 + ds[0] + 2 * d23 + 2 * d)
            + (2 * d + gs[0] + 2 * g23 + 2 * g23)
            + (ds[0] + 2 * d23 + 2 * d23 + 2 * d + 2 * d23)
        #expect(primal == 92_032 && tangent == 349_440)
        #expect(counter.flops == Double(2 * batch * (primal + tangent)), "W3: \(counter.flops / 1e6) MFLOP")
        let product = try #require(w.product)
        #expect(product.flat.maxAbs() > 0 && product.isFinite)
    }

    /// W4: one EG iteration is four matrix–vector products (2n² FLOP each, 8n² bytes of A each),
    /// and it is the extragradient update, computed here by hand.
    @Test func w4IsOneExtragradientIteration() throws {
        let step = try #require(try BenchmarkWorkload.w4.makeStep(seed: 4, threads: 1) as? LoopStep<ExtraGradient<GradientStep>>)
        let n = 1000, eta = 0.1
        let game = BilinearGame.random(dimension: n, seed: 4)
        let a = game.matrix.scalars, b = game.offsets[.generator].scalars, c = game.offsets[.discriminator].scalars
        func field(_ theta: [Double], _ phi: [Double]) -> ([Double], [Double]) {
            var g = [Double](repeating: 0, count: n), d = [Double](repeating: 0, count: n)
            for i in 0..<n {
                for j in 0..<n {
                    g[i] += a[i * n + j] * phi[j]
                    d[j] += a[i * n + j] * theta[i]
                }
            }
            return ((0..<n).map { g[$0] + b[$0] }, (0..<n).map { -(d[$0] + c[$0]) })
        }
        let theta0 = step.loop.omega[.generator].scalars, phi0 = step.loop.omega[.discriminator].scalars
        let (g, d) = field(theta0, phi0)
        let (g2, d2) = field((0..<n).map { theta0[$0] - eta * g[$0] }, (0..<n).map { phi0[$0] - eta * d[$0] })
        let counter = FlopCounter()
        counter.measure { step.step() }
        #expect(abs(counter.flops - 4 * 2 * Double(n * n)) / Double(8 * n * n) < 1e-3, "W4: \(counter.flops) FLOP")
        #expect(step.bytesStreamed == 4 * 8 * Double(n * n))
        let theta1 = step.loop.omega[.generator].scalars, phi1 = step.loop.omega[.discriminator].scalars
        var worst = 0.0
        for i in 0..<n { worst = max(worst, abs(theta1[i] - (theta0[i] - eta * g2[i])), abs(phi1[i] - (phi0[i] - eta * d2[i]))) }
        #expect(worst < 1e-12, "max deviation \(worst)")
        #expect(theta1.contains { $0 != 0 })
    }

    /// W5 is one iteration of the default training: its parameters after 3 steps are those of a
    /// 3-iteration `GANTraining` run with the same configuration.
    @Test func w5IsTheTrainingIteration() throws {
        let step = try BenchmarkWorkload.w5.makeStep(seed: 2, threads: 2)
        for _ in 0..<3 { step.step() }
        var c = TrainingConfiguration()
        c.seed = 2
        c.threads = 2
        c.iterations = 3
        c.checkpointEvery = 0
        let training = try GANTraining(c)
        var state = try training.initialState()
        _ = try training.run(from: &state, TrainingSession())
        var h = SHA256()
        h.update(state.omega.flat)
        #expect(h.hexDigest() == step.parameterFingerprint)
    }
}

/// In steady state a training step takes all its tensor memory from the pool: the W5 iteration
/// (the default training's) asks the system allocator for none after its first iterations.
@Suite("A training iteration allocates no tensor memory in steady state")
struct SteadyStateAllocationTests {
    @Test func w5StepAllocatesNothing() throws {
        func served() -> Int { let s = TensorPool.shared.statistics; return s.systemAllocations + s.reuses }
        let start = served()
        let step = try BenchmarkWorkload.w5.makeStep(seed: 1, threads: 1)
        for _ in 0..<5 { step.step() }
        // The step's tensors come through the pool (fresh, or reused if earlier tests left buffers of these sizes).
        #expect(served() > start, "the counters count")
        // Other tests may run concurrently and allocate, so retry a few times for a quiet window.
        var clean = false
        for _ in 0..<20 where !clean {
            let before = TensorPool.shared.statistics.systemAllocations
            step.step(); step.step()
            clean = TensorPool.shared.statistics.systemAllocations == before
        }
        #expect(clean)
    }
}

/// `saddle bench --shards S` (issue 15): the W1 step's bits depend on S, not on the thread count.
@Suite("Benchmark shards")
struct BenchmarkShardTests {
    @Test func w1BitsDependOnShardsNotThreads() throws {
        func fingerprint(threads: Int, shards: Int) throws -> String {
            let step = try BenchmarkWorkload.w1.makeStep(seed: 4, threads: threads, shards: shards)
            for _ in 0..<3 { step.step() }
            return step.parameterFingerprint
        }
        let four = try fingerprint(threads: 1, shards: 4)
        #expect(try fingerprint(threads: 2, shards: 4) == four)
        #expect(try fingerprint(threads: 3, shards: 4) == four)
        #expect(try fingerprint(threads: 2, shards: 2) != four)
    }
}
