/// Random tensors drawn from a ``RandomGenerator``: the same generator state gives the same tensor
/// on every run and machine.
extension Tensor {
    /// Independent draws from the uniform distribution on [low, high).
    public static func uniform(_ shape: Shape, low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               using rng: inout RandomGenerator) -> Tensor {
        ensure(low <= high, "Tensor.uniform: empty interval [\(low), \(high))")
        let t = Tensor(uninitialized: shape, dtype: dtype)
        t.fillUniform(low: low, high: high, using: &rng)
        return t
    }

    /// Independent draws from N(mean, std²).
    public static func normal(_ shape: Shape, mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              using rng: inout RandomGenerator) -> Tensor {
        ensure(std >= 0, "Tensor.normal: negative standard deviation \(std)")
        let t = Tensor(uninitialized: shape, dtype: dtype)
        t.fillNormal(mean: mean, std: std, using: &rng)
        return t
    }

    /// Overwrites the elements with uniform draws on [low, high).
    public func fillUniform(low: Double, high: Double, using rng: inout RandomGenerator) {
        switch dtype {
        case .float32: rng.fillUniform(UnsafeMutableBufferPointer(start: f32, count: count), low: Float(low), high: Float(high))
        case .float64: rng.fillUniform(UnsafeMutableBufferPointer(start: f64, count: count), low: low, high: high)
        }
    }

    /// Overwrites the elements with draws from N(mean, std²).
    public func fillNormal(mean: Double, std: Double, using rng: inout RandomGenerator) {
        switch dtype {
        case .float32: rng.fillNormal(UnsafeMutableBufferPointer(start: f32, count: count), mean: Float(mean), std: Float(std))
        case .float64: rng.fillNormal(UnsafeMutableBufferPointer(start: f64, count: count), mean: mean, std: std)
        }
    }
}
