import Autodiff
import Networks
import Tensors

/// SPEC §7's workload W3: one Jacobian–vector product J_F(ω)·v of the game's vector field
/// F(θ, φ) = (∇θ L_G, ∇φ L_D) of W1 (non-saturating losses, W1's networks and fixed batches),
/// at the W1 starting point ω, along a fixed random tangent v.
///
/// F is written functionally — the networks run on parameter-vector `Variable`s through
/// ``MLP/callAsFunction(_:parameters:)`` — and differentiated by ``JacobianProducts/jvp(of:at:tangents:)``
/// (the double-VJP trick: F's two gradient sweeps recorded, then two more sweeps), exactly as a
/// diagnostic or a second-order solver would call it. Runs with `threads` BLAS threads.
public final class FieldJVP {
    public let configuration: MixtureGANStep.Configuration
    public let generator: MLP
    public let discriminator: MLP
    public let real: Tensor
    public let noise: Tensor
    /// The point ω = (θ, φ) and the tangent v = (v_θ, v_φ).
    public let point: [Tensor]
    public let tangent: [Tensor]
    /// J_F(ω)·v from the last ``step()``.
    public private(set) var product: [Tensor] = []

    /// W1's networks and batches (the same seeds as ``MixtureGANStep``) in `dtype`; the tangent is
    /// standard normal from a further split of the seed.
    public init(_ configuration: MixtureGANStep.Configuration, dtype: DType = .float32) {
        self.configuration = configuration
        let c = configuration
        let root = RandomGenerator(seed: c.seed)
        var rngG = root.split(0), rngD = root.split(1), rngData = root.split(2), rngV = root.split(3)
        ensure(c.realData == .ring && c.dataWidth == 2, "FieldJVP: W3 is the field of W1 (the ring)")
        ensure(c.r1Weight == nil, "FieldJVP: W3 is the field of W1 without R1")
        generator = MLP([c.latent, c.hidden, c.hidden, c.dataWidth], hidden: .relu, output: c.generatorOutput, dtype: dtype, using: &rngG)
        discriminator = MLP([c.dataWidth, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), dtype: dtype, using: &rngD)
        noise = Tensor.normal([c.batch, c.latent], using: &rngData).converted(to: dtype)
        real = MixtureGANStep.ring(count: c.batch, using: &rngData).converted(to: dtype)
        point = [generator.parameters.flat.copy(), discriminator.parameters.flat.copy()]
        tangent = point.map { Tensor.normal($0.shape, dtype: dtype, using: &rngV) }
    }

    /// F(θ, φ), recorded with createGraph so that it can be differentiated.
    public func field(_ blocks: [Variable]) -> [Variable] {
        let (theta, phi) = (blocks[0], blocks[1])
        let fake = generator(Variable(noise), parameters: theta)
        let dReal = discriminator(Variable(real), parameters: phi)
        let dFake = discriminator(fake, parameters: phi)
        let lossD = (-dReal).softplus().mean() + dFake.softplus().mean()
        let lossG = (-dFake).softplus().mean()
        let gTheta = gradients(of: lossG, withRespectTo: [theta], createGraph: true)[0]
        let gPhi = gradients(of: lossD, withRespectTo: [phi], createGraph: true)[0]
        return [gTheta, gPhi]
    }

    /// F evaluated (no Jacobian) at `points`.
    public func evaluate(_ points: [Tensor]) -> [Tensor] {
        field(points.map { Variable($0, requiresGradient: true) }).map(\.value)
    }

    /// One JVP at the fixed point along the fixed tangent.
    public func step() {
        if BLAS.threads != configuration.threads { BLAS.threads = configuration.threads }
        product = JacobianProducts.jvp(of: field, at: point, tangents: tangent).jvp
    }

    /// SHA-256 of the last product's blocks.
    public var fingerprint: String {
        var h = SHA256()
        for t in product { h.update(t) }
        return h.hexDigest()
    }
}
