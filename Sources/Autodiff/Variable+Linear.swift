import Tensors

// Matrix products and the broadcasts and sums around them. Each rule is made of the others:
// the four transpose combinations of `matmul` are closed under differentiation, and
// `sumRows` / `broadcastRows` (and their column twins) are each other's adjoints.

/// The matrix product op(a)·op(b); see `Tensors.matmul`.
public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
    let value = Tensors.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
    return record(value, "matmul", [a, b], tangent: { t, x, _ in
        // op(ȧ)·op(b) + op(a)·op(ḃ), the second added into the first by BLAS.
        var out: Tensor? = t[0].map { Tensors.matmul($0, x[1], transposeA: transposeA, transposeB: transposeB) }
        if let tb = t[1] {
            if let o = out { Tensors.matmul(x[0], tb, transposeA: transposeA, transposeB: transposeB, into: o, accumulate: true) }
            else { out = Tensors.matmul(x[0], tb, transposeA: transposeA, transposeB: transposeB) }
        }
        return out
    }, into: { g, need, sink in
        // First order: each operand's cotangent op(·)-matched as in the rule below, added into
        // its sink by BLAS (β = 1) when it has one.
        var result: [Variable?] = [nil, nil]
        let gv = g.value
        if need[0] {
            if let s = sink[0] {
                switch (transposeA, transposeB) {
                case (false, false): Tensors.matmul(gv, b.value, transposeB: true, into: s, accumulate: true)
                case (false, true): Tensors.matmul(gv, b.value, into: s, accumulate: true)
                case (true, false): Tensors.matmul(b.value, gv, transposeB: true, into: s, accumulate: true)
                case (true, true): Tensors.matmul(b.value, gv, transposeA: true, transposeB: true, into: s, accumulate: true)
                }
            } else { result[0] = matmulBackward(g, a, b, transposeA, transposeB, operand: 0) }
        }
        if need[1] {
            if let s = sink[1] {
                switch (transposeA, transposeB) {
                case (false, false): Tensors.matmul(a.value, gv, transposeA: true, into: s, accumulate: true)
                case (false, true): Tensors.matmul(gv, a.value, transposeA: true, into: s, accumulate: true)
                case (true, false): Tensors.matmul(a.value, gv, into: s, accumulate: true)
                case (true, true): Tensors.matmul(gv, a.value, transposeA: true, transposeB: true, into: s, accumulate: true)
                }
            } else { result[1] = matmulBackward(g, a, b, transposeA, transposeB, operand: 1) }
        }
        return result
    }) { g, need in
        switch (transposeA, transposeB) {
        case (false, false):
            return [need[0] ? matmul(g, b, transposeB: true) : nil, need[1] ? matmul(a, g, transposeA: true) : nil]
        case (false, true):
            return [need[0] ? matmul(g, b) : nil, need[1] ? matmul(g, a, transposeA: true) : nil]
        case (true, false):
            return [need[0] ? matmul(b, g, transposeB: true) : nil, need[1] ? matmul(a, g) : nil]
        case (true, true):
            return [need[0] ? matmul(b, g, transposeA: true, transposeB: true) : nil,
                    need[1] ? matmul(g, a, transposeA: true, transposeB: true) : nil]
        }
    }
}

/// The cotangent of operand 0 or 1 of op(a)·op(b) for the output cotangent g (the rule above).
private func matmulBackward(_ g: Variable, _ a: Variable, _ b: Variable, _ ta: Bool, _ tb: Bool, operand: Int) -> Variable {
    switch (ta, tb, operand) {
    case (false, false, 0): return matmul(g, b, transposeB: true)
    case (false, false, _): return matmul(a, g, transposeA: true)
    case (false, true, 0): return matmul(g, b)
    case (false, true, _): return matmul(g, a, transposeA: true)
    case (true, false, 0): return matmul(b, g, transposeB: true)
    case (true, false, _): return matmul(a, g)
    case (true, true, 0): return matmul(b, g, transposeA: true, transposeB: true)
    case (true, true, _): return matmul(g, a, transposeA: true, transposeB: true)
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
    return record(y, "linear", inputs, tangent: { t, v, y in
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
        // First order, with sinks: dX = g'·W, dW = g'ᵀ·x added by BLAS (β = 1), db = column sums.
        let gp = leakySlope.map { g.value.masked(bySignOf: y, slope: $0) } ?? g.value
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
            if let s = sink[2] { s.add(gp.sumRows()) } else { result[2] = Variable(gp.sumRows()) }
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
        record(value.addingRow(row.value), "addRow", [self, row], tangent: { t, x, _ in
            guard let tr = t[1] else { return t[0] }
            return t[0]?.addingRow(tr) ?? tr.broadcastRows(x[0].shape[0])
        }) { g, need in
            [g, need[1] ? g.sumRows().reshaped(row.shape) : nil]
        }
    }

    /// Column sums of a matrix, shape [columns].
    public func sumRows() -> Variable {
        let rows = value.shape[0]
        return record(value.sumRows(), "sumRows", [self], tangent: { t, _, _ in t[0]!.sumRows() }) { g, _ in [g.broadcastRows(rows)] }
    }

    /// A matrix with `rows` copies of this vector.
    public func broadcastRows(_ rows: Int) -> Variable {
        let mine = shape
        return record(value.broadcastRows(rows), "broadcastRows", [self], tangent: { t, _, _ in t[0]!.broadcastRows(rows) }) { g, _ in [g.sumRows().reshaped(mine)] }
    }

    /// Row sums of a matrix, shape [rows, 1].
    public func sumColumns() -> Variable {
        let columns = value.shape[1]
        return record(value.sumColumns(), "sumColumns", [self], tangent: { t, _, _ in t[0]!.sumColumns() }) { g, _ in [g.broadcastColumns(columns)] }
    }

    /// A matrix whose row i repeats element i of this column `columns` times.
    public func broadcastColumns(_ columns: Int) -> Variable {
        let mine = shape
        return record(value.broadcastColumns(columns), "broadcastColumns", [self],
                      tangent: { t, _, _ in t[0]!.broadcastColumns(columns) }) { g, _ in [g.sumColumns().reshaped(mine)] }
    }

    /// The transpose of a matrix.
    public func transposed() -> Variable {
        record(value.transposed(), "transpose", [self], tangent: { t, _, _ in t[0]!.transposed() }) { g, _ in [g.transposed()] }
    }
}
