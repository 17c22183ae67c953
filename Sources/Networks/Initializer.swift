import Tensors

/// How a linear layer's weight [out, in] and bias [out] are drawn, from a seeded generator.
///
/// fan_in = in, fan_out = out; `gain` comes from the layer's activation (``Activation/gain``).
public enum Initializer: Equatable, Sendable {
    /// W ∼ N(0, gain²/fan_in), b = 0 (He et al. 2015).
    case kaimingNormal
    /// W ∼ U(−bound, bound), bound = gain·√(3/fan_in), b = 0 (He et al. 2015).
    case kaimingUniform
    /// W ∼ N(0, gain²·2/(fan_in + fan_out)), b = 0 (Glorot & Bengio 2010).
    case xavierNormal
    /// W ∼ U(−bound, bound), bound = gain·√(6/(fan_in + fan_out)), b = 0 (Glorot & Bengio 2010).
    case xavierUniform
    /// PyTorch's `nn.Linear` default: W and b ∼ U(−1/√fan_in, 1/√fan_in).
    case pytorchDefault

    /// Fills `weight` (shape [out, in]) and `bias` (shape [out]).
    public func initialize(weight: Tensor, bias: Tensor?, gain: Double, using rng: inout RandomGenerator) {
        let fanOut = Double(weight.shape[0]), fanIn = Double(weight.shape[1])
        switch self {
        case .kaimingNormal:
            weight.fillNormal(mean: 0, std: gain / fanIn.squareRoot(), using: &rng)
            bias?.fill(0)
        case .kaimingUniform:
            let b = gain * (3 / fanIn).squareRoot()
            weight.fillUniform(low: -b, high: b, using: &rng)
            bias?.fill(0)
        case .xavierNormal:
            weight.fillNormal(mean: 0, std: gain * (2 / (fanIn + fanOut)).squareRoot(), using: &rng)
            bias?.fill(0)
        case .xavierUniform:
            let b = gain * (6 / (fanIn + fanOut)).squareRoot()
            weight.fillUniform(low: -b, high: b, using: &rng)
            bias?.fill(0)
        case .pytorchDefault:
            let b = 1 / fanIn.squareRoot()
            weight.fillUniform(low: -b, high: b, using: &rng)
            bias?.fillUniform(low: -b, high: b, using: &rng)
        }
    }
}
