import Autodiff
import Networks
import Tensors

/// SPEC §7's reference workload W1 (and W1-R1): one simultaneous gradient step of an MLP GAN on
/// the ring of 8 Gaussians — both players' gradients from one forward pass, then the update.
///
/// G: z ∈ R⁶⁴ → 128 → 128 → 2 (ReLU), D: 2 → 128 → 128 → 1 (LeakyReLU 0.2), batch 512,
/// non-saturating loss:
///   L_D = mean softplus(−D(x)) + mean softplus(D(G(z))) [+ (γ/2)·mean‖∇x D(x)‖² with R1],
///   L_G = mean softplus(−D(G(z))),
///   θ ← θ − α ∇θ L_G,  φ ← φ − α ∇φ L_D   (both gradients at the same point).
///
/// The real batch and the noise are drawn once from the seed, so the timed loop measures the
/// step itself and no random sampling (as the peers' scripts do).
///
/// With `threads` ≥ 2 the two players' work runs concurrently, one core each with single-threaded
/// BLAS: first D(x) (and R1's ∇x D) beside G(z) and D(G(z)), then ∇φ L_D beside ∇θ L_G. The two
/// halves are nearly balanced, and 512×128 products scale poorly over two BLAS threads. Each
/// gradient is computed entirely on one thread, so the result is bit-identical to the serial step.
public final class MixtureGANStep {
    public struct Configuration: Sendable, Equatable {
        public var batch = 512
        public var latent = 64
        public var hidden = 128
        /// γ of the R1 penalty (γ/2)·E‖∇x D(x)‖² on real data; nil for plain W1.
        public var r1Weight: Double? = nil
        public var stepSize = 1e-3
        public var seed: UInt64 = 0
        /// Cores to use: 1 runs everything serially with one BLAS thread; 2 or more runs the
        /// players' work concurrently (see above).
        public var threads = 1
        public init() {}
    }

    public let configuration: Configuration
    public let generator: MLP
    public let discriminator: MLP
    let real: Tensor
    let noise: Tensor
    let gradientG: Tensor
    let gradientD: Tensor
    /// The losses of the last step (L_G, L_D).
    public private(set) var lastLosses: (generator: Double, discriminator: Double) = (0, 0)

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        let c = configuration
        let root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1), rngData = root.split(2)
        generator = MLP([c.latent, c.hidden, c.hidden, 2], hidden: .relu, using: &rngG)
        discriminator = MLP([2, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), using: &rngD)
        noise = Tensor.normal([c.batch, c.latent], using: &rngData)
        real = MixtureGANStep.ring(count: c.batch, using: &rngData)
        gradientG = Tensor.zeros([generator.parameters.count])
        gradientD = Tensor.zeros([discriminator.parameters.count])
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

    /// One simultaneous step.
    public func step() {
        let c = configuration
        var dReal: Variable!, r1: Variable?, dFake: Variable!
        // Forward: D on real data (and R1's first backward pass) | G(z) and D(G(z)).
        let realSide = {
            let x = Variable(self.real, requiresGradient: c.r1Weight != nil)
            dReal = self.discriminator(x)
            if let gamma = c.r1Weight {
                let gx = gradients(of: dReal.sum(), withRespectTo: [x], createGraph: true)[0]
                r1 = gx.squared().sum().scaled(by: gamma / 2 / Double(c.batch))
            }
        }
        let fakeSide = { dFake = self.discriminator(self.generator(Variable(self.noise))) }
        runConcurrently(c.threads >= 2, realSide, fakeSide)
        var lossD = (-dReal).softplus().mean() + dFake.softplus().mean()
        if let r1 { lossD = lossD + r1 }
        let lossG = (-dFake).softplus().mean()
        // Backward: ∇φ L_D | ∇θ L_G, both at the same point (the step is simultaneous).
        runConcurrently(c.threads >= 2,
                        { self.discriminator.parameters.gradient(of: lossD, into: self.gradientD) },
                        { self.generator.parameters.gradient(of: lossG, into: self.gradientG) })
        generator.parameters.flat.axpy(-c.stepSize, gradientG)
        discriminator.parameters.flat.axpy(-c.stepSize, gradientD)
        lastLosses = (lossG.scalar, lossD.scalar)
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
