import Tensors

/// Matrix-free spectral estimates for large games (SPEC §4).
public enum IterativeEstimates {
    /// A fixed, generic start vector (no zero entries, no symmetry), unit norm.
    static func start(_ n: Int) -> Tensor {
        let v = Tensor.zeros([n], dtype: .float64)
        for i in 0..<n { v[i] = 1 + 0.5 * Double((i * 7919 + 13) % 101) / 101 }
        v.scale(by: 1 / v.norm())
        return v
    }

    /// σ_max(J) = √λ_max(JᵀJ) by power iteration on JᵀJ: at most `iterations` products of each kind,
    /// stopping when λ changes by less than `tolerance` relative.
    public static func spectralNorm(jvp: (Tensor) -> Tensor, vjp: (Tensor) -> Tensor, count n: Int,
                                    iterations: Int = 2000, tolerance: Double = 1e-12) -> (value: Double, iterations: Int) {
        var v = start(n), lambda = 0.0
        for k in 1...iterations {
            let w = vjp(jvp(v))
            let s = w.norm()
            if s == 0 { return (0, k) }
            w.scale(by: 1 / s)
            v = w
            if abs(s - lambda) <= tolerance * s { return (s.squareRoot(), k) }
            lambda = s
        }
        return (lambda.squareRoot(), iterations)
    }

    /// The smallest and largest eigenvalues of a symmetric operator by Lanczos with full
    /// reorthogonalization (`steps` Krylov vectors, at most n; exact up to rounding when steps = n):
    /// the extreme eigenvalues of the tridiagonal T_k, by LAPACK.
    public static func lanczos(_ apply: (Tensor) -> Tensor, count n: Int, steps: Int = 80) -> (smallest: Double, largest: Double, steps: Int) {
        let k = min(max(1, steps), n)
        var basis: [Tensor] = [start(n)]
        var alpha: [Double] = [], beta: [Double] = []
        for j in 0..<k {
            let w = apply(basis[j])
            let a = w.dot(basis[j])
            alpha.append(a)
            // Full reorthogonalization twice ("twice is enough"), against every earlier vector.
            for _ in 0..<2 { for q in basis { w.axpy(-w.dot(q), q) } }
            let b = w.norm()
            if j == k - 1 || b <= 1e-12 * max(1, abs(a)) { break }
            beta.append(b)
            w.scale(by: 1 / b)
            basis.append(w)
        }
        let m = alpha.count
        let t = Tensor.zeros([m, m], dtype: .float64)
        for i in 0..<m {
            t[i, i] = alpha[i]
            if i + 1 < m { t[i, i + 1] = beta[i]; t[i + 1, i] = beta[i] }
        }
        let ev = Eigenvalues.symmetric(t).values
        return (ev.first!, ev.last!, m)
    }
}
