import Testing
import TestSupport
import Autodiff
import Networks
import Tensors

/// Jacobian–vector and vector–Jacobian products of a GAN's vector field
///   F(θ, φ) = (∇θ L_G(θ, φ), ∇φ L_D(θ, φ)),
/// itself a gradient, so J·v is a third-level derivative: forward mode over a recorded F, checked
/// against finite differences and against the double-VJP trick.
@Suite("Jacobian products of a GAN vector field (Float64)")
struct JacobianProductTests {
    let generator: MLP
    let discriminator: MLP
    let real: Tensor
    let noise: Tensor

    init() {
        var rng = RandomGenerator(seed: 21)
        // Smooth activations: finite differences along a direction of all parameters never meet a kink.
        generator = MLP([2, 5, 2], hidden: .tanh, dtype: .float64, using: &rng)
        discriminator = MLP([2, 6, 1], hidden: .softplus, dtype: .float64, using: &rng)
        real = Tensor.normal([8, 2], dtype: .float64, using: &rng)
        noise = Tensor.normal([8, 2], dtype: .float64, using: &rng)
    }

    /// F(θ, φ) with non-saturating losses, built with createGraph so it can be differentiated.
    func field(_ blocks: [Variable]) -> [Variable] {
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

    func evaluate(_ points: [Tensor]) -> [Tensor] {
        field(points.map { Variable($0, requiresGradient: true) }).map(\.value)
    }

    @Test func jvpAndVjpAreAdjointAndMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 22)
        let omega = [generator.parameters.flat, discriminator.parameters.flat]
        let v = omega.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        let u = omega.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        let (values, jv) = JacobianProducts.jvp(of: field, at: omega, tangents: v)
        let (_, jtu) = JacobianProducts.vjp(of: field, at: omega, cotangents: u)
        // F itself is what a direct evaluation gives.
        for (a, b) in zip(values, evaluate(omega)) { #expect(a.scalars == b.scalars) }
        // ⟨u, Jv⟩ = ⟨Jᵀu, v⟩.
        let left = zip(u, jv).map { $0.dot($1) }.reduce(0, +)
        let right = zip(jtu, v).map { $0.dot($1) }.reduce(0, +)
        #expect(abs(left - right) <= 1e-12 * max(1, abs(left)), "⟨u, Jv⟩ = \(left), ⟨Jᵀu, v⟩ = \(right)")
        // Jv against (F(ω + hv) − F(ω − hv)) / 2h.
        let fd = FiniteDifferences.directional(of: evaluate, at: omega, along: v)
        for k in 0..<2 {
            #expect(compareEntrywise(jv[k], fd[k], tolerance: 1e-6, label: "Jv block \(k)") == nil)
        }
        // The double-VJP trick, an independent route, gives the same product.
        let (_, jvReverse) = JacobianProducts.jvpByDoubleVJP(of: field, at: omega, tangents: v)
        for k in 0..<2 {
            #expect(compareEntrywise(jv[k], jvReverse[k], tolerance: 1e-12, label: "forward vs double-VJP block \(k)") == nil)
        }
        // Not vacuous: the off-diagonal blocks couple the players.
        #expect(jv[0].maxAbs() > 1e-4 && jv[1].maxAbs() > 1e-4)
    }

    /// J·v alone (``JacobianProducts/jvpOnly(of:at:tangents:)``, values deferred) is the same
    /// product bit for bit, with fewer matrix products: a primal value is computed only when a
    /// tangent rule reads it. Counted by hand for these networks (multiply–adds per sample of G's
    /// layers g₁ = 2·5, g₂ = 5·2 and D's d₁ = 2·6, d₂ = 6·1): the primal weight gradients Xᵀ·δ are
    /// outputs only — G's g₁ + g₂ and D's d₁ + d₂ on real and on fake data: 56 multiply–adds per
    /// sample, 8 samples. Every primal cotangent is still read: the smooth activations' backward
    /// products δ·σ′(pre) have the tangent δ̇·σ′(pre) + δ·σ″(pre)·pṙe, which reads δ (behind a
    /// LeakyReLU the mask's tangent does not, and W3 skips those products too: WorkloadTests).
    @Test func jvpAloneIsTheSameProductWithFewerMatrixProducts() {
        var rng = RandomGenerator(seed: 24)
        let omega = [generator.parameters.flat, discriminator.parameters.flat]
        let v = omega.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        let withOutputs = FlopCounter(), alone = FlopCounter()
        let (_, jv) = withOutputs.measure { JacobianProducts.jvp(of: field, at: omega, tangents: v) }
        let only = alone.measure { JacobianProducts.jvpOnly(of: field, at: omega, tangents: v) }
        for k in 0..<2 { #expect(jv[k].scalars.map(\.bitPattern) == only[k].scalars.map(\.bitPattern)) }
        let skipped = (10 + 10) + 2 * (12 + 6)
        #expect(withOutputs.flops - alone.flops == Double(2 * 8 * skipped), "\(withOutputs.flops) against \(alone.flops)")
    }

    /// Jᵀu against finite differences of the scalar ⟨u, F(ω)⟩.
    @Test func vjpMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 23)
        let omega = [generator.parameters.flat, discriminator.parameters.flat]
        let u = omega.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        let (_, jtu) = JacobianProducts.vjp(of: field, at: omega, cotangents: u)
        let fd = FiniteDifferences.gradient(of: { ps in zip(self.evaluate(ps), u).map { $0.dot($1) }.reduce(0, +) }, at: omega)
        for k in 0..<2 {
            #expect(compareEntrywise(jtu[k], fd[k], tolerance: 1e-6, label: "Jᵀu block \(k)") == nil)
        }
    }
}
