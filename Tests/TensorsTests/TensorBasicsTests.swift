import Foundation
import Testing
import TestSupport
import Tensors

@Suite("Tensor basics")
struct TensorBasicsTests {
    @Test func viewsShareStorage() {
        let flat = Tensor.zeros([10], dtype: .float64)
        let w = flat.view(from: 2, shape: [2, 3])
        w.fill(5)
        #expect(flat.scalars == [0, 0, 5, 5, 5, 5, 5, 5, 0, 0])
        flat.axpy(2, Tensor.ones([10], dtype: .float64))
        #expect(w.scalars == [7, 7, 7, 7, 7, 7])
        #expect(w.overlaps(flat))
        #expect(!w.overlaps(flat.view(from: 8, shape: [2])))
    }

    @Test(arguments: [DType.float32, .float64])
    func elementwiseAgainstScalarFormulas(_ dtype: DType) {
        let xs: [Double] = [-30, -2.5, -0.3, 0, 0.7, 3, 40]
        let x = Tensor(xs, shape: [7], dtype: dtype)
        let tol = dtype == .float64 ? 1e-15 : 1e-6
        func close(_ t: Tensor, _ f: (Double) -> Double, _ name: String) {
            for (i, v) in xs.enumerated() {
                let want = f(dtype == .float32 ? Double(Float(v)) : v)
                #expect(abs(t[i] - want) <= tol * max(1, abs(want)), "\(name)(\(v)) = \(t[i]), expected \(want)")
            }
        }
        close(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, "sigmoid")
        close(x.softplus(), { $0 > 30 ? $0 : Foundation.log1p(Foundation.exp($0)) }, "softplus")
        close(x.tanh(), { Foundation.tanh($0) }, "tanh")
        close(x.elu(), { $0 > 0 ? $0 : Foundation.expm1($0) }, "elu")
        close(x.leakyRelu(slope: 0.2), { $0 > 0 ? $0 : 0.2 * $0 }, "leakyRelu")
        close(x.affine(scale: 2, shift: -1), { 2 * $0 - 1 }, "affine")
        #expect(x.softplus().isFinite && x.sigmoid().isFinite)
    }

    @Test func reductionsAndBroadcasts() {
        let m = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(m.sumRows().scalars == [5, 7, 9])
        #expect(m.sumColumns().scalars == [6, 15])
        #expect(m.sum() == 21)
        #expect(m.dot(m) == 91)
        #expect(Tensor([1, 2, 3], shape: [3]).broadcastRows(2).scalars == [1, 2, 3, 1, 2, 3])
        #expect(Tensor([1, 2], shape: [2, 1]).broadcastColumns(3).scalars == [1, 1, 1, 2, 2, 2])
        #expect(m.addingRow(Tensor([10, 20, 30], shape: [3])).scalars == [11, 22, 33, 14, 25, 36])
        #expect(m.transposed().scalars == [1, 4, 2, 5, 3, 6])
        let nan = Tensor([1, .nan, 2], shape: [3])
        #expect(nan.maxAbs().isNaN && !nan.isFinite)
        #expect(!Tensor([1, .infinity], shape: [2]).isFinite)
    }

    @Test func fusedBiasActivationMatchesUnfused() {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.normal([5, 7], dtype: .float64, using: &rng)
        let b = Tensor.normal([7], dtype: .float64, using: &rng)
        let expected = x.addingRow(b).leakyRelu(slope: 0.2)
        let fused = x.copy()
        fused.addBiasActivate(b, leakySlope: 0.2)
        #expect(fused.scalars == expected.scalars)
    }

    /// After one warm-up step has filled the pool's free lists, repeating the same computation
    /// allocates no tensor memory from the system.
    @Test func poolServesSteadyState() {
        var rng = RandomGenerator(seed: 2)
        let w = Tensor.normal([300, 200], using: &rng)   // 240 KB activations, above malloc's mmap threshold
        let x = Tensor.normal([200, 300], using: &rng)
        func step() { _ = (matmul(w, x).leakyRelu(slope: 0.2) + matmul(w, x)).sumRows() }
        step()
        // Other tests may run concurrently and allocate, so retry a few times for a quiet window.
        var clean = false
        for _ in 0..<20 where !clean {
            let before = TensorPool.shared.statistics.systemAllocations
            step(); step()
            clean = TensorPool.shared.statistics.systemAllocations == before
        }
        #expect(clean)
    }
}
