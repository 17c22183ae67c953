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
/// diagnostic or a second-order solver would call it.
///
/// F is a sum over the batch, F = F₀ + F₁ with Fₕ the field of the losses' terms on half h of the
/// real and the noise batch (still divided by the full batch), so J_F·v = J_F₀·v + J_F₁·v: the
/// product is taken as two half-batch JVPs, which two cores compute at once (each with one BLAS
/// thread; 2-thread OpenBLAS gains little on these 256-row products, and the halves are equal
/// work). With one thread the product is one JVP over the whole batch: the same J_F·v up to
/// Float32 rounding (the bits differ from the two-thread product's; each is reproducible).
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
        ensure(c.batch % 2 == 0, "FieldJVP: the batch is split in halves, got \(c.batch)")
        generator = MLP([c.latent, c.hidden, c.hidden, c.dataWidth], hidden: .relu, output: c.generatorOutput, dtype: dtype, using: &rngG)
        discriminator = MLP([c.dataWidth, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), dtype: dtype, using: &rngD)
        noise = Tensor.normal([c.batch, c.latent], using: &rngData).converted(to: dtype)
        real = MixtureGANStep.ring(count: c.batch, using: &rngData).converted(to: dtype)
        point = [generator.parameters.flat.copy(), discriminator.parameters.flat.copy()]
        tangent = point.map { Tensor.normal($0.shape, dtype: dtype, using: &rngV) }
    }

    /// F(θ, φ), recorded with createGraph so that it can be differentiated.
    public func field(_ blocks: [Variable]) -> [Variable] {
        field(blocks, real: real, noise: noise)
    }

    /// Fₕ: the field of the losses' terms on rows `h·B/2 ..< (h+1)·B/2` of the batches.
    func halfField(_ h: Int) -> ([Variable]) -> [Variable] {
        let c = configuration, half = c.batch / 2
        let realHalf = real.view(from: h * half * c.dataWidth, shape: [half, c.dataWidth])
        let noiseHalf = noise.view(from: h * half * c.latent, shape: [half, c.latent])
        return { self.field($0, real: realHalf, noise: noiseHalf) }
    }

    /// The field of the losses' terms on the rows `real`, `noise`, divided by the full batch.
    func field(_ blocks: [Variable], real: Tensor, noise: Tensor) -> [Variable] {
        let (theta, phi) = (blocks[0], blocks[1])
        let scale = 1 / Double(configuration.batch)
        let fake = generator(Variable(noise), parameters: theta)
        let dReal = discriminator(Variable(real), parameters: phi)
        let dFake = discriminator(fake, parameters: phi)
        let lossD = (-dReal).softplus().sum().scaled(by: scale) + dFake.softplus().sum().scaled(by: scale)
        let lossG = (-dFake).softplus().sum().scaled(by: scale)
        let gTheta = gradients(of: lossG, withRespectTo: [theta], createGraph: true)[0]
        let gPhi = gradients(of: lossD, withRespectTo: [phi], createGraph: true)[0]
        return [gTheta, gPhi]
    }

    /// F evaluated (no Jacobian) at `points`.
    public func evaluate(_ points: [Tensor]) -> [Tensor] {
        field(points.map { Variable($0, requiresGradient: true) }).map(\.value)
    }

    /// One JVP at the fixed point along the fixed tangent: with two or more threads the two
    /// halves' products, computed at once and added; with one, a single JVP over the whole batch
    /// (the halves would cost one core 8% more: twice the per-operation overheads).
    public func step() {
        if BLAS.threads != 1 { BLAS.threads = 1 }
        guard configuration.threads >= 2 else {
            product = JacobianProducts.jvp(of: field, at: point, tangents: tangent).jvp
            return
        }
        var first: [Tensor] = [], second: [Tensor] = []  // one variable per thread
        runConcurrently(configuration.threads >= 2,
                        { first = JacobianProducts.jvp(of: self.halfField(0), at: self.point, tangents: self.tangent).jvp },
                        { second = JacobianProducts.jvp(of: self.halfField(1), at: self.point, tangents: self.tangent).jvp })
        for (a, b) in zip(first, second) { a.add(b) }
        product = first
    }

    /// SHA-256 of the last product's blocks.
    public var fingerprint: String {
        var h = SHA256()
        for t in product { h.update(t) }
        return h.hexDigest()
    }
}
