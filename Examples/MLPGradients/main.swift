// The R1 penalty of a discriminator and its gradient with respect to the discriminator's
// parameters: a gradient of a gradient, as GAN regularizers need.
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

var rng = RandomGenerator(seed: 0)
let d = MLP([2, 64, 64, 1], hidden: .leakyRelu(slope: 0.2), using: &rng)
let x = Variable(Tensor.normal([256, 2], using: &rng), requiresGradient: true)

// R1 = (γ/2) E‖∇x D(x)‖², γ = 10; createGraph keeps ∇x D differentiable.
let gx = gradients(of: d(x).sum(), withRespectTo: [x], createGraph: true)[0]
let r1 = gx.squared().sum().scaled(by: 10.0 / 2 / 256)

// ∂φ R1 as one flat vector laid out like the discriminator's parameter buffer.
let g = d.parameters.gradient(of: r1)
print("R1 = \(r1.scalar)")
print("‖∂φ R1‖ = \(g.norm()) over \(g.count) parameters")
