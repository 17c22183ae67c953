import Tensors

// Arithmetic primitives. Each defines its value with a Tensor operation and, beside it, its
// backward rule in Variable operations. Composites (negation, subtraction by a constant, mean,
// squares) are built from primitives and need no rule of their own.

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        record(a.value + b.value, shape: a.shape, "add", [a, b], tangent: { t, _, _ in tangentSum(t[0], t[1]) }) { g, _ in [g, g] }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        record(a.value - b.value, shape: a.shape, "sub", [a, b], tangent: { t, _, _ in tangentDifference(t[0], t[1]) }) { g, need in
            [g, need[1] ? -g : nil]
        }
    }

    /// Elementwise product.
    public static func * (a: Variable, b: Variable) -> Variable {
        record(a.value * b.value, shape: a.shape, "mul", [a, b], tangent: { t, x, _ in tangentSum(t[0].map { $0 * x[1] }, t[1].map { x[0] * $0 }) }) { g, need in
            [need[0] ? g * b : nil, need[1] ? g * a : nil]
        }
    }

    /// Elementwise quotient.
    public static func / (a: Variable, b: Variable) -> Variable {
        // (a/b)' = (ȧ − (a/b)·ḃ) / b.
        record(a.value / b.value, "div", [a, b], tangent: { t, x, y in tangentDifference(t[0], t[1].map { y() * $0 }).map { $0 / x[1] } }) { g, need in
            let gb = g / b
            return [need[0] ? gb : nil, need[1] ? -(gb * a / b) : nil]
        }
    }

    public static prefix func - (x: Variable) -> Variable { x.scaled(by: -1) }

    /// `alpha · self + beta`, elementwise, with constants `alpha` and `beta`.
    public func affine(scale alpha: Double, shift beta: Double) -> Variable {
        record(self.value.affine(scale: alpha, shift: beta), shape: shape, "affine", [self], tangent: { t, _, _ in t[0]!.scaled(by: alpha) }) { g, _ in
            [g.scaled(by: alpha)]
        }
    }

    /// `alpha · self` for a constant `alpha`.
    public func scaled(by alpha: Double) -> Variable { affine(scale: alpha, shift: 0) }

    /// `self + beta` for a constant `beta`.
    public func adding(_ beta: Double) -> Variable { affine(scale: 1, shift: beta) }

    public static func * (alpha: Double, x: Variable) -> Variable { x.scaled(by: alpha) }

    /// The elementwise square.
    public func squared() -> Variable { self * self }

    /// The sum of all elements, as a rank-0 variable.
    public func sum() -> Variable {
        let shape = self.shape
        return record(self.value.sumTensor(), "sum", [self], tangent: { t, _, _ in t[0]!.sumTensor() }) { g, _ in [g.expanded(to: shape)] }
    }

    /// The mean of all elements, as a rank-0 variable.
    public func mean() -> Variable { sum().scaled(by: 1 / Double(count)) }

    /// A one-element variable repeated to `shape`. The adjoint of ``sum()``.
    public func expanded(to shape: Shape) -> Variable {
        ensure(count == 1, "Variable.expanded: only a one-element variable expands, got \(self.shape)")
        let v = Tensor.filled(value[0], shape, dtype: dtype)
        let mine = self.shape
        return record(v, "expand", [self], tangent: { t, _, _ in Tensor.filled(t[0]![0], shape, dtype: t[0]!.dtype) }) { g, _ in
            [g.sum().reshaped(mine)]
        }
    }

    /// The same elements under another shape.
    public func reshaped(_ shape: Shape) -> Variable {
        let mine = self.shape
        return record(self.value.reshaped(shape), shape: shape, "reshape", [self], tangent: { t, _, _ in t[0]!.reshaped(shape) }) { g, _ in [g.reshaped(mine)] }
    }

    /// The inner product ⟨self, other⟩ over all elements, as a rank-0 variable.
    public func dot(_ other: Variable) -> Variable { (self * other).sum() }
}
