import Tensors

// Row-wise log-softmax and softmax cross-entropy, for classifiers (the MNIST metric classifier).
// Both are composites of differentiable primitives, so every order of derivative follows; the row
// maximum that keeps exp from overflowing is a constant shift, which log-softmax is invariant to,
// so cutting it from the graph changes no derivative.

extension Variable {
    /// log softmax of each row of a [rows, classes] matrix: xᵢⱼ − log Σₖ exp(xᵢₖ), computed as
    /// (xᵢⱼ − mᵢ) − log Σₖ exp(xᵢₖ − mᵢ) with mᵢ = maxₖ xᵢₖ, so no exp overflows and the largest
    /// term of every sum is exactly 1.
    public func logSoftmax() -> Variable {
        ensure(value.rank == 2 && value.shape[1] > 0, "logSoftmax: expected a [rows, classes] matrix, got \(shape)")
        let columns = value.shape[1]
        let shifted = self - Variable(rowMaxima(value)).broadcastColumns(columns)
        let logSum = shifted.exp().sumColumns().log()
        return shifted - logSum.broadcastColumns(columns)
    }

    /// softmax of each row of a [rows, classes] matrix, as exp(logSoftmax).
    public func softmax() -> Variable { logSoftmax().exp() }
}

/// The mean softmax cross-entropy −(1/n) Σᵢ log softmax(logitsᵢ)[labelᵢ] of n rows of `logits`
/// ([n, classes]) against integer `labels` (each in 0..<classes), as a rank-0 variable.
public func softmaxCrossEntropy(logits: Variable, labels: [Int]) -> Variable {
    ensure(logits.value.rank == 2 && logits.shape[0] == labels.count,
           "softmaxCrossEntropy: \(labels.count) labels for logits of shape \(logits.shape)")
    let classes = logits.shape[1]
    let oneHot = Tensor.zeros(logits.shape, dtype: logits.dtype)
    for (i, l) in labels.enumerated() {
        ensure(l >= 0 && l < classes, "softmaxCrossEntropy: label \(l) of row \(i) is outside 0..<\(classes)")
        oneHot[i * classes + l] = 1
    }
    return logits.logSoftmax().dot(Variable(oneHot)).scaled(by: -1 / Double(max(1, labels.count)))
}

/// The maximum of each row of a matrix, as a [rows, 1] column of the same dtype.
func rowMaxima(_ x: Tensor) -> Tensor {
    let r = x.shape[0], c = x.shape[1]
    let o = Tensor(uninitialized: [r, 1], dtype: x.dtype)
    switch x.dtype {
    case .float32:
        let p = x.f32, q = o.f32
        for i in 0..<r {
            var m = p[i * c]
            for j in 1..<c where p[i * c + j] > m { m = p[i * c + j] }
            q[i] = m
        }
    case .float64:
        let p = x.f64, q = o.f64
        for i in 0..<r {
            var m = p[i * c]
            for j in 1..<c where p[i * c + j] > m { m = p[i * c + j] }
            q[i] = m
        }
    }
    return o
}
