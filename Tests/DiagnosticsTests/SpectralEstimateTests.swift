import Diagnostics
import Tensors
import Testing
import TestSupport

/// The spectral building blocks on matrices whose spectra are known by construction.
@Suite("Diagnostics: LAPACK spectra, power iteration and Lanczos")
struct SpectralEstimateTests {
    /// A Householder reflection I − 2uuᵀ/‖u‖² (orthogonal, symmetric) from a fixed pattern.
    static func reflection(_ n: Int, _ seed: Int) -> Tensor {
        let u = (0..<n).map { Double(($0 * 29 + seed * 13) % 23) - 11.3 }
        let uu = u.reduce(0) { $0 + $1 * $1 }
        let h = Tensor.zeros([n, n], dtype: .float64)
        for i in 0..<n { for j in 0..<n { h[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu } }
        return h
    }

    static func diagonal(_ d: [Double]) -> Tensor {
        let m = Tensor.zeros([d.count, d.count], dtype: .float64)
        for (i, x) in d.enumerated() { m[i, i] = x }
        return m
    }

    /// Q diag(λ) Qᵀ with 50 distinct eigenvalues; 30 Lanczos vectors find both extremes.
    @Test func lanczosFindsTheExtremesOfAHiddenSpectrum() {
        let n = 50
        let lambdas = [0.3] + (0..<(n - 2)).map { 1 + 4 * Double($0) / Double(n - 3) } + [9]
        let q = Self.reflection(n, 3)
        let a = matmul(matmul(q, Self.diagonal(lambdas)), q)
        let r = IterativeEstimates.lanczos({ matmul(a, $0.reshaped([n, 1])).reshaped([n]) }, count: n, steps: 30)
        #expect(r.steps == 30)
        #expect(abs(r.smallest - 0.3) < 1e-8 && abs(r.largest - 9) < 1e-8, "\(r)")
        // dsyev on the same matrix, against the construction.
        let ev = Eigenvalues.symmetric(a).values
        for (x, y) in zip(ev, lambdas.sorted()) { #expect(abs(x - y) < 1e-12) }
    }

    /// U diag(s) Vᵀ with s up to 3 and a gap to 2.5: σmax = 3 by power iteration on AᵀA.
    @Test func powerIterationFindsTheLargestSingularValue() {
        let n = 20
        let s = (0..<n).map { 0.1 + 2.4 * Double($0) / Double(n - 1) }.dropLast() + [3.0]
        let a = matmul(matmul(Self.reflection(n, 1), Self.diagonal(Array(s))), Self.reflection(n, 2))
        let r = IterativeEstimates.spectralNorm(jvp: { matmul(a, $0.reshaped([n, 1])).reshaped([n]) },
                                                vjp: { matmul(a, $0.reshaped([n, 1]), transposeA: true).reshaped([n]) }, count: n)
        #expect(abs(r.value - 3) < 1e-9, "\(r)")
    }

    /// A rotation–scaling block [[c, −d], [d, c]] has eigenvalues c ± id; with a real 5 beside it,
    /// conjugated by a reflection, dgeev returns exactly those, sorted by real then imaginary part.
    @Test func generalEigenvaluesOfAKnownNonsymmetricMatrix() {
        let m = Tensor([0.5, -2, 0, 2, 0.5, 0, 0, 0, 5], shape: [3, 3])
        let q = Self.reflection(3, 4)
        let ev = Eigenvalues.general(matmul(matmul(q, m), q))
        let want = [ComplexValue(re: 0.5, im: -2), ComplexValue(re: 0.5, im: 2), ComplexValue(re: 5, im: 0)]
        for (g, w) in zip(ev, want) { #expect(abs(g.re - w.re) < 1e-12 && abs(g.im - w.im) < 1e-12, "\(ev)") }
    }
}
