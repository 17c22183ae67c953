import Tensors

// Cutting a flat vector into pieces and putting pieces back: each is the other's adjoint. They let
// a network run on a parameter vector given as a Variable (ω of a game), not only on its own
// leaf parameters, so F(ω) and its Jacobian products can be taken at any point.

extension Variable {
    /// Elements `start ..< start + shape.count` (row-major) under `shape`; no copy.
    public func slice(from start: Int, shape: Shape) -> Variable {
        let total = count, mine = self.shape
        return record(self.value.view(from: start, shape: shape), shape: shape, "slice", [self],
                      tangent: { t, _, _ in t[0]!.view(from: start, shape: shape) }, viewOffset: start) { g, _ in
            [g.padded(toCount: total, at: start).reshaped(mine)]
        }
    }

    /// A vector of `total` elements, zero except for this variable's elements placed at `start`.
    public func padded(toCount total: Int, at start: Int) -> Variable {
        ensure(start >= 0 && start + count <= total, "Variable.padded: \(count) elements at \(start) exceed \(total)")
        let mine = shape
        func pad(_ piece: Tensor) -> Tensor {
            let out = Tensor.zeros([total], dtype: piece.dtype)
            out.view(from: start, shape: mine).copy(from: piece)
            return out
        }
        return record(pad(self.value), shape: Shape([total]), "pad", [self], tangent: { t, _, _ in
            let o = Tensor.zeros([total], dtype: t[0]!.dtype)
            o.view(from: start, shape: mine).copy(from: t[0]!)
            return o
        }) { g, _ in [g.slice(from: start, shape: mine)] }
    }

    /// A vector of `total` elements: zeros, with each piece's elements added in at its start, in
    /// order — the sum of the pieces padded to `total` (``padded(toCount:at:)``) as one vector, which
    /// the reverse sweep makes of the cotangents of a vector's slices (a network's layers cut from
    /// one parameter vector) instead of a padded vector per slice.
    public static func assembled(_ pieces: [Variable], at starts: [Int], count total: Int) -> Variable {
        ensure(!pieces.isEmpty && pieces.count == starts.count, "Variable.assembled: \(pieces.count) pieces, \(starts.count) starts")
        let dtype = pieces[0].dtype
        for (p, s) in zip(pieces, starts) {
            ensure(p.dtype == dtype, "Variable.assembled: pieces of \(dtype) and \(p.dtype)")
            ensure(s >= 0 && s + p.count <= total, "Variable.assembled: \(p.count) elements at \(s) exceed \(total)")
        }
        func assemble(_ parts: [Tensor?]) -> Tensor {
            let out = Tensor.zeros([total], dtype: dtype)
            for (part, s) in zip(parts, starts) { if let part { out.view(from: s, shape: part.shape).add(part) } }
            return out
        }
        let shapes = pieces.map(\.shape)
        return record(assemble(pieces.map(\.value)), shape: Shape([total]), "assemble", pieces,
                      tangent: { t, _, _ in t.contains { $0 != nil } ? assemble(t) : nil }) { g, needs in
            zip(starts, shapes).enumerated().map { k, piece in needs[k] ? g.slice(from: piece.0, shape: piece.1) : nil }
        }
    }
}
