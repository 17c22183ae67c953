import Autodiff
import Tensors

/// A multilayer perceptron whose parameters live in one contiguous ``ParameterBuffer``.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let d = MLP([2, 128, 128, 1], hidden: .leakyRelu(slope: 0.2), using: &rng)
/// let scores = d(Variable(x))          // [batch, 1]
/// d.parameters.flat                    // every weight and bias, one vector
/// ```
public final class MLP {
    /// Layer widths, input first: [2, 128, 128, 1] is 2→128→128→1.
    public let sizes: [Int]
    public let layers: [Linear]
    public let parameters: ParameterBuffer

    /// - Parameters:
    ///   - sizes: input width, hidden widths, output width (at least two entries).
    ///   - hidden: the activation after every layer but the last.
    ///   - output: the activation after the last layer (identity by default).
    ///   - initializer: how weights and biases are drawn (Kaiming-uniform weights, zero biases, by default).
    public init(_ sizes: [Int], hidden: Activation, output: Activation = .identity, dtype: DType = .float32,
                initializer: Initializer = .kaimingUniform, using rng: inout RandomGenerator) {
        ensure(sizes.count >= 2, "MLP: need at least an input and an output width, got \(sizes)")
        self.sizes = sizes
        let buffer = ParameterBuffer(dtype: dtype)
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            let act = i == sizes.count - 2 ? output : hidden
            layers.append(Linear(sizes[i], sizes[i + 1], activation: act, name: "layers.\(i)", in: buffer))
        }
        buffer.finalize()
        for layer in layers {
            initializer.initialize(weight: layer.weight.value, bias: layer.bias?.value, gain: layer.activation.gain, using: &rng)
        }
        self.layers = layers
        self.parameters = buffer
    }

    /// Applies the network to a batch of shape [batch, sizes[0]].
    public func callAsFunction(_ x: Variable) -> Variable {
        layers.reduce(x) { h, layer in layer(h) }
    }

    /// Applies the network with the parameters `flat` (a vector laid out like `parameters.flat`)
    /// instead of its own: the output is then differentiable with respect to `flat`.
    public func callAsFunction(_ x: Variable, parameters flat: Variable) -> Variable {
        ensure(flat.count == parameters.count,
                     "MLP: parameter vector of \(flat.count) elements for a network of \(parameters.count)")
        return layers.reduce(x) { h, layer in layer(h, parameters: flat) }
    }
}
