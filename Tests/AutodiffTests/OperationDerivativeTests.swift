import Testing
import TestSupport
import Autodiff
import Tensors

/// Every differentiable operation against central finite differences in Float64, at first and
/// second order. For an operation f with inputs x₁…xₙ, with fixed random w and vᵢ:
///   L(x) = ⟨w, f(x)⟩,   first order: ∇L vs FD of L;
///   S(x) = Σᵢ ⟨∇ᵢL(x), vᵢ⟩ (built with createGraph),   second order: ∇S vs FD of S.
/// Tolerance (acceptance): |g − g_FD| ≤ 1e-6 · max(1, ‖g_FD‖∞) per entry.
struct OperationCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [Shape]
    /// Inputs in ±[0.1, 1] by default; `positive` keeps them in [0.5, 1.5] (log, division).
    var positive = false
    let f: @Sendable ([Variable]) -> Variable
    var testDescription: String { name }

    /// Inputs of ``shapes`` in Float64: ±[0.1, 1], or [0.5, 1.5] when `positive`.
    func inputs(using rng: inout RandomGenerator) -> [Tensor] {
        shapes.map { s in
            positive ? Tensor.uniform(s, low: 0.5, high: 1.5, dtype: .float64, using: &rng) : awayFromZero(s, using: &rng)
        }
    }
}

let operationCases: [OperationCase] = [
    OperationCase(name: "add", shapes: [[3, 4], [3, 4]]) { $0[0] + $0[1] },
    OperationCase(name: "sub", shapes: [[3, 4], [3, 4]]) { $0[0] - $0[1] },
    OperationCase(name: "mul", shapes: [[3, 4], [3, 4]]) { $0[0] * $0[1] },
    OperationCase(name: "div", shapes: [[3, 4], [3, 4]], positive: true) { $0[0] / $0[1] },
    OperationCase(name: "affine", shapes: [[5]]) { $0[0].affine(scale: -1.7, shift: 0.3) },
    OperationCase(name: "square (mul with itself)", shapes: [[5]]) { $0[0].squared() },
    OperationCase(name: "sum", shapes: [[3, 4]]) { $0[0].sum() },
    OperationCase(name: "mean", shapes: [[3, 4]]) { $0[0].mean() },
    OperationCase(name: "expand", shapes: [[]]) { $0[0].expanded(to: [2, 3]) },
    OperationCase(name: "reshape", shapes: [[3, 4]]) { $0[0].reshaped([4, 3]) * $0[0].reshaped([4, 3]) },
    OperationCase(name: "dot", shapes: [[6], [6]]) { $0[0].dot($0[1]) },
    OperationCase(name: "exp", shapes: [[7]]) { $0[0].exp() },
    OperationCase(name: "log", shapes: [[7]], positive: true) { $0[0].log() },
    OperationCase(name: "sqrt", shapes: [[7]], positive: true) { $0[0].sqrt() },
    OperationCase(name: "sigmoid", shapes: [[7]]) { $0[0].scaled(by: 3).sigmoid() },
    OperationCase(name: "tanh", shapes: [[7]]) { $0[0].scaled(by: 2).tanh() },
    OperationCase(name: "softplus", shapes: [[7]]) { $0[0].scaled(by: 3).softplus() },
    OperationCase(name: "elu", shapes: [[8]]) { $0[0].scaled(by: 2).elu() },
    // Piecewise-linear activations: inputs ≥ 0.1 from the kink; multiplied by themselves so the
    // second derivative is not identically zero.
    OperationCase(name: "relu", shapes: [[8]]) { $0[0].relu() * $0[0] },
    OperationCase(name: "leakyRelu", shapes: [[8]]) { $0[0].leakyRelu(slope: 0.2) * $0[0] },
    OperationCase(name: "matmul NN", shapes: [[3, 4], [4, 2]]) { matmul($0[0], $0[1]) },
    OperationCase(name: "matmul NT", shapes: [[3, 4], [2, 4]]) { matmul($0[0], $0[1], transposeB: true) },
    OperationCase(name: "matmul TN", shapes: [[4, 3], [4, 2]]) { matmul($0[0], $0[1], transposeA: true) },
    OperationCase(name: "matmul TT", shapes: [[4, 3], [2, 4]]) { matmul($0[0], $0[1], transposeA: true, transposeB: true) },
    OperationCase(name: "matmul squared (second order through both operands)", shapes: [[3, 3]]) { matmul($0[0], $0[0]) },
    OperationCase(name: "linear, identity", shapes: [[5, 3], [4, 3], [4]]) { linear($0[0], weight: $0[1], bias: $0[2]) },
    OperationCase(name: "linear, leaky ReLU (fused)", shapes: [[5, 3], [4, 3], [4]]) {
        let y = linear($0[0], weight: $0[1], bias: $0[2], leakySlope: 0.2); return y * y
    },
    OperationCase(name: "linear, ReLU, no bias", shapes: [[5, 3], [4, 3]]) {
        let y = linear($0[0], weight: $0[1], bias: nil, leakySlope: 0); return y * y
    },
    OperationCase(name: "addingRow", shapes: [[3, 4], [4]]) { let y = $0[0].addingRow($0[1]); return y * y },
    OperationCase(name: "sumRows", shapes: [[3, 4]]) { let s = $0[0].sumRows(); return s * s },
    OperationCase(name: "broadcastRows", shapes: [[4]]) { let b = $0[0].broadcastRows(3); return b * b },
    OperationCase(name: "sumColumns", shapes: [[3, 4]]) { let s = $0[0].sumColumns(); return s * s },
    OperationCase(name: "broadcastColumns", shapes: [[3, 1]]) { let b = $0[0].broadcastColumns(2); return b * b },
    OperationCase(name: "transposed", shapes: [[3, 4]]) { matmul($0[0].transposed(), $0[0]) },
    OperationCase(name: "slice", shapes: [[10]]) { let s = $0[0].slice(from: 3, shape: [2, 2]); return s * s },
    OperationCase(name: "padded", shapes: [[3]]) { let p = $0[0].padded(toCount: 7, at: 2); return p * p },
    OperationCase(name: "assembled, overlapping", shapes: [[3], [2, 2]]) {
        let a = Variable.assembled([$0[0], $0[1]], at: [1, 2], count: 8); return a * a
    },
    // Two slices of one vector: the reverse sweep assembles their cotangents into one vector.
    OperationCase(name: "slices of one vector", shapes: [[9]]) {
        let w = $0[0].slice(from: 0, shape: [2, 2]), b = $0[0].slice(from: 5, shape: [3])
        return (b * b).sum() + matmul(w, w).sum() * b.sum()
    },
]

@Suite("Derivatives of every operation vs finite differences (Float64)")
struct OperationDerivativeTests {
    static let tolerance = 1e-6

    /// L(x) = ⟨w, f(x)⟩ evaluated without recording.
    func loss(_ c: OperationCase, _ w: Tensor) -> ([Tensor]) -> Double {
        { xs in GradientRecording.withoutRecording { c.f(xs.map { Variable($0) }).value.dot(w) } }
    }

    @Test(arguments: operationCases)
    func firstOrder(_ c: OperationCase) throws {
        var rng = RandomGenerator(seed: 11)
        let xs = c.inputs(using: &rng)
        let out = GradientRecording.withoutRecording { c.f(xs.map { Variable($0) }) }
        let w = Tensor.normal(out.shape, dtype: .float64, using: &rng)
        let vars = xs.map { Variable($0, requiresGradient: true) }
        let L = c.f(vars).dot(Variable(w))
        let g = gradients(of: L, withRespectTo: vars)
        let fd = FiniteDifferences.gradient(of: loss(c, w), at: xs)
        for k in xs.indices {
            #expect(compareEntrywise(g[k].value, fd[k], tolerance: Self.tolerance, label: "\(c.name) input \(k)") == nil)
        }
    }

    @Test(arguments: operationCases)
    func secondOrder(_ c: OperationCase) throws {
        var rng = RandomGenerator(seed: 12)
        let xs = c.inputs(using: &rng)
        let out = GradientRecording.withoutRecording { c.f(xs.map { Variable($0) }) }
        let w = Tensor.normal(out.shape, dtype: .float64, using: &rng)
        let vs = xs.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        // S(x) = Σᵢ ⟨∇ᵢL(x), vᵢ⟩ through a recorded first derivative.
        func s(_ vars: [Variable], createGraph: Bool) -> Variable {
            let L = c.f(vars).dot(Variable(w))
            let g = gradients(of: L, withRespectTo: vars, createGraph: createGraph)
            return zip(g, vs).map { $0.dot(Variable($1)) }.reduce(Variable(Tensor(scalar: 0))) { $0 + $1 }
        }
        let vars = xs.map { Variable($0, requiresGradient: true) }
        let S = s(vars, createGraph: true)
        let h = gradients(of: S, withRespectTo: vars)
        let fd = FiniteDifferences.gradient(of: { ys in s(ys.map { Variable($0, requiresGradient: true) }, createGraph: false).scalar }, at: xs)
        for k in xs.indices {
            #expect(compareEntrywise(h[k].value, fd[k], tolerance: Self.tolerance, label: "\(c.name) second order, input \(k)") == nil)
        }
    }
}
