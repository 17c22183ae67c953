import Data
import Foundation
import Games
import Networks
import Runs
import Solvers
import Tensors

/// SPEC §7's workloads, built from the types `saddle train` and `saddle solve` use — the game, the
/// regularizer, the solver and the one ``IterationLoop`` — so the benchmark times the code users run.
///
/// - **W1**: one simultaneous gradient step, ``ForwardBackward`` with ``GradientStep`` (α = 1e-3),
///   of the ring ``NeuralGAN`` (G 64 → 128 → 128 → 2 ReLU, D 2 → 128 → 128 → 1 LeakyReLU 0.2,
///   non-saturating losses) on a fixed batch of 512 (its evaluation batch, drawn once: no sampling
///   is timed), in 2 shards like `saddle train`; **W1-R1** with the R1 penalty (``GradientPenalty``,
///   γ = 10); **W2** the MNIST-sized GAN (G 64 → 256 → 256 → 784, sigmoid out; batch 256 of uniform
///   [0, 1] "images").
/// - **W3**: one Jacobian–vector product of W1's field F along a fixed random tangent, through the
///   oracle (``Oracle/jacobianVectorProduct(at:_:sample:)``: forward over reverse, shard by shard).
/// - **W4**: one extragradient iteration on a dense Float64 ``BilinearGame`` (n = 1000 or 4000).
/// - **W5**: one full iteration of the default `saddle train` (Past-Extra-Adam under the step-size
///   decay, R1 γ = 0.1, a fresh minibatch of 256 from the ring, the EMA update) — everything but the
///   metrics, plots and checkpoints of the log intervals.
/// - **W6**: W2's step (``ForwardBackward`` + ``GradientStep``, α = 1e-3, non-saturating losses, a
///   fixed batch, 2 shards) on the DCGAN for 28×28 images (``DCGANGenerator``: z 64 → dense 6272 →
///   (128, 7, 7) → BN, ReLU → ConvT 128→64 4×4 s2 p1 → BN, ReLU → ConvT 64→1 → sigmoid;
///   ``DCGANDiscriminator``: Conv 1→64 4×4 s2 p1 → LeakyReLU 0.2 → Conv 64→128 → LeakyReLU 0.2 →
///   dense 6272 → 1), batch 64 of uniform [0, 1] images, latent 64; the networks' state update
///   (batch norm's running statistics, once per iteration) runs after each step as in training.
///   **W6-R1** adds R1 (γ = 10). FLOPs (``dcganStepFlops(batch:r1:)``) are counted from the layer sizes.
public final class LoopStep<S: Solver>: BenchmarkStep {
    public private(set) var loop: IterationLoop<S>
    let observers: [any LoopObserver]
    let bytes: Double?
    let threads: Int

    init(_ loop: IterationLoop<S>, observers: [any LoopObserver] = [], bytes: Double? = nil, threads: Int) {
        self.loop = loop
        self.observers = observers
        self.bytes = bytes
        self.threads = threads
    }

    public func step() {
        if BLAS.threads != 1 { BLAS.threads = 1 }
        BLAS.matrixVectorCores = min(threads, 2)
        // A workload's problem is fixed and finite: an error here is a bug, not input.
        do { try loop.run(until: loop.iteration + 1, observers: observers) } catch { fatalError("benchmark step: \(error)") }
    }

    public var parameterFingerprint: String {
        var h = SHA256()
        h.update(loop.omega.flat)
        return h.hexDigest()
    }

    public var bytesStreamed: Double? { bytes }
}

/// W3: the oracle's JVP at a fixed point along a fixed tangent.
public final class ProductStep: BenchmarkStep {
    public private(set) var oracle: Oracle
    public let point: BlockVector
    public let tangent: BlockVector
    public private(set) var product: BlockVector?

    init(game: any VariationalInequality, tangent: BlockVector) {
        oracle = Oracle(game)
        point = game.initialPoint
        self.tangent = tangent
    }

    public func step() {
        if BLAS.threads != 1 { BLAS.threads = 1 }
        product = oracle.jacobianVectorProduct(at: point, tangent, sample: .exact)
    }

    public var parameterFingerprint: String {
        var h = SHA256()
        if let p = product { h.update(p.flat) }
        return h.hexDigest()
    }
}

extension BenchmarkWorkload {
    /// The GAN of W1, W1-R1, W2 and W3 in `dtype`, in `shards` shards (2, as `saddle train`'s
    /// default) on `threads` threads.
    public static func gan(mnistSized: Bool, r1: Double?, seed: UInt64, threads: Int, dtype: DType = .float32, batch: Int? = nil,
                           shards: Int = 2) throws -> Regularized {
        let root = RandomGenerator(seed: seed)
        var rngG = root.split(0), rngD = root.split(1)
        let (hidden, width) = mnistSized ? (256, 784) : (128, 2)
        let batch = batch ?? (mnistSized ? 256 : 512)
        let g = MLP([64, hidden, hidden, width], hidden: .relu, output: mnistSized ? .sigmoid : .identity, dtype: dtype, using: &rngG)
        let d = MLP([width, hidden, hidden, 1], hidden: .leakyRelu(slope: 0.2), dtype: dtype, using: &rngD)
        let sampler: NeuralGAN.DataSampler = mnistSized
            ? { rng, n in Tensor.uniform([n, 784], dtype: dtype, using: &rng) }
            : { rng, n in GaussianMixture.ring.sample(n, dtype: dtype, using: &rng) }
        let game = NeuralGAN(name: mnistSized ? "w2" : "w1", generator: g, discriminator: d, batchSize: batch, stochastic: false,
                             evaluationSeed: root.split(2).seed, shards: shards, threads: threads, data: sampler)
        return try Regularized(game, by: try r1.map { [try GradientPenalty.r1(weight: $0)] } ?? [])
    }

    /// The GAN of W6 and W6-R1 before regularization: the DCGAN networks for 28×28 images
    /// (PyTorch's default initialization), non-saturating losses, a fixed batch of `batch` uniform
    /// [0, 1] images, in `shards` shards on `threads` threads.
    public static func dcganGame(seed: UInt64, threads: Int, dtype: DType = .float32, batch: Int = 64, shards: Int = 2) -> NeuralGAN {
        let root = RandomGenerator(seed: seed)
        var rngG = root.split(0), rngD = root.split(1)
        let g = DCGANGenerator(latent: 64, dtype: dtype, using: &rngG)
        let d = DCGANDiscriminator(dtype: dtype, using: &rngD)
        return NeuralGAN(name: "w6", generator: g, discriminator: d, batchSize: batch, stochastic: false,
                         evaluationSeed: root.split(2).seed, shards: shards, threads: threads) { rng, n in
            Tensor.uniform([n, 784], dtype: dtype, using: &rng)
        }
    }

    /// W6's game, with R1 of weight `r1` when given (W6-R1: 10).
    public static func dcgan(r1: Double?, seed: UInt64, threads: Int, dtype: DType = .float32, batch: Int = 64, shards: Int = 2) throws -> Regularized {
        let game = dcganGame(seed: seed, threads: threads, dtype: dtype, batch: batch, shards: shards)
        return try Regularized(game, by: try r1.map { [try GradientPenalty.r1(weight: $0)] } ?? [])
    }

    /// The floating-point operations of one W6 (or W6-R1) step: 2·(multiply–adds) of its matrix
    /// products, which are all of its convolutions' and dense layers' work (biases, batch norm and
    /// activations are not counted, as for the other workloads).
    ///
    /// Per sample, with gᵢ and dᵢ the multiply–adds of the generator's and the discriminator's
    /// layer i (a dense layer in·out; a convolution — or a transposed one, the same GEMM read the
    /// other way — Cout·Cin·k²·Ho·Wo at its larger map): g₁ = 64·6272, g₂ = 128·64·16·7·7,
    /// g₃ = 64·1·16·14·14, d₁ = 64·1·16·14·14, d₂ = 128·64·16·7·7, d₃ = 6272; G = Σgᵢ, D = Σdᵢ.
    /// Every layer's forward product, input-gradient product and weight-gradient product cost the
    /// same multiply–adds (one GEMM each of the same three sizes). One step computes:
    /// - forward G(z), D(x), D(G(z)): G + 2D;
    /// - ∇θ L_G: D's input gradients D (down to the fake images), then G's weight gradients G and
    ///   input gradients g₂ + g₃ (not g₁'s: the noise is a constant);
    /// - ∇φ L_D: on real and on fake, D's weight gradients D and input gradients d₂ + d₃: 2(D + d₂ + d₃);
    /// so 2G + 5D + (g₂ + g₃) + 2(d₂ + d₃) = 66,677,632 multiply–adds per sample, 8.53 GFLOP at batch 64.
    /// - R1 (W6-R1) adds, on the real samples: ∇x D recorded (input gradients d₁ + d₂ + d₃ = D),
    ///   then its derivative in φ: every layer's weight gradient of it (D) and the input gradients of
    ///   its cotangents through conv1's and conv2's adjoints (d₁ + d₂; fc's cotangent is a constant
    ///   mask): 2D + d₁ + d₂ more, 19,882,240 per sample.
    public static func dcganStepFlops(batch: Int, r1: Bool) -> Double {
        let (g1, g2, g3) = (64 * 6272, 128 * 64 * 16 * 7 * 7, 64 * 1 * 16 * 14 * 14)
        let (d1, d2, d3) = (64 * 1 * 16 * 14 * 14, 128 * 64 * 16 * 7 * 7, 6272)
        let (g, d) = (g1 + g2 + g3, d1 + d2 + d3)
        var perSample = 2 * g + 5 * d + (g2 + g3) + 2 * (d2 + d3)
        if r1 { perSample += 2 * d + d1 + d2 }
        return 2 * Double(batch) * Double(perSample)
    }

    /// A fresh instance of the workload using `threads` cores, its minibatch in `shards` shards
    /// (W4 has none), as the benchmark times it.
    public func makeStep(seed: UInt64 = 0, threads: Int, shards: Int = 2) throws -> any BenchmarkStep {
        BLAS.threads = 1
        switch self {
        case .w1, .w1R1, .w2, .w1R1Batch256:
            let r1: Double? = self == .w1R1 ? 10 : self == .w1R1Batch256 ? 0.1 : nil
            let game = try Self.gan(mnistSized: self == .w2, r1: r1, seed: seed, threads: threads, batch: self == .w1R1Batch256 ? 256 : nil, shards: shards)
            let loop = try IterationLoop(ForwardBackward(rule: try GradientStep(stepSize: 1e-3), kind: .fb), on: game, seed: seed)
            return LoopStep(loop, threads: threads)
        case .w6, .w6R1:
            let gan = Self.dcganGame(seed: seed, threads: threads, shards: shards)
            let game = try Regularized(gan, by: self == .w6R1 ? [try GradientPenalty.r1(weight: 10)] : [])
            let loop = try IterationLoop(ForwardBackward(rule: try GradientStep(stepSize: 1e-3), kind: .fb), on: game, seed: seed)
            return LoopStep(loop, observers: [NetworkStateObserver(gan: gan)], threads: threads)
        case .w3:
            let game = try Self.gan(mnistSized: false, r1: nil, seed: seed, threads: threads, shards: shards)
            var rng = RandomGenerator(seed: seed).split(3)
            let v = BlockVector(flat: Tensor.normal([game.initialPoint.count], using: &rng), sizes: game.sizes)
            return ProductStep(game: game, tangent: v)
        case .w4, .w4Large:
            let n = self == .w4 ? 1000 : 4000
            BLAS.matrixVectorCores = min(threads, 2)
            let game = BilinearGame.random(dimension: n, seed: seed)
            let loop = try IterationLoop(ExtraGradient(rule: try GradientStep(stepSize: 0.1)), on: game, seed: seed)
            // Two oracle calls, each reading A once (Aφ and Aᵀθ in one pass; SPEC's bound counts two passes).
            return LoopStep(loop, bytes: 4 * 8 * Double(n) * Double(n), threads: threads)
        case .w5:
            var c = TrainingConfiguration()
            c.seed = seed
            c.threads = threads
            c.shards = shards
            c.logEvery = TrainingConfiguration.maximumIterations
            c.checkpointEvery = 0
            return try GANTraining(c).benchmarkStep()
        }
    }
}

extension GANTraining {
    /// One iteration of this training per `step()`, through the training loop with its
    /// per-iteration observers (the networks' state) but no log intervals (metrics, plots,
    /// checkpoints): the benchmark's W5.
    public func benchmarkStep() throws -> any BenchmarkStep {
        try benchmarkStep(solver)
    }

    func benchmarkStep<S: Solver>(_ solver: S) throws -> any BenchmarkStep {
        let state = try initialState()
        guard let s = state.solver as? S.State else { fatalError("GANTraining.benchmarkStep: the solver's own state") }
        var oracle = Oracle(game)
        oracle.restore(state.oracle)
        let loop = IterationLoop(solver, iteration: 0, omega: state.omega, state: s, oracle: oracle)
        return LoopStep(loop, observers: [NetworkStateObserver(gan: gan)], threads: configuration.threads)
    }
}

extension RandomGenerator {
    /// The first word of this stream, as a seed.
    var seed: UInt64 { var s = self; return s.next() }
}
