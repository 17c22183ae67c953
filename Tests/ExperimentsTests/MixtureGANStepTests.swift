import Testing
import TestSupport
import Autodiff
import Experiments
import Networks
import Tensors

/// One W1 / W1-R1 step against an independent computation of the same update: both gradients
/// from single reverse sweeps over the whole losses, θ₁ = θ₀ − α∇θL_G, φ₁ = φ₀ − α∇φL_D.
@Suite("The W1 step computes simultaneous gradient descent")
struct MixtureGANStepTests {
    @Test(arguments: [BenchmarkWorkload.w1, .w1R1, .w2], [1, 2])
    func oneStepMatchesSingleSweepGradients(_ workload: BenchmarkWorkload, _ threads: Int) {
        let step = workload.make(seed: 3, threads: threads)
        let c = step.configuration
        let (g, d) = (step.generator, step.discriminator)
        let theta0 = g.parameters.flat.copy(), phi0 = d.parameters.flat.copy()
        // Reference: L_D and L_G as single expressions, one sweep each.
        let x = Variable(step.real, requiresGradient: true)
        let dReal = d(x), dFake = d(g(Variable(step.noise)))
        var lossD = (-dReal).softplus().mean() + dFake.softplus().mean()
        if let gamma = c.r1Weight {
            let gx = gradients(of: dReal.sum(), withRespectTo: [x], createGraph: true)[0]
            lossD = lossD + gx.squared().sum().scaled(by: gamma / 2 / Double(c.batch))
        }
        let gradD = d.parameters.gradient(of: lossD)
        let gradG = g.parameters.gradient(of: (-dFake).softplus().mean())
        step.step()
        let movedD = Tensor.linearCombination(1 / c.stepSize, phi0, -1 / c.stepSize, d.parameters.flat)
        let movedG = Tensor.linearCombination(1 / c.stepSize, theta0, -1 / c.stepSize, g.parameters.flat)
        // Float32: the sweeps differ only in summation order; displacement/α carries rounding of
        // parameters of size ~0.1 divided by α = 1e-3, hence the tolerance.
        #expect(compareEntrywise(movedD, gradD, tolerance: 2e-3, label: "φ displacement / α vs ∇φ L_D") == nil)
        #expect(compareEntrywise(movedG, gradG, tolerance: 2e-3, label: "θ displacement / α vs ∇θ L_G") == nil)
        #expect(gradD.maxAbs() > 1e-3 && gradG.maxAbs() > 1e-3)
    }
}
