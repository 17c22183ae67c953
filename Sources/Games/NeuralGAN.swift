import Autodiff
import Networks
import Tensors

/// A GAN whose players are MLPs and whose structure (G, D, data, noise) is known to Saddle, so
/// regularizers can reach ∇x D and diagnostics can differentiate F itself.
///
/// Losses (each player minimizes its own, SPEC §1), on a minibatch of n real samples x and noise z:
/// - `.nonSaturating`: L_D = E softplus(−D(x)) + E softplus(D(G(z))), L_G = E softplus(−D(G(z))).
/// - `.minimax` (the original zero-sum form): L_D as above, L_G = −E softplus(D(G(z))) = −(L_D's fake term).
/// - `.wasserstein`: L_D = −E D(x) + E D(G(z)), L_G = −E D(G(z)).
/// - `.hinge`: L_D = E relu(1 − D(x)) + E relu(1 + D(G(z))), L_G = −E D(G(z)).
/// F = (∇θ L_G, ∇φ L_D) is computed with both players' parameters as `Variable`s
/// (``MLP/callAsFunction(_:parameters:)``), so ``recordedField(theta:phi:batch:regularizers:)`` can be
/// differentiated again: Jacobian–vector products of F, second-order penalties, the consensus term.
///
/// Unlike ``NeuralGame`` (any losses in a closure), the batch is drawn here: noise z ∼ N(0, I) of the
/// generator's input width, real samples from `data`, and interpolation weights ε ∼ U(0, 1) per
/// sample (WGAN-GP), in that order from the request's seed (the fixed ``evaluationSeed`` for the
/// exact field). The networks' own buffers are not touched: ω is the point.
public final class NeuralGAN: InputGradientGame {
    public enum Loss: String, CaseIterable, Sendable, Codable {
        case nonSaturating = "non-saturating", minimax, wasserstein, hinge
    }
    public typealias DataSampler = (_ rng: inout RandomGenerator, _ count: Int) -> Tensor

    public let name: String
    public let generator: MLP
    public let discriminator: MLP
    public let loss: Loss
    public let data: DataSampler
    public let defaultBatchSize: Int
    public let isStochastic: Bool
    public let evaluationSeed: UInt64
    public let domain: ProductDomain
    public let initialPoint: BlockVector
    /// Cores for one evaluation of F (1 or 2): with 2, the two halves of the minibatch are
    /// differentiated at once, one per core (see ``field(at:blocks:sample:regularizers:)``).
    public let threads: Int

    /// - Parameters:
    ///   - generator: G, input width = latent size, output width = data width.
    ///   - discriminator: D, data width → 1.
    ///   - data: draws `count` real samples, shape [count, data width], in the networks' dtype.
    ///   - batchSize: n (default 64); stochastic: a fresh minibatch per oracle call (default true).
    ///   - threads: 1 (default) or 2 cores per evaluation of F; more count as 2.
    public init(name: String = "neural-gan", generator: MLP, discriminator: MLP, loss: Loss = .nonSaturating,
                batchSize: Int = 64, stochastic: Bool = true, evaluationSeed: UInt64 = 0x5eed,
                domain: ProductDomain = .unconstrained, threads: Int = 1, data: @escaping DataSampler) {
        ensure(generator.parameters.dtype == discriminator.parameters.dtype, "NeuralGAN: players of different dtypes")
        ensure(generator.sizes.last == discriminator.sizes.first && discriminator.sizes.last == 1,
               "NeuralGAN: G \(generator.sizes) must output D's input \(discriminator.sizes), and D must output 1")
        ensure(batchSize >= 1, "NeuralGAN: batch size \(batchSize)")
        ensure(threads >= 1, "NeuralGAN: threads \(threads)")
        self.threads = threads
        self.name = name
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.data = data
        self.defaultBatchSize = batchSize
        self.isStochastic = stochastic
        self.evaluationSeed = evaluationSeed
        self.domain = domain
        self.initialPoint = BlockVector(generator: generator.parameters.flat, discriminator: discriminator.parameters.flat)
    }

    public var sizes: PerPlayer<Int> { PerPlayer(generator: generator.parameters.count, discriminator: discriminator.parameters.count) }
    public var dtype: DType { generator.parameters.dtype }

    /// One minibatch: real samples [n, d], noise [n, latent], interpolation weights ε [n, 1].
    public struct Batch {
        public let real: Tensor
        public let noise: Tensor
        public let mixing: Tensor
        public var count: Int { real.shape[0] }

        /// Rows `range` of each tensor (views, no copy).
        public func rows(_ range: Range<Int>) -> Batch {
            func cut(_ t: Tensor) -> Tensor {
                let width = t.shape[1]
                return t.view(from: range.lowerBound * width, shape: [range.count, width])
            }
            return Batch(real: cut(real), noise: cut(noise), mixing: cut(mixing))
        }
    }

    public func batch(_ sample: SampleRequest) -> Batch {
        var rng: RandomGenerator
        let n: Int
        switch sample {
        case .exact: rng = RandomGenerator(seed: evaluationSeed); n = defaultBatchSize
        case .minibatch(let size, let seed): rng = RandomGenerator(seed: seed); n = size
        }
        let z = Tensor.normal([n, generator.sizes[0]], dtype: dtype, using: &rng)
        let x = data(&rng, n)
        ensure(x.shape == Shape([n, discriminator.sizes[0]]) && x.dtype == dtype,
               "NeuralGAN: data sampler returned \(x.dtype) \(x.shape), expected \(dtype) [\(n), \(discriminator.sizes[0])]")
        let eps = Tensor.uniform([n, 1], dtype: dtype, using: &rng)
        return Batch(real: x, noise: z, mixing: eps)
    }

    /// The recorded quantities a regularizer builds its loss terms from.
    public struct Graph {
        /// θ and φ as differentiable variables.
        public let parameters: PerPlayer<Variable>
        /// x (constants), G_θ(z), and x̂ = εx + (1 − ε)G_θ(z).
        public let real: Variable
        public let fake: Variable
        public let interpolates: Variable
        public let batchSize: Int
        let discriminator: (Variable) -> Variable

        /// D_φ at the rows of `x`.
        public func discriminate(_ x: Variable) -> Variable { discriminator(x) }

        /// r = ∇x D_φ(x) per row ([n, d]), recorded so it can be differentiated with respect to φ
        /// (and θ, through fake samples).
        public func inputGradient(on x: Variable) -> Variable {
            let input = x.requiresGradient ? x : Variable(x.value, requiresGradient: true)
            return gradients(of: discriminator(input).sum(), withRespectTo: [input], createGraph: true)[0]
        }
    }

    public func graph(theta: Variable, phi: Variable, batch: Batch) -> Graph {
        let fake = generator(Variable(batch.noise), parameters: theta)
        let d = discriminator.sizes[0]
        let eps = Variable(batch.mixing.broadcastColumns(d))
        let oneMinus = Variable(batch.mixing.affine(scale: -1, shift: 1).broadcastColumns(d))
        let interpolates = eps * Variable(batch.real) + oneMinus * fake
        let dnet = discriminator
        return Graph(parameters: PerPlayer(generator: theta, discriminator: phi), real: Variable(batch.real), fake: fake,
                     interpolates: interpolates, batchSize: batch.count, discriminator: { dnet($0, parameters: phi) })
    }

    /// (L_G, L_D) on the graph, every regularizer's loss terms included except the consensus term.
    public func recordedLosses(_ g: Graph, regularizers: [any Regularizer] = []) -> PerPlayer<Variable> {
        let dReal = g.discriminate(g.real), dFake = g.discriminate(g.fake)
        var l: PerPlayer<Variable>
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
        for r in regularizers where !(r is Consensus) {
            let t = r.lossTerms(in: g)
            for p in Player.allCases { if let term = t[p] { l[p] = l[p] + term } }
        }
        return l
    }

    /// F(θ, φ) with the regularizers, as variables. With `createGraph` the result can be
    /// differentiated again (Jacobian products); the consensus term always records the field it squares.
    public func recordedField(theta: Variable, phi: Variable, batch: Batch, regularizers: [any Regularizer] = [],
                              createGraph: Bool = true) -> PerPlayer<Variable> {
        let g = graph(theta: theta, phi: phi, batch: batch)
        let l = recordedLosses(g, regularizers: regularizers)
        let consensus = regularizers.compactMap { $0 as? Consensus }
        let record = createGraph || !consensus.isEmpty
        var f: PerPlayer<Variable>
        if record {
            f = PerPlayer(generator: gradients(of: l.generator, withRespectTo: [theta], createGraph: true)[0],
                          discriminator: gradients(of: l.discriminator, withRespectTo: [phi], createGraph: true)[0])
        } else {
            // First order: each layer's gradient is written into its slice of the flat vector.
            let (gTheta, gPhi) = (Tensor(uninitialized: theta.shape, dtype: theta.dtype), Tensor(uninitialized: phi.shape, dtype: phi.dtype))
            gradients(of: l.generator, withRespectTo: [theta], into: [gTheta])
            gradients(of: l.discriminator, withRespectTo: [phi], into: [gPhi])
            f = PerPlayer(generator: Variable(gTheta), discriminator: Variable(gPhi))
        }
        for c in consensus {
            let half = (f.generator.squared().sum() + f.discriminator.squared().sum()).scaled(by: c.weight / 2)
            let jtf = gradients(of: half, withRespectTo: [theta, phi], createGraph: createGraph)
            f = PerPlayer(generator: f.generator + jtf[0], discriminator: f.discriminator + jtf[1])
        }
        return f
    }

    func leaves(_ omega: BlockVector) -> (Variable, Variable) {
        (Variable(omega[.generator].copy(), requiresGradient: true), Variable(omega[.discriminator].copy(), requiresGradient: true))
    }

    /// Whether ``field(at:blocks:sample:regularizers:)`` computes a batch of `batchSize` as two
    /// halves at once: with ``threads`` ≥ 2, an even batch, and every regularizer a mean over samples.
    public func splitsIntoHalves(batchSize: Int, regularizers: [any Regularizer]) -> Bool {
        threads >= 2 && batchSize >= 2 && batchSize % 2 == 0 && regularizers.allSatisfy(\.isMeanOverSamples)
    }

    /// F(ω) with `regularizers` applied (``Regularized`` calls this).
    ///
    /// With ``threads`` ≥ 2, an even minibatch and regularizers that are means over the samples
    /// (``Regularizer/isMeanOverSamples``), the losses on the batch are the averages of the losses
    /// on its two halves, and so is F: each half's field is computed on its own core (one BLAS
    /// thread each) and F = (F₀ + F₁)/2. That is the same F as one pass over the whole batch up to
    /// Float32 rounding, in other bits; with a fixed thread count the bits are reproducible, since
    /// each half's arithmetic is serial and the two are added in a fixed order.
    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest, regularizers: [any Regularizer]) -> BlockVector {
        let (theta, phi) = leaves(omega)
        let b = batch(sample)
        var out: BlockVector
        if splitsIntoHalves(batchSize: b.count, regularizers: regularizers) {
            let half = b.count / 2
            // Each half records its own graph from its own leaves (graphs are per thread).
            let work = { (h: Int) -> PerPlayer<Variable> in
                let (t, p) = (Variable(theta.value, requiresGradient: true), Variable(phi.value, requiresGradient: true))
                return self.recordedField(theta: t, phi: p, batch: b.rows(h * half ..< (h + 1) * half),
                                          regularizers: regularizers, createGraph: false)
            }
            var f0: PerPlayer<Variable>!, f1: PerPlayer<Variable>!  // one variable per thread
            runConcurrently(true, { f0 = work(0) }, { f1 = work(1) })
            // The halves' average, each player's block on its own core.
            var g: Tensor!, d: Tensor!
            runConcurrently(true, { g = Tensor.linearCombination(0.5, f0.generator.value, 0.5, f1.generator.value) },
                            { d = Tensor.linearCombination(0.5, f0.discriminator.value, 0.5, f1.discriminator.value) })
            out = BlockVector(generator: g, discriminator: d)
        } else {
            let f = recordedField(theta: theta, phi: phi, batch: b, regularizers: regularizers, createGraph: false)
            out = BlockVector(generator: f.generator.value, discriminator: f.discriminator.value)
        }
        for p in Player.allCases where !blocks.contains(p) { out.withBlock(p) { $0.fill(0) } }
        return out
    }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        field(at: omega, blocks: blocks, sample: sample, regularizers: [])
    }

    /// (L_G, L_D) on the evaluation batch, with the regularizers' terms (consensus: (γ/2)‖F‖² to both).
    public func losses(at omega: BlockVector, regularizers: [any Regularizer]) -> PerPlayer<Double> {
        let (theta, phi) = leaves(omega)
        let b = batch(.exact)
        var l = recordedLosses(graph(theta: theta, phi: phi, batch: b), regularizers: regularizers).map(\.scalar)
        var others: [any Regularizer] = []
        for r in regularizers {
            if let c = r as? Consensus {
                let f = recordedField(theta: theta, phi: phi, batch: b, regularizers: others, createGraph: false)
                let v = c.weight / 2 * (f.generator.value.dot(f.generator.value) + f.discriminator.value.dot(f.discriminator.value))
                l.generator += v; l.discriminator += v
            }
            others.append(r)
        }
        return l
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> { losses(at: omega, regularizers: []) }

    // MARK: Input-gradient penalties on the evaluation batch

    public func inputGradientPenalty(at omega: BlockVector, on samples: PenaltySamples) -> (value: Double, gradient: Tensor) {
        let (theta, phi) = leaves(omega)
        let g = graph(theta: theta, phi: phi, batch: batch(.exact))
        let r = g.inputGradient(on: samples == .real ? g.real : g.fake)
        let value = r.squared().sum().scaled(by: 0.5 / Double(g.batchSize))
        return (value.scalar, gradients(of: value, withRespectTo: [phi])[0].value)
    }

    /// E[J_rᵀ J_r] over the evaluation batch: rows of J_r by one reverse sweep per sample and input
    /// coordinate (n·d sweeps), then RᵀR/n.
    public func gaussNewtonGramian(at omega: BlockVector, on samples: PenaltySamples) -> Tensor {
        gaussNewtonGramianWithError(at: omega, on: samples).mean
    }

    /// The batch mean of G_i = J_r(x_i)ᵀJ_r(x_i) and its Monte Carlo standard error per entry,
    /// sd_i(G_i)/√n (n = the evaluation batch): the Gramian is an estimate of an expectation here.
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
        let (theta, phi) = leaves(omega)
        let g = graph(theta: theta, phi: phi, batch: batch(.exact))
        let r = g.inputGradient(on: samples == .real ? g.real : g.fake)
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
