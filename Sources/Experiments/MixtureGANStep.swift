import Autodiff
import Networks
import Tensors

/// SPEC §7's reference workloads W1 (and W1-R1) and W2: one simultaneous gradient step of an MLP
/// GAN — both players' gradients from one forward pass, then the update.
///
/// W1: G: z ∈ R⁶⁴ → 128 → 128 → 2 (ReLU), D: 2 → 128 → 128 → 1 (LeakyReLU 0.2), batch 512, on
/// the ring of 8 Gaussians. W2 (``Configuration/mnist``): G: 64 → 256 → 256 → 784 (ReLU, sigmoid
/// out), D: 784 → 256 → 256 → 1, batch 256, on fixed uniform [0, 1] "images". Both use the
/// non-saturating loss:
///   L_D = mean softplus(−D(x)) + mean softplus(D(G(z))) [+ (γ/2)·mean‖∇x D(x)‖² with R1],
///   L_G = mean softplus(−D(G(z))),
///   θ ← θ − α ∇θ L_G,  φ ← φ − α ∇φ L_D   (both gradients at the same point).
///
/// The real batch and the noise are drawn once from the seed, so the timed loop measures the
/// step itself and no random sampling (as the peers' scripts do).
///
/// The step is computed on the two halves of the batch, as `saddle train` computes F with two
/// threads (``Games/NeuralGAN``): with `threads` ≥ 2 each half on its own core with
/// single-threaded BLAS (512×128 products scale poorly over two BLAS threads), with one thread the
/// two halves in turn — the same arithmetic, so the bits do not depend on `threads`.
public final class MixtureGANStep {
    public struct Configuration: Sendable, Equatable {
        public var batch = 512
        public var latent = 64
        public var hidden = 128
        /// Width of a data point: 2 for the ring, 784 for MNIST-sized images.
        public var dataWidth = 2
        /// The generator's output activation (identity for W1, sigmoid for W2).
        public var generatorOutput: Activation = .identity
        /// The fixed real batch: the ring of 8 Gaussians (needs `dataWidth` 2) or uniform [0, 1].
        public var realData: RealData = .ring
        /// γ of the R1 penalty (γ/2)·E‖∇x D(x)‖² on real data; nil for plain W1.
        public var r1Weight: Double? = nil
        public var stepSize = 1e-3
        public var seed: UInt64 = 0
        /// Cores to use: 1 computes the batch's halves in turn with one BLAS thread; 2 or more
        /// computes them at once, one per core (see above).
        public var threads = 1
        public init() {}

        public enum RealData: Sendable, Equatable { case ring, uniform }

        /// W2's sizes: z ∈ R⁶⁴, hidden 256, 784-pixel uniform [0, 1] images, sigmoid output, batch 256.
        public static var mnist: Configuration {
            var c = Configuration()
            c.batch = 256
            c.hidden = 256
            c.dataWidth = 784
            c.generatorOutput = .sigmoid
            c.realData = .uniform
            return c
        }
    }

    public let configuration: Configuration
    public let generator: MLP
    public let discriminator: MLP
    /// The fixed real batch and noise batch of the workload.
    public let real: Tensor
    public let noise: Tensor
    let gradientG: Tensor
    let gradientD: Tensor
    let gradientDFake: Tensor
    /// The second half's gradient of L_G (`gradientDFake` holds the second half's of L_D).
    let gradientGHalf: Tensor

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        let c = configuration
        let root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1), rngData = root.split(2)
        ensure(c.realData != .ring || c.dataWidth == 2, "MixtureGANStep: the ring is 2-dimensional, dataWidth is \(c.dataWidth)")
        generator = MLP([c.latent, c.hidden, c.hidden, c.dataWidth], hidden: .relu, output: c.generatorOutput, using: &rngG)
        discriminator = MLP([c.dataWidth, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rngD)
        noise = Tensor.normal([c.batch, c.latent], using: &rngData)
        switch c.realData {
        case .ring: real = MixtureGANStep.ring(count: c.batch, using: &rngData)
        case .uniform: real = Tensor.uniform([c.batch, c.dataWidth], using: &rngData)
        }
        gradientG = Tensor.zeros([generator.parameters.count])
        gradientD = Tensor.zeros([discriminator.parameters.count])
        gradientDFake = Tensor.zeros([discriminator.parameters.count])
        gradientGHalf = Tensor.zeros([generator.parameters.count])
        ensure(c.batch % 2 == 0, "MixtureGANStep: the step splits the batch in halves, got \(c.batch)")
    }

    /// `count` samples of the ring of 8 Gaussians (radius 2, std 0.02; SPEC §6).
    static func ring(count: Int, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor.normal([count, 2], std: 0.02, using: &rng)
        for i in 0..<count {
            let k = Int(rng.nextUInt32() % 8)
            let angle = 2 * Double.pi * Double(k) / 8
            t[i, 0] += 2 * _cos(angle)
            t[i, 1] += 2 * _sin(angle)
        }
        return t
    }

    /// One simultaneous step: both gradients (``stepByBatchHalves()``), then the update, each
    /// player's on its own core: θ −= α(g₀ + g₁) in one pass over the halves' gradients. (Done on
    /// one core as two additions and two updates, this serial tail took 5–8% of W2's step.)
    public func step() {
        let c = configuration
        stepByBatchHalves()
        runConcurrently(c.threads >= 2,
                        { self.generator.parameters.flat.axpy(-c.stepSize, sumOf: self.gradientG, self.gradientGHalf) },
                        { self.discriminator.parameters.flat.axpy(-c.stepSize, sumOf: self.gradientD, self.gradientDFake) })
    }

    /// Half h of the real and the noise batch gives L_D's and L_G's terms of those samples (divided
    /// by the full batch), each differentiated in one sweep; half 0 goes to `gradientD`,
    /// `gradientG`, half 1 to `gradientDFake`, `gradientGHalf` (``step()`` adds them). With two
    /// cores each half runs on its own: the halves are equal work, so the cores finish together.
    func stepByBatchHalves() {
        let c = configuration
        let half = c.batch / 2
        let outputs = [(gradientD, gradientG), (gradientDFake, gradientGHalf)]
        let work = { (h: Int) in
            let x = Variable(self.real.view(from: h * half * c.dataWidth, shape: [half, c.dataWidth]),
                             requiresGradient: c.r1Weight != nil)
            let z = Variable(self.noise.view(from: h * half * c.latent, shape: [half, c.latent]))
            let dReal = self.discriminator(x)
            var lossD = (-dReal).softplus().sum().scaled(by: 1 / Double(c.batch))
            if let gamma = c.r1Weight {
                let gx = gradients(of: dReal.sum(), withRespectTo: [x], createGraph: true)[0]
                lossD = lossD + gx.squared().sum().scaled(by: gamma / 2 / Double(c.batch))
            }
            let dFake = self.discriminator(self.generator(z))
            lossD = lossD + dFake.softplus().sum().scaled(by: 1 / Double(c.batch))
            self.discriminator.parameters.gradient(of: lossD, into: outputs[h].0)
            self.generator.parameters.gradient(of: (-dFake).softplus().sum().scaled(by: 1 / Double(c.batch)), into: outputs[h].1)
        }
        runConcurrently(c.threads >= 2, { work(0) }, { work(1) })
    }

    /// The losses (L_G, L_D) at the current parameters, on the workload's fixed batch.
    public func losses() -> (generator: Double, discriminator: Double) {
        GradientRecording.withoutRecording {
            let dReal = discriminator(Variable(real)), dFake = discriminator(generator(Variable(noise)))
            return ((-dFake).softplus().mean().scalar, ((-dReal).softplus().mean() + dFake.softplus().mean()).scalar)
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
#else
import Foundation
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Foundation.sin(x) }
#endif
