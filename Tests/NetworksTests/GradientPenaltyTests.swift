import Testing
import TestSupport
import Autodiff
import Networks
import Tensors

/// The R1 penalty's gradient with respect to the discriminator's parameters — a mixed second
/// derivative ∂φ ‖∇x D_φ(x)‖² through a recorded backward pass — against finite differences.
@Suite("R1 penalty gradient of a LeakyReLU MLP vs finite differences (Float64)")
struct GradientPenaltyTests {
    static let gamma = 10.0

    /// R1(φ) = (γ/2)·(1/N)·Σᵢ ‖∇x D_φ(xᵢ)‖², with D applied to `parameters`.
    static func r1(_ d: MLP, _ parameters: Variable, _ x: Tensor, createGraph: Bool) -> Variable {
        let xv = Variable(x, requiresGradient: true)
        let scores = d(xv, parameters: parameters)
        let gx = gradients(of: scores.sum(), withRespectTo: [xv], createGraph: createGraph)[0]
        return gx.squared().sum().scaled(by: gamma / 2 / Double(x.shape[0]))
    }

    /// The smallest |pre-activation| of the hidden layers over the batch, for a (leaky) ReLU
    /// network of the given slope.
    static func kinkDistance(_ d: MLP, _ x: Tensor, slope: Double = 0.2) -> Double {
        var h = x, smallest = Double.infinity
        for layer in d.layers.dropLast() {
            let pre = matmul(h, layer.weight.value, transposeB: true).addingRow(layer.bias!.value)
            for i in 0..<pre.count { smallest = min(smallest, abs(pre[i])) }
            h = pre.leakyRelu(slope: slope)
        }
        return smallest
    }

    @Test func r1GradientMatchesFiniteDifferences() throws {
        // A 2-hidden-layer discriminator 3 → 6 → 5 → 1 and a batch of 4 whose pre-activations all
        // lie ≥ 1e-3 from the kink (FD steps of 1e-5 then never cross it); pick the first such seed.
        var chosen: (MLP, Tensor)? = nil
        for seed in UInt64(0)..<50 where chosen == nil {
            var rng = RandomGenerator(seed: seed)
            let d = MLP([3, 6, 5, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, initializer: .pytorchDefault, using: &rng)
            let x = Tensor.normal([4, 3], dtype: .float64, using: &rng)
            if Self.kinkDistance(d, x) >= 1e-3 { chosen = (d, x) }
        }
        let (d, x) = try #require(chosen)
        let phi = d.parameters.flat
        let phiVar = Variable(phi, requiresGradient: true)
        let g = gradients(of: Self.r1(d, phiVar, x, createGraph: true), withRespectTo: [phiVar])[0].value
        let fd = FiniteDifferences.gradient(of: { ps in Self.r1(d, Variable(ps[0]), x, createGraph: false).scalar }, at: [phi])[0]
        #expect(compareEntrywise(g, fd, tolerance: 1e-6, label: "∂φ R1") == nil)
        // Not vacuous: the weights get a gradient; the biases of the last layer get none (∇x D
        // does not depend on it).
        #expect(g.maxAbs() > 1e-3)
        let lastBias = d.layers.last!.bias!.range
        #expect((lastBias).allSatisfy { g[$0] == 0 })
    }

    /// The same gradient taken through the network's own leaf parameters (the training path)
    /// equals the functional one.
    @Test func leafParametersAgreeWithFunctionalParameters() {
        var rng = RandomGenerator(seed: 5)
        let d = MLP([2, 8, 8, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, using: &rng)
        let x = Tensor.normal([6, 2], dtype: .float64, using: &rng)
        let xv = Variable(x, requiresGradient: true)
        let gx = gradients(of: d(xv).sum(), withRespectTo: [xv], createGraph: true)[0]
        let viaLeaves = d.parameters.gradient(of: gx.squared().sum().scaled(by: Self.gamma / 2 / 6))
        let phiVar = Variable(d.parameters.flat, requiresGradient: true)
        let viaFlat = gradients(of: Self.r1(d, phiVar, x, createGraph: true), withRespectTo: [phiVar])[0].value
        #expect(compareEntrywise(viaLeaves, viaFlat, tolerance: 1e-12) == nil)
    }
}
