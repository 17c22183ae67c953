import Tensors

// Matrix products and the broadcasts and sums around them. Each rule is made of the others:
// the four transpose combinations of `matmul` are closed under differentiation, and
// `sumRows` / `broadcastRows` (and their column twins) are each other's adjoints.

/// The matrix product op(a)·op(b); see `Tensors.matmul`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
    let m = transposeA ? a.shape[1] : a.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
    return record(Tensors.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB), shape: Shape([m, n]), "matmul", [a, b], tangent: { t, x, _ in
        // op(ȧ)·op(b) + op(a)·op(ḃ), the second added into the first by BLAS.
        var out: Tensor? = t[0].map { Tensors.matmul($0, x[1], transposeA: transposeA, transposeB: transposeB) }
        if let tb = t[1] {
            if let o = out { Tensors.matmul(x[0], tb, transposeA: transposeA, transposeB: transposeB, into: o, accumulate: true) }
            else { out = Tensors.matmul(x[0], tb, transposeA: transposeA, transposeB: transposeB) }
        }
        return out
    }, into: { g, need, sink in
        // First order: an operand with a sink gets its cotangent added there by BLAS (β = 1).
        (0..<2).map { k -> Variable? in
            guard need[k] else { return nil }
            let f = MatmulCotangent(operand: k, transposeA, transposeB)
            guard let s = sink[k] else { return f.product(g, a, b) }
            Tensors.matmul(f.left(g.value, a.value, b.value), f.right(g.value, a.value, b.value),
                           transposeA: f.transposeLeft, transposeB: f.transposeRight, into: s, accumulate: true)
            return nil
        }
    }) { g, need in
        (0..<2).map { k in need[k] ? MatmulCotangent(operand: k, transposeA, transposeB).product(g, a, b) : nil }
    }
}

/// The cotangent of operand k of op(a)·op(b) for the output cotangent g, as one product
/// op(left)·op(right) of two of g, a, b: for C = A·B, Ā = Ḡ·Bᵀ and B̄ = Aᵀ·Ḡ, and the transposed
/// cases follow by transposing both sides. The four transpose combinations map to each other, which
/// is what lets the autodiff differentiate its own gradients.
private struct MatmulCotangent {
    enum Factor { case g, a, b }
    let left: Factor, right: Factor
    let transposeLeft: Bool, transposeRight: Bool

    init(operand k: Int, _ ta: Bool, _ tb: Bool) {
        switch (ta, tb, k) {
        case (false, false, 0): (left, right, transposeLeft, transposeRight) = (.g, .b, false, true)
        case (false, false, _): (left, right, transposeLeft, transposeRight) = (.a, .g, true, false)
        case (false, true, 0): (left, right, transposeLeft, transposeRight) = (.g, .b, false, false)
        case (false, true, _): (left, right, transposeLeft, transposeRight) = (.g, .a, true, false)
        case (true, false, 0): (left, right, transposeLeft, transposeRight) = (.b, .g, false, true)
        case (true, false, _): (left, right, transposeLeft, transposeRight) = (.a, .g, false, false)
        case (true, true, 0): (left, right, transposeLeft, transposeRight) = (.b, .g, true, true)
        case (true, true, _): (left, right, transposeLeft, transposeRight) = (.g, .a, true, true)
        }
    }

    static func pick<T>(_ f: Factor, _ g: T, _ a: T, _ b: T) -> T {
        switch f { case .g: return g; case .a: return a; case .b: return b }
    }
    func left<T>(_ g: T, _ a: T, _ b: T) -> T { Self.pick(left, g, a, b) }
    func right<T>(_ g: T, _ a: T, _ b: T) -> T { Self.pick(right, g, a, b) }

    /// The cotangent as a recorded product (differentiable again when recording).
    func product(_ g: Variable, _ a: Variable, _ b: Variable) -> Variable {
        matmul(left(g, a, b), right(g, a, b), transposeA: transposeLeft, transposeB: transposeRight)
    }
}

/// A fully connected layer, `act(x·Wᵀ + b)`, with `W` of shape [out, in] (PyTorch's layout) and
/// `b` of shape [out]. The bias and a (leaky) ReLU are applied in one pass after the BLAS call.
///
/// The backward rule masks the cotangent by the sign of the *output*, which equals the sign of the
/// pre-activation for slope ≥ 0, so the pre-activation need not be kept.
public func linear(_ x: Variable, weight: Variable, bias: Variable?, leakySlope: Double? = nil) -> Variable {
    let y = Tensors.matmul(x.value, weight.value, transposeB: true)
    if let bias {
        y.addBiasActivate(bias.value, leakySlope: leakySlope)
    } else if let slope = leakySlope {
        y.copy(from: y.leakyRelu(slope: slope))
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return record(y, "linear", inputs, tangent: { t, v, _ in
        // ẏ = act'(pre) ⊙ (ẋ·Wᵀ + x·Ẇᵀ + ḃ); act' is the sign mask of y (that of pre, slope ≥ 0).
        var pre: Tensor? = t[0].map { Tensors.matmul($0, v[1], transposeB: true) }
        if let tw = t[1] {
            if let p = pre { Tensors.matmul(v[0], tw, transposeB: true, into: p, accumulate: true) }
            else { pre = Tensors.matmul(v[0], tw, transposeB: true) }
        }
        if t.count > 2, let tb = t[2] {
            if let p = pre { p.addBiasActivate(tb, leakySlope: nil) } else { pre = tb.broadcastRows(y.shape[0]) }
        }
        guard let pre, let slope = leakySlope else { return pre }
        return pre.masked(bySignOf: y, slope: slope)
    }, into: { g, need, sink in
        // First order, with sinks: dX = g'·W, dW = g'ᵀ·x added by BLAS (β = 1), db = column sums
        // (made in the masking pass when there is a bias to differentiate).
        var gp = g.value, biasGradient: Tensor? = nil
        if let slope = leakySlope {
            if bias != nil && need[2] { (gp, biasGradient) = g.value.maskedWithRowSum(bySignOf: y, slope: slope) }
            else { gp = g.value.masked(bySignOf: y, slope: slope) }
        }
        var result: [Variable?] = [nil, nil, nil]
        if need[0] {
            if let s = sink[0] { Tensors.matmul(gp, weight.value, into: s, accumulate: true) }
            else { result[0] = Variable(Tensors.matmul(gp, weight.value)) }
        }
        if need[1] {
            if let s = sink[1] { Tensors.matmul(gp, x.value, transposeA: true, into: s, accumulate: true) }
            else { result[1] = Variable(Tensors.matmul(gp, x.value, transposeA: true)) }
        }
        if bias != nil && need[2] {
            let db = biasGradient ?? gp.sumRows()
            if let s = sink[2] { s.add(db) } else { result[2] = Variable(db) }
        }
        return Array(result.prefix(inputs.count))
    }) { g, need in
        let gp = leakySlope.map { g.masked(bySignOf: y, slope: $0) } ?? g
        var result: [Variable?] = [need[0] ? matmul(gp, weight) : nil,
                                   need[1] ? matmul(gp, x, transposeA: true) : nil]
        if bias != nil { result.append(need[2] ? gp.sumRows() : nil) }
        return result
    }
}

extension Variable {
    /// Adds the vector `row` to every row of this matrix.
    public func addingRow(_ row: Variable) -> Variable {
        record(self.value.addingRow(row.value), shape: shape, "addRow", [self, row], tangent: { t, x, _ in
            guard let tr = t[1] else { return t[0] }
            return t[0]?.addingRow(tr) ?? tr.broadcastRows(x[0].shape[0])
        }) { g, need in
            [g, need[1] ? g.sumRows().reshaped(row.shape) : nil]
        }
    }

    /// Column sums of a matrix, shape [columns].
    public func sumRows() -> Variable {
        let rows = shape[0]
        return record(self.value.sumRows(), shape: Shape([shape[1]]), "sumRows", [self], tangent: { t, _, _ in t[0]!.sumRows() }) { g, _ in [g.broadcastRows(rows)] }
    }

    /// A matrix with `rows` copies of this vector.
    public func broadcastRows(_ rows: Int) -> Variable {
        let mine = shape
        return record(self.value.broadcastRows(rows), shape: Shape([rows, count]), "broadcastRows", [self], tangent: { t, _, _ in t[0]!.broadcastRows(rows) }) { g, _ in [g.sumRows().reshaped(mine)] }
    }

    /// Row sums of a matrix, shape [rows, 1].
    public func sumColumns() -> Variable {
        let columns = shape[1]
        return record(self.value.sumColumns(), "sumColumns", [self], tangent: { t, _, _ in t[0]!.sumColumns() }) { g, _ in [g.broadcastColumns(columns)] }
    }

    /// A matrix whose row i repeats element i of this column `columns` times.
    public func broadcastColumns(_ columns: Int) -> Variable {
        let mine = shape
        return record(self.value.broadcastColumns(columns), "broadcastColumns", [self],
                      tangent: { t, _, _ in t[0]!.broadcastColumns(columns) }) { g, _ in [g.sumColumns().reshaped(mine)] }
    }

    /// The transpose of a matrix.
    public func transposed() -> Variable {
        record(self.value.transposed(), shape: Shape([shape[1], shape[0]]), "transpose", [self], tangent: { t, _, _ in t[0]!.transposed() }) { g, _ in [g.transposed()] }
    }
}
