import Autodiff

/// A pointwise nonlinearity of a network layer.
public enum Activation: Equatable, Sendable, CustomStringConvertible {
    case identity
    case relu
    /// x for x > 0, slope·x otherwise.
    case leakyRelu(slope: Double)
    case tanh
    case sigmoid
    case softplus
    case elu

    /// Applies the activation.
    public func callAsFunction(_ x: Variable) -> Variable {
        switch self {
        case .identity: return x
        case .relu: return x.relu()
        case .leakyRelu(let s): return x.leakyRelu(slope: s)
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .softplus: return x.softplus()
        case .elu: return x.elu()
        }
    }

    /// The slope to fuse into a linear layer's epilogue, when the activation is piecewise linear.
    var fusedLeakySlope: Double?? {
        switch self {
        case .identity: return .some(nil)
        case .relu: return .some(0)
        case .leakyRelu(let s): return .some(s)
        default: return nil
        }
    }

    /// The gain of Kaiming / Xavier initialization for this activation (PyTorch's `calculate_gain`).
    public var gain: Double {
        switch self {
        case .identity, .sigmoid, .softplus, .elu: return 1
        case .relu: return 2.0.squareRoot()
        case .leakyRelu(let s): return (2 / (1 + s * s)).squareRoot()
        case .tanh: return 5.0 / 3.0
        }
    }

    public var description: String {
        switch self {
        case .identity: return "identity"
        case .relu: return "relu"
        case .leakyRelu(let s): return "leaky-relu(\(s))"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .softplus: return "softplus"
        case .elu: return "elu"
        }
    }
}
