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

    @Test func cacheSizedMatrixVectorWorkRunsSingleThreaded() {
        #expect(BLAS.threads(forMatrixVectorProductsOf: 8_000_000, requested: 2) == 1)
        #expect(BLAS.threads(forMatrixVectorProductsOf: 128_000_000, requested: 2) == 2)
        #expect(BLAS.threads(forMatrixVectorProductsOf: 128_000_000, requested: 1) == 1)
    }
}
