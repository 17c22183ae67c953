import Tensors

/// Small dense helpers for closed-form games (Float64).
package enum DenseLinearAlgebra {
    /// y = A x for a matrix `a` (rows × cols) and a vector `x` (any shape of cols entries).
    package static func multiply(_ a: Tensor, _ x: Tensor, transposed: Bool = false) -> Tensor {
        let n = transposed ? a.shape[0] : a.shape[1]
        ensure(x.count == n, "multiply: \(a.shape)\(transposed ? "ᵀ" : "") with \(x.count) entries")
        return matmul(a, x.reshaped([n, 1]), transposeA: transposed).reshaped([transposed ? a.shape[1] : a.shape[0]])
    }

    /// σ_max(A) by power iteration on AᵀA, run to a relative change below 1e-13 (at most 20,000
    /// iterations) from a fixed start; accurate for the gapped spectra of random matrices.
    package static func spectralNorm(_ a: Tensor) -> Double {
        var v = Tensor.filled(1 / Double(a.shape[1]).squareRoot(), [a.shape[1]], dtype: a.dtype)
        for i in 0..<v.count { v[i] += 1e-3 * Double((i * 7919) % 97) / 97 }
        v.scale(by: 1 / v.norm())
        var sigma2 = 0.0
        for _ in 0..<20_000 {
            let w = multiply(a, multiply(a, v), transposed: true)
            let s = w.norm()
            if s == 0 { return 0 }
            w.scale(by: 1 / s)
            v = w
            if abs(s - sigma2) <= 1e-13 * s { sigma2 = s; break }
            sigma2 = s
        }
        return sigma2.squareRoot()
    }
}
