import Testing
import TestSupport
import Autodiff
import Networks
import Tensors

@Suite("Parameter buffers and MLPs")
struct ParameterBufferTests {
    @Test func layersAreViewsIntoOneBuffer() {
        var rng = RandomGenerator(seed: 0)
        let net = MLP([2, 3, 1], hidden: .relu, using: &rng)
        // 2→3: W 3×2 + b 3; 3→1: W 1×3 + b 1.
        #expect(net.parameters.count == 6 + 3 + 3 + 1)
        #expect(net.parameters.parameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        // Writing the flat vector changes what the layers compute: no copies in between.
        net.parameters.flat.fill(0)
        let y = net(Variable(Tensor.ones([4, 2])))
        #expect(y.value.scalars == [0, 0, 0, 0])
        net.parameters["layers.1.bias"].value.fill(2.5)
        #expect(net(Variable(Tensor.ones([4, 2]))).value.scalars == [2.5, 2.5, 2.5, 2.5])
        #expect(net.parameters.flat[12] == 2.5)
    }

    @Test func flatGradientIsLaidOutLikeTheBuffer() {
        var rng = RandomGenerator(seed: 1)
        let net = MLP([3, 4, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let x = Tensor.normal([5, 3], dtype: .float64, using: &rng)
        let loss = net(Variable(x)).squared().sum()
        let perParameter = gradients(of: loss, withRespectTo: net.parameters.variables)
        let flat = net.parameters.flatten(perParameter.map(\.value))
        for (p, g) in zip(net.parameters.parameters, perParameter) {
            #expect(Array(flat.scalars[p.range]) == g.value.scalars)
        }
    }

    @Test func sameSeedSameParameters() {
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9), c = RandomGenerator(seed: 10)
        let na = MLP([4, 16, 1], hidden: .elu, using: &a)
        let nb = MLP([4, 16, 1], hidden: .elu, using: &b)
        let nc = MLP([4, 16, 1], hidden: .elu, using: &c)
        #expect(na.parameters.flat.floats == nb.parameters.flat.floats)
        #expect(na.parameters.flat.floats != nc.parameters.flat.floats)
    }

    /// Kaiming initialization draws weights with std gain/√fan_in (He et al. 2015).
    @Test(arguments: [Initializer.kaimingNormal, .kaimingUniform])
    func kaimingStandardDeviation(_ initializer: Initializer) {
        var rng = RandomGenerator(seed: 4)
        let net = MLP([400, 300, 1], hidden: .relu, dtype: .float64, initializer: initializer, using: &rng)
        let w = net.layers[0].weight.value
        let n = Double(w.count)
        let variance = w.dot(w) / n - (w.sum() / n) * (w.sum() / n)
        let expected = 2.0 / 400  // gain² / fan_in with gain √2
        // The sample variance of 120,000 draws is within a few per cent of the truth.
        #expect(abs(variance / expected - 1) < 0.03, "variance \(variance), expected \(expected)")
        #expect(net.layers[0].bias!.value.maxAbs() == 0)
    }
}
