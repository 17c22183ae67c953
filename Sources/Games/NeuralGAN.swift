import Autodiff
import Foundation
import Networks
import Tensors

/// A GAN as a game: a generator and a discriminator — any ``Network``s — a loss of SPEC §1, and a
/// data sampler. Its structure (G, D, data, noise) is known to Saddle, so regularizers reach ∇x D
/// and diagnostics and solvers differentiate F itself (``DifferentiableGame``).
///
/// Losses (each player minimizes its own, SPEC §1), on a minibatch of n real samples x and noise z:
/// - `.nonSaturating`: L_D = E softplus(−D(x)) + E softplus(D(G(z))), L_G = E softplus(−D(G(z))).
/// - `.minimax` (the original zero-sum form): L_D as above, L_G = −E softplus(D(G(z))) = −(L_D's fake term).
/// - `.wasserstein`: L_D = −E D(x) + E D(G(z)), L_G = −E D(G(z)).
/// - `.hinge`: L_D = E relu(1 − D(x)) + E relu(1 + D(G(z))), L_G = −E D(G(z)).
/// F = (∇θ L_G, ∇φ L_D) is computed with both players' parameters as `Variable`s
/// (``Network/callAsFunction(_:parameters:)``), so it can be differentiated again.
///
/// A minibatch of n samples is drawn in ``shards`` shards (``DifferentiableGame``): shard s draws
/// noise z ∼ N(0, I) of the generator's input width, real samples from `data`, and interpolation
/// weights ε ∼ U(0, 1) per sample (WGAN-GP), in that order from its own seed; the exact field's
/// batch comes from the fixed ``evaluationSeed``. The networks' own parameters are not touched: ω
/// is the point.
public final class NeuralGAN: DifferentiableGame, InputGradientGame {
    public enum Loss: String, CaseIterable, Sendable, Codable {
        case nonSaturating = "non-saturating", minimax, wasserstein, hinge
    }
    public typealias DataSampler = (_ rng: inout RandomGenerator, _ count: Int) -> Tensor

    public let name: String
    public let generator: any Network
    public let discriminator: any Network
    public let loss: Loss
    public let data: DataSampler
    public let defaultBatchSize: Int
    public let isStochastic: Bool
    public let evaluationSeed: UInt64
    public let domain: ProductDomain
    public let initialPoint: BlockVector
    /// S: shards of a minibatch (results depend on it; see ``DifferentiableGame``).
    public let shards: Int
    /// Threads computing the shards (results do not depend on it).
    public let threads: Int
    /// The processes (MPI ranks) sharing the shards (results do not depend on it).
    public let processGroup: any ProcessGroup

    /// - Parameters:
    ///   - generator: G, input width = latent size, output width = data width.
    ///   - discriminator: D, data width → 1.
    ///   - data: draws `count` real samples, shape [count, data width], in the networks' dtype.
    ///   - batchSize: n (default 64); stochastic: a fresh minibatch per oracle call (default true).
    ///   - shards: S ≥ 1 (default 1); threads: cores computing the shards (default 1).
    ///   - processGroup: the processes sharing the shards (default this one alone).
    public init(name: String = "neural-gan", generator: any Network, discriminator: any Network, loss: Loss = .nonSaturating,
                batchSize: Int = 64, stochastic: Bool = true, evaluationSeed: UInt64 = 0x5eed,
                domain: ProductDomain = .unconstrained, shards: Int = 1, threads: Int = 1,
                processGroup: any ProcessGroup = SingleProcess.shared, data: @escaping DataSampler) {
        ensure(generator.dtype == discriminator.dtype, "NeuralGAN: players of different dtypes")
        ensure(generator.outputWidth == discriminator.inputWidth && discriminator.outputWidth == 1,
               "NeuralGAN: G (\(generator.inputWidth) → \(generator.outputWidth)) must output D's input (\(discriminator.inputWidth)), and D must output 1")
        ensure(batchSize >= 1, "NeuralGAN: batch size \(batchSize)")
        ensure(shards >= 1 && threads >= 1, "NeuralGAN: shards \(shards), threads \(threads)")
        self.shards = shards
        self.threads = threads
        self.processGroup = processGroup
        self.name = name
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.data = data
        self.defaultBatchSize = batchSize
        self.isStochastic = stochastic
        self.evaluationSeed = evaluationSeed
        self.domain = domain
        self.initialPoint = BlockVector(generator: generator.initialParameters, discriminator: discriminator.initialParameters)
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: generator.parameterCount, discriminator: discriminator.parameterCount) }
    public var dtype: DType { generator.dtype }
    public var hasDiscriminatorInputs: Bool { true }

    /// One minibatch: real samples [n, d], noise [n, latent], interpolation weights ε [n, 1].
    public struct Batch {
        public let real: Tensor
        public let noise: Tensor
        public let mixing: Tensor
        public var count: Int { real.shape[0] }
        public init(real: Tensor, noise: Tensor, mixing: Tensor) { self.real = real; self.noise = noise; self.mixing = mixing }
    }

    /// The `count` samples drawn from `seed`: noise, then real samples, then ε.
    public func batch(samples count: Int, seed: UInt64) -> Batch {
        var rng = RandomGenerator(seed: seed)
        let z = Tensor.normal([count, generator.inputWidth], dtype: dtype, using: &rng)
        let x = data(&rng, count)
        ensure(x.shape == Shape([count, discriminator.inputWidth]) && x.dtype == dtype,
               "NeuralGAN: data sampler returned \(x.dtype) \(x.shape), expected \(dtype) [\(count), \(discriminator.inputWidth)]")
        let eps = Tensor.uniform([count, 1], dtype: dtype, using: &rng)
        return Batch(real: x, noise: z, mixing: eps)
    }

    /// The evaluation batch (the exact field's), in one piece.
    public var evaluationBatch: Batch { batch(samples: defaultBatchSize, seed: evaluationSeed) }

    public func record(_ parameters: PerPlayer<Variable>, samples: Int, seed: UInt64) -> GameGraph {
        graph(parameters, batch: cachedBatch(samples: samples, seed: seed))
    }

    /// The evaluation batch's shards are drawn once and kept (they are the same at every exact
    /// evaluation: metrics, losses, ‖F‖, a fixed-batch game); minibatches are drawn fresh.
    private let cacheLock = NSLock()
    private var exactBatches: [UInt64: (samples: Int, batch: Batch)] = [:]

    func cachedBatch(samples: Int, seed: UInt64) -> Batch {
        let exactPlan = shardPlan(size: defaultBatchSize, seed: evaluationSeed, regularizers: []) + [(defaultBatchSize, evaluationSeed)]
        guard exactPlan.contains(where: { $0.samples == samples && $0.seed == seed }) else { return batch(samples: samples, seed: seed) }
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let hit = exactBatches[seed], hit.samples == samples { return hit.batch }
        let b = batch(samples: samples, seed: seed)
        if exactBatches.count < 64 { exactBatches[seed] = (samples, b) }
        return b
    }

    /// The recorded losses and discriminator inputs on `batch`.
    public func graph(_ parameters: PerPlayer<Variable>, batch: Batch) -> GameGraph {
        let (theta, phi) = (parameters.generator, parameters.discriminator)
        let fake = generator(Variable(batch.noise), parameters: theta)
        let d = discriminator.inputWidth
        // x requires a gradient so that an input-gradient penalty can reuse the losses' D(x);
        // reverse sweeps visit only what leads to the inputs asked for, so the losses pay nothing.
        let real = Variable(batch.real, requiresGradient: true)
        let interpolates = {
            Variable(batch.mixing.broadcastColumns(d)) * Variable(batch.real) + Variable(batch.mixing.affine(scale: -1, shift: 1).broadcastColumns(d)) * fake
        }
        let dnet = discriminator
        let dReal = dnet(real, parameters: phi), dFake = dnet(fake, parameters: phi)
        let inputs = DiscriminatorInputs(real: real, fake: fake, interpolates: interpolates, outputs: [(real, dReal), (fake, dFake)],
                                         discriminator: { dnet($0, parameters: phi) })
        let l: PerPlayer<Variable>
        switch loss {
        case .nonSaturating:
            l = PerPlayer(generator: (-dFake).softplus().mean(), discriminator: (-dReal).softplus().mean() + dFake.softplus().mean())
        case .minimax:
            let fakeTerm = dFake.softplus().mean()
            l = PerPlayer(generator: -fakeTerm, discriminator: (-dReal).softplus().mean() + fakeTerm)
        case .wasserstein:
            l = PerPlayer(generator: (-dFake).mean(), discriminator: dFake.mean() - dReal.mean())
        case .hinge:
            l = PerPlayer(generator: (-dFake).mean(),
                          discriminator: (-dReal).affine(scale: 1, shift: 1).relu().mean() + dFake.affine(scale: 1, shift: 1).relu().mean())
        }
        return GameGraph(parameters: parameters, losses: l, batchSize: batch.count, discriminator: inputs)
    }

    /// G_θ(z) for the rows of `noise`, in evaluation mode (no recording), `rowsPerPass` rows at a
    /// time (all at once when nil): a convolutional generator holds hundreds of kilobytes of
    /// activations per sample, 0.8 GB for 2,500 DCGAN samples in one pass. In evaluation mode every
    /// row is a function of its own noise alone (batch normalization uses its running statistics),
    /// so the passes give the single pass's rows up to rounding (BLAS kernels block by the number
    /// of rows); passes start at row 0, so the bits depend only on the noise and `rowsPerPass`.
    public func generate(_ noise: Tensor, parameters theta: Tensor, rowsPerPass: Int? = nil) -> Tensor {
        let n = noise.shape[0]
        guard let step = rowsPerPass, step < n else {
            return GradientRecording.withoutRecording { generator(Variable(noise), parameters: Variable(theta), mode: .evaluation).value }
        }
        ensure(step > 0, "NeuralGAN.generate: rowsPerPass \(step)")
        let width = generator.outputWidth, latent = noise.shape[1]
        let out = Tensor(uninitialized: [n, width], dtype: noise.dtype)
        var start = 0
        while start < n {
            let rows = min(step, n - start)
            let z = noise.view(from: start * latent, shape: [rows, latent]).copy()
            out.view(from: start * width, shape: [rows, width]).copy(from: generate(z, parameters: theta))
            start += rows
        }
        return out
    }

    // MARK: Input-gradient penalties on the evaluation batch

    public func inputGradientPenalty(at omega: BlockVector, on samples: PenaltySamples) -> (value: Double, gradient: Tensor) {
        let p = omega.leaves()
        let d = graph(p, batch: evaluationBatch).discriminator!
        let r = d.inputGradient(on: samples == .real ? d.real : d.fake)
        let value = r.squared().sum().scaled(by: 0.5 / Double(defaultBatchSize))
        return (value.scalar, gradients(of: value, withRespectTo: [p.discriminator])[0].value)
    }

    /// E[J_rᵀ J_r] over the evaluation batch: rows of J_r by one reverse sweep per sample and input
    /// coordinate (n·d sweeps), then RᵀR/n.
    public func gaussNewtonGramian(at omega: BlockVector, on samples: PenaltySamples) -> Tensor {
        gaussNewtonGramianWithError(at: omega, on: samples).mean
    }

    /// The batch mean of G_i = J_r(x_i)ᵀJ_r(x_i) and its Monte Carlo standard error per entry,
    /// sd_i(G_i)/√n (n = the evaluation batch): the Gramian is an estimate of an expectation here.
    public func gaussNewtonGramianEstimate(at omega: BlockVector, on samples: PenaltySamples) -> GramianEstimate {
        let e = gaussNewtonGramianWithError(at: omega, on: samples)
        return GramianEstimate(mean: e.mean, standardError: e.standardError, samples: e.samples, seed: evaluationSeed,
                               inputWidth: discriminator.inputWidth, parameterNames: discriminator.parameterNames)
    }

    public func gaussNewtonGramianWithError(at omega: BlockVector, on samples: PenaltySamples) -> (mean: Tensor, standardError: Tensor, samples: Int) {
        let rows = jacobianRows(at: omega, on: samples)
        let n = defaultBatchSize, m = rows.shape[1], d = rows.shape[0] / n
        let mean = matmul(rows, rows, transposeA: true).scaled(by: 1 / Double(n))
        let second = Tensor.zeros([m, m], dtype: .float64)
        for i in 0..<n {
            let ri = rows.view(from: i * d * m, shape: [d, m])
            let gi = matmul(ri, ri, transposeA: true)
            second.add(gi * gi)
        }
        // Var_i(G_i) = E[G_i²] − (E G_i)², then the standard error of the mean.
        let variance = Tensor.linearCombination(1 / Double(n), second, -1, mean * mean)
        // Sample variance n/(n−1)·Var over n samples gives SE² = Var/(n − 1).
        let se = variance.clamped(0, .infinity).scaled(by: 1 / Double(max(n - 1, 1))).sqrt()
        return (mean, se, n)
    }

    /// The n·d rows of J_r = ∂(∇x D)/∂φ, sample by sample, as an (n·d) × nφ Float64 matrix.
    func jacobianRows(at omega: BlockVector, on samples: PenaltySamples) -> Tensor {
        let p = omega.leaves()
        let phi = p.discriminator
        let inputs = graph(p, batch: evaluationBatch).discriminator!
        let r = inputs.inputGradient(on: samples == .real ? inputs.real : inputs.fake)
        let n = r.shape[0], d = r.shape[1], m = phi.count
        let rows = Tensor.zeros([n * d, m], dtype: .float64)
        for i in 0..<n {
            for k in 0..<d {
                let seed = Tensor.zeros(r.shape, dtype: r.dtype)
                seed[i, k] = 1
                let row = gradients(of: [r], withRespectTo: [phi], cotangents: [Variable(seed)])[0].value
                rows.view(from: (i * d + k) * m, shape: [m]).copy(from: row.converted(to: .float64))
            }
        }
        return rows
    }

    public func interpolatePenalty(at omega: BlockVector, target c: Double) -> (value: Double, gradient: Tensor)? { nil }
}
