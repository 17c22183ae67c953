import Diagnostics
import Foundation
import Games
import Tensors
import Testing
import TestSupport

/// The games' L = σ_max(A) (Lanczos on AᵀA with full reorthogonalization) against LAPACK's
/// eigenvalues of AᵀA, on square, rectangular, clustered-edge, low-rank and 1×1 matrices.
@Suite("σ_max(A) for the closed-form games' L")
struct DenseSpectralNormTests {
    static func reference(_ a: Tensor) -> Double {
        Eigenvalues.symmetric(matmul(a, a, transposeA: true)).values.last!.squareRoot()
    }

    @Test(arguments: [(60, 60, 1), (40, 90, 2), (90, 40, 3), (300, 300, 4)])
    func randomMatrices(rows: Int, columns: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        // A = I + G/(2√n) where square: the random-game family, whose top singular values cluster.
        let a = Tensor.normal([rows, columns], std: 1 / (2 * Double(columns).squareRoot()), dtype: .float64, using: &rng)
        if rows == columns { for i in 0..<rows { a[i, i] += 1 } }
        let sigma = DenseLinearAlgebra.spectralNorm(a), want = Self.reference(a)
        #expect(abs(sigma - want) <= 1e-12 * want, "σ_max \(sigma) vs LAPACK \(want)")
    }

    @Test func knownSpectraAndEdgeCases() {
        // Q·diag(5, 3, 3, 1, 0.5)·Q with Q a reflection: σ_max = 5.
        let n = 5, q = Tensor.zeros([n, n], dtype: .float64)
        let u = [1.0, -2, 0.5, 3, -1], uu = u.reduce(0) { $0 + $1 * $1 }
        for i in 0..<n { for j in 0..<n { q[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu } }
        let d = Tensor.zeros([n, n], dtype: .float64)
        for (i, s) in [5.0, 3, 3, 1, 0.5].enumerated() { d[i, i] = s }
        #expect(abs(DenseLinearAlgebra.spectralNorm(matmul(matmul(q, d), q)) - 5) <= 1e-13)
        // Rank one: σ_max = ‖x‖‖y‖, found in one step.
        let x = Tensor([1, 2, 2], shape: [3, 1]), y = Tensor([3, 4], shape: [1, 2])
        #expect(abs(DenseLinearAlgebra.spectralNorm(matmul(x, y)) - 15) <= 1e-13)
        #expect(DenseLinearAlgebra.spectralNorm(Tensor([-2.5], shape: [1, 1])) == 2.5)
        #expect(DenseLinearAlgebra.spectralNorm(Tensor.zeros([3, 3], dtype: .float64)) == 0)
    }

    @Test func tridiagonalLargestEigenvalue() {
        // The k × k matrix with 2 on the diagonal and −1 beside it: λ_max = 2 − 2cos(kπ/(k+1)).
        for k in [1, 2, 7, 40] {
            let want = 2 - 2 * cos(Double(k) * Double.pi / Double(k + 1))
            let got = DenseLinearAlgebra.largestEigenvalue(diagonal: Array(repeating: 2, count: k), offDiagonal: Array(repeating: -1, count: k - 1))
            #expect(abs(got - want) <= 1e-14 * want)
        }
    }
}
