import Tensors

// Cutting a flat vector into pieces and putting pieces back: each is the other's adjoint. They let
// a network run on a parameter vector given as a Variable (ω of a game), not only on its own
// leaf parameters, so F(ω) and its Jacobian products can be taken at any point.

extension Variable {
    /// Elements `start ..< start + shape.count` (row-major) under `shape`; no copy.
    public func slice(from start: Int, shape: Shape) -> Variable {
        let total = count, mine = self.shape
        return record(value.view(from: start, shape: shape), "slice", [self],
                      tangent: { t, _, _ in t[0]!.view(from: start, shape: shape) }, viewOffset: start) { g, _ in
            [g.padded(toCount: total, at: start).reshaped(mine)]
        }
    }

    /// A vector of `total` elements, zero except for this variable's elements placed at `start`.
    public func padded(toCount total: Int, at start: Int) -> Variable {
        ensure(start >= 0 && start + count <= total, "Variable.padded: \(count) elements at \(start) exceed \(total)")
        let out = Tensor.zeros([total], dtype: dtype)
        out.view(from: start, shape: shape).copy(from: value)
        let mine = shape
        return record(out, "pad", [self], tangent: { t, _, _ in
            let o = Tensor.zeros([total], dtype: t[0]!.dtype)
            o.view(from: start, shape: mine).copy(from: t[0]!)
            return o
        }) { g, _ in [g.slice(from: start, shape: mine)] }
    }
}
