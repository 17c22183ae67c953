import Testing
import TestSupport
import Tensors

/// `matmul` against a naive triple loop in Float64, for all four transpose combinations and every
/// path it takes: GEMM, matrix–vector products (m ≤ 4 or n ≤ 4) and outer-product sums (k ≤ 4).
@Suite("Matrix products")
struct MatrixProductTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var testDescription: String { "\(m)×\(n)×\(k)" }
    }
    static let cases: [Case] = [
        Case(m: 7, n: 9, k: 11), Case(m: 33, n: 17, k: 64),       // GEMM
        Case(m: 37, n: 1, k: 19), Case(m: 37, n: 3, k: 19),       // n small: gemv per column
        Case(m: 1, n: 29, k: 21), Case(m: 4, n: 29, k: 21),       // m small: gemv per row
        Case(m: 23, n: 31, k: 1), Case(m: 23, n: 31, k: 2),       // k small: outer products
        Case(m: 2, n: 3, k: 2), Case(m: 1, n: 1, k: 1),
    ]

    func reference(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k {
            let x = ta ? a[p, i] : a[i, p]
            let y = tb ? b[j, p] : b[p, j]
            c[i * n + j] += x * y
        } } }
        return c
    }

    @Test(arguments: cases, [DType.float64, .float32])
    func allTransposes(_ c: Case, _ dtype: DType) {
        var rng = RandomGenerator(seed: 3)
        for ta in [false, true] { for tb in [false, true] {
            let a = Tensor.normal(ta ? [c.k, c.m] : [c.m, c.k], dtype: dtype, using: &rng)
            let b = Tensor.normal(tb ? [c.n, c.k] : [c.k, c.n], dtype: dtype, using: &rng)
            let ref = reference(a, b, ta, tb, c.m, c.n, c.k)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            let got = matmul(a, b, transposeA: ta, transposeB: tb)
            #expect(got.shape == Shape([c.m, c.n]))
            let err = zip(got.scalars, ref).map { abs($0 - $1) }.max() ?? 0
            #expect(err <= tol * Double(c.k), "transposeA \(ta) transposeB \(tb): max error \(err)")
            // Accumulating into an existing output adds the product.
            let out = Tensor.ones([c.m, c.n], dtype: dtype)
            matmul(a, b, transposeA: ta, transposeB: tb, into: out, accumulate: true)
            let errAcc = zip(out.scalars, ref).map { abs($0 - ($1 + 1)) }.max() ?? 0
            #expect(errAcc <= tol * Double(c.k), "accumulate, transposeA \(ta) transposeB \(tb): max error \(errAcc)")
        } }
    }

    @Test func countsFlops() {
        let counter = FlopCounter()
        counter.measure {
            _ = matmul(Tensor.zeros([3, 4]), Tensor.zeros([4, 5]))
            _ = matmul(Tensor.zeros([3, 1]), Tensor.zeros([1, 5]))
        }
        #expect(counter.flops == 2 * 3 * 5 * 4 + 2 * 3 * 5 * 1)
        #expect(counter.products == 2)
    }
}
