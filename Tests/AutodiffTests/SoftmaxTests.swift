import Testing
import TestSupport
import Autodiff
import Tensors

/// log-softmax and softmax cross-entropy: first and second derivatives against central finite
/// differences in Float64 (tolerance 1e-6 · max(1, ‖g_FD‖∞), as for every operation), and the
/// numerical stability the max shift buys.
@Suite("log-softmax and cross-entropy")
struct SoftmaxTests {
    static let tolerance = 1e-6

    /// L(x) = ⟨w, f(x)⟩: its gradient by autodiff and by finite differences; then the gradient of
    /// S(x) = ⟨∇L(x), v⟩ (a Hessian-vector product) both ways.
    func check(_ name: String, shape: Shape, scale: Double = 2, _ f: @escaping (Variable) -> Variable) {
        var rng = RandomGenerator(seed: 21)
        let x = Tensor.normal(shape, std: scale, dtype: .float64, using: &rng)
        let out = GradientRecording.withoutRecording { f(Variable(x)) }
        let w = Tensor.normal(out.shape, dtype: .float64, using: &rng)
        let v = Tensor.normal(shape, dtype: .float64, using: &rng)
        let xv = Variable(x, requiresGradient: true)
        let g = gradients(of: f(xv).dot(Variable(w)), withRespectTo: [xv])[0]
        let fd = FiniteDifferences.gradient(of: { ys in GradientRecording.withoutRecording { f(Variable(ys[0])).value.dot(w) } }, at: [x])[0]
        #expect(compareEntrywise(g.value, fd, tolerance: Self.tolerance, label: "\(name) first order") == nil)

        func s(_ y: Variable, createGraph: Bool) -> Variable {
            gradients(of: f(y).dot(Variable(w)), withRespectTo: [y], createGraph: createGraph)[0].dot(Variable(v))
        }
        let h = gradients(of: s(xv, createGraph: true), withRespectTo: [xv])[0]
        let fd2 = FiniteDifferences.gradient(of: { ys in s(Variable(ys[0], requiresGradient: true), createGraph: false).scalar }, at: [x])[0]
        #expect(compareEntrywise(h.value, fd2, tolerance: Self.tolerance, label: "\(name) second order") == nil)
    }

    @Test func logSoftmaxDerivatives() { check("logSoftmax", shape: [4, 5]) { $0.logSoftmax() } }
    @Test func softmaxDerivatives() { check("softmax", shape: [3, 6]) { $0.softmax() } }
    @Test func crossEntropyDerivatives() {
        check("softmaxCrossEntropy", shape: [5, 4]) { softmaxCrossEntropy(logits: $0, labels: [0, 3, 1, 1, 2]) }
    }

    /// Against the textbook formula where it is safe, and finite where the textbook overflows.
    @Test func valuesAndStability() {
        let x = Tensor([0.5, -1, 2, 0, 3, 3], shape: [2, 3])
        let ls = x.exp().sumColumns().log()
        let y = Variable(x).logSoftmax().value
        for i in 0..<2 { for j in 0..<3 { #expect(abs(y[i, j] - (x[i, j] - ls[i])) < 1e-14) } }
        // Each softmax row sums to 1.
        let p = Variable(x).softmax().value.sumColumns()
        #expect(abs(p[0] - 1) < 1e-14 && abs(p[1] - 1) < 1e-14)
        // Logits of 1000 overflow exp; the shifted form does not: log softmax([1000, 0]) = [−log(1+e⁻¹⁰⁰⁰), −1000].
        for dtype in [DType.float32, .float64] {
            let big = Tensor([1000, 0, -1000, -1000], shape: [2, 2], dtype: dtype)
            let z = Variable(big).logSoftmax().value
            #expect(z.isFinite)
            #expect(abs(z[0]) < 1e-6 && abs(z[1] + 1000) < 1e-3 && abs(z[2] + 0.6931471805599453) < 1e-6)
            let ce = softmaxCrossEntropy(logits: Variable(big), labels: [1, 0]).scalar
            #expect(abs(ce - (1000 + 0.6931471805599453) / 2) < 1e-3)
        }
    }
}
