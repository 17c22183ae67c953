import Foundation
import Testing
import TestSupport
import Tensors

/// The performance paths of issue 7 against what they replace: the branch-free Float32 sigmoid
/// against the Float64 formula, the fused sigmoid backward against its four-pass composite, and
/// single-threaded matrix–vector products of cache-sized matrices against the same product
/// with BLAS's thread count.
@Suite("Fast kernels")
struct FastKernelTests {
    /// Every Float32 on a fine grid over [−100, 100]: within 4 ulp (relative 5e-7) of σ in
    /// Float64 where σ(x) is a normal float, within 1.2e-38 (flushed to zero) where it is not.
    @Test func float32SigmoidIsAccurate() {
        let xs = stride(from: -100.0, through: 100.0, by: 0.0137).map { Double(Float($0)) } + [-87.33, -87, -0.0, 0, 1e-30, 88.7]
        let s = Tensor(xs, shape: [xs.count], dtype: .float32).sigmoid()
        var worst = 0.0
        for (i, x) in xs.enumerated() {
            let want = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
            if want < 1.2e-38 {
                #expect(abs(s[i] - want) <= 1.2e-38, "σ(\(x)) = \(s[i]), expected \(want)")
            } else {
                worst = max(worst, abs(s[i] - want) / want)
            }
        }
        #expect(worst <= 5e-7, "largest relative error \(worst)")
        #expect(s[xs.count - 6] > 0 && s[xs.count - 1] == 1)  // σ(−87.33) is normal; σ(88.7) rounds to 1
    }

    /// Sigmoid's fused backward g·σ(x)·(1 − σ(x)) is bit-identical to the composite the
    /// differentiable rule records, (g·σ)·(−1·σ + 1).
    @Test(arguments: [DType.float32, .float64])
    func sigmoidBackwardMatchesTheComposite(_ dtype: DType) {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.normal([1000], std: 6, dtype: dtype, using: &rng)
        let g = Tensor.normal([1000], dtype: dtype, using: &rng)
        let s = x.sigmoid()
        let composite = (g * s) * s.affine(scale: -1, shift: 1)
        #expect(x.sigmoidBackward(g).scalars == composite.scalars)
    }

    /// The thread choice for matrix–vector work: one BLAS thread for a cache-sized matrix (W4-1000's
    /// 8 MB A), the requested count for a DRAM-sized one (W4-4000's 128 MB).
    /// The fused update y += α(a + b) of a gradient in two halves gives the bits of a + b and then
    /// y += α·(a + b), in either dtype, at a length that is not a multiple of the vector width.
    @Test(arguments: [DType.float32, .float64])
    func fusedUpdateOfTwoHalvesEqualsAddThenAxpy(_ dtype: DType) {
        var rng = RandomGenerator(seed: 71)
        let a = Tensor.normal([1003], dtype: dtype, using: &rng), b = Tensor.normal([1003], dtype: dtype, using: &rng)
        let y = Tensor.normal([1003], dtype: dtype, using: &rng)
        let fused = y.copy(), reference = y.copy()
        fused.axpy(-0.37, sumOf: a, b)
        reference.axpy(-0.37, a + b)
        #expect(fused.scalars == reference.scalars)
        #expect(fused.scalars != y.scalars)
    }

    /// The one-pass pair A·x, Aᵀ·y (a bilinear game's oracle call) against the two products, on one
    /// core and split over two, at sizes that leave remainders of the four-row and eight-column
    /// blocks, in both dtypes; the split gives the same A·x bits (the same rows' dot products).
    @Test(arguments: [DType.float32, .float64])
    func matrixVectorPairEqualsTheTwoProducts(_ dtype: DType) {
        var rng = RandomGenerator(seed: 73)
        for (m, n) in [(1, 1), (3, 5), (7, 13), (523, 611)] {
            let a = Tensor.normal([m, n], dtype: dtype, using: &rng)
            let x = Tensor.normal([n], dtype: dtype, using: &rng), y = Tensor.normal([m], dtype: dtype, using: &rng)
            let ax = matmul(a, x.reshaped([n, 1])).reshaped([m]), aty = matmul(a, y.reshaped([m, 1]), transposeA: true).reshaped([n])
            let tolerance = dtype == .float32 ? 1e-5 : 1e-13
            let one = matrixVectorPair(a, x, y, cores: 1), two = matrixVectorPair(a, x, y, cores: 2)
            #expect(compareEntrywise(one.ax, ax, tolerance: tolerance, label: "A·x, \(m)×\(n)") == nil)
            #expect(compareEntrywise(one.aty, aty, tolerance: tolerance, label: "Aᵀ·y, \(m)×\(n)") == nil)
            #expect(compareEntrywise(two.aty, aty, tolerance: tolerance, label: "Aᵀ·y on two cores, \(m)×\(n)") == nil)
            #expect(two.ax.scalars == one.ax.scalars)
        }
    }

    /// A large matrix–vector product split over two cores (rows of A, or columns of A for Aᵀx)
    /// against the one-call product: each entry is the same dot product, so they agree to
    /// rounding (in practice bit for bit). Odd sizes, both dtypes, with and without β = 1.
    @Test(arguments: [DType.float32, .float64])
    func splitMatrixVectorProductEqualsOneCall(_ dtype: DType) {
        var rng = RandomGenerator(seed: 72)
        let a = Tensor.normal([523, 611], dtype: dtype, using: &rng)  // ≥ 1 MB in Float32 and Float64
        #expect(a.count * dtype.byteSize >= splitMatrixVectorBytes)
        let x = Tensor.normal([611, 1], dtype: dtype, using: &rng), xt = Tensor.normal([523, 1], dtype: dtype, using: &rng)
        let start = Tensor.normal([523, 1], dtype: dtype, using: &rng), startT = Tensor.normal([611, 1], dtype: dtype, using: &rng)
        let tolerance = dtype == .float32 ? 1e-5 : 1e-13
        for (transposed, vector, initial) in [(false, x, start), (true, xt, startT)] {
            for beta in [0.0, 1.0] {
                let reference = initial.copy(), split = initial.copy()
                matmul(a, vector, transposeA: transposed, into: reference, accumulate: beta == 1)
                splitMatrixVector(a, vector, transposed, m: transposed ? 611 : 523, beta: beta, into: split)
                #expect(compareEntrywise(split, reference, tolerance: tolerance, label: "transposed \(transposed), β \(beta)") == nil)
            }
        }
        // Not vacuous: an entry computed directly in Float64.
        let y = Tensor.zeros([523, 1], dtype: dtype)
        splitMatrixVector(a, x, false, m: 523, beta: 0, into: y)
        for i in [0, 261, 522] {
            var dot = 0.0
            for j in 0..<611 { dot += a[i, j] * x[j] }
            #expect(abs(y[i] - dot) <= (dtype == .float32 ? 1e-3 : 1e-10) * max(1, abs(dot)))
        }
    }
}
