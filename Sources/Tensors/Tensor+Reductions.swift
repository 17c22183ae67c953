import CKernels

// Whole-tensor reductions. They accumulate in Double, in a fixed order, so a Float32 sum is as
// accurate as the data allows and the same on every run.

extension Tensor {
    /// The sum of all elements.
    public func sum() -> Double {
        switch dtype {
        case .float32: return sk_sum_f32(f32, count)
        case .float64: return sk_sum_f64(f64, count)
        }
    }

    /// The mean of all elements (NaN for an empty tensor).
    public func mean() -> Double { sum() / Double(count) }

    /// The inner product ⟨self, other⟩ over all elements.
    public func dot(_ other: Tensor) -> Double {
        ensure(other.count == count && other.dtype == dtype,
                     "Tensor.dot: \(dtype) \(shape) with \(other.dtype) \(other.shape)")
        switch dtype {
        case .float32: return sk_dot_f32(f32, other.f32, count)
        case .float64: return sk_dot_f64(f64, other.f64, count)
        }
    }

    /// The Euclidean norm of all elements.
    public func norm() -> Double { dot(self).squareRoot() }

    /// The largest absolute value (NaN if any element is NaN; 0 for an empty tensor).
    public func maxAbs() -> Double {
        switch dtype {
        case .float32: return sk_max_abs_f32(f32, count)
        case .float64: return sk_max_abs_f64(f64, count)
        }
    }

    /// Whether no element is NaN or infinite.
    public var isFinite: Bool {
        switch dtype {
        case .float32: return sk_all_finite_f32(f32, count) != 0
        case .float64: return sk_all_finite_f64(f64, count) != 0
        }
    }

    /// A rank-0 tensor holding the sum of all elements, in this tensor's dtype.
    public func sumTensor() -> Tensor { Tensor(scalar: sum(), dtype: dtype) }
}
