import Autodiff
import Tensors

/// A fully connected layer y = act(x·Wᵀ + b), W of shape [out, in] (PyTorch's layout, so
/// checkpoints map one to one), whose W and b are views into a player's ``ParameterBuffer``.
public struct Linear {
    public let inputSize: Int
    public let outputSize: Int
    public let activation: Activation
    let weightIndex: Int
    let biasIndex: Int?
    public unowned let buffer: ParameterBuffer

    /// Declares the layer's parameters in `buffer` (before it is finalized).
    public init(_ inputSize: Int, _ outputSize: Int, activation: Activation = .identity, bias: Bool = true,
                name: String, in buffer: ParameterBuffer) {
        ensure(inputSize > 0 && outputSize > 0, "Linear \(name): sizes must be positive, got \(inputSize)→\(outputSize)")
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        self.buffer = buffer
        weightIndex = buffer.declare("\(name).weight", shape: [outputSize, inputSize])
        biasIndex = bias ? buffer.declare("\(name).bias", shape: [outputSize]) : nil
    }

    public var weight: ParameterBuffer.Parameter { buffer.parameters[weightIndex] }
    public var bias: ParameterBuffer.Parameter? { biasIndex.map { buffer.parameters[$0] } }

    /// Applies the layer to a batch `x` of shape [batch, in].
    public func callAsFunction(_ x: Variable) -> Variable {
        ensure(x.value.rank == 2 && x.shape[1] == inputSize,
                     "Linear \(inputSize)→\(outputSize): input of shape \(x.shape), expected [batch, \(inputSize)]")
        if let slope = activation.fusedLeakySlope {
            return linear(x, weight: weight.variable, bias: bias?.variable, leakySlope: slope)
        }
        return activation(linear(x, weight: weight.variable, bias: bias?.variable))
    }

    /// Applies the layer with its weight and bias cut from `flat`, a vector laid out like the
    /// layer's parameter buffer.
    public func callAsFunction(_ x: Variable, parameters flat: Variable) -> Variable {
        let w = flat.slice(from: weight.range.lowerBound, shape: weight.value.shape)
        let b = bias.map { flat.slice(from: $0.range.lowerBound, shape: $0.value.shape) }
        if let slope = activation.fusedLeakySlope {
            return linear(x, weight: w, bias: b, leakySlope: slope)
        }
        return activation(linear(x, weight: w, bias: b))
    }
}
