import Tensors

/// Matrix-free Krylov solvers for A x = b, as CGD needs them: A is given by its product, x starts
/// from a guess (a warm start), and the solve stops at ‖b − Ax‖ ≤ tol·‖b‖ or after `maxIterations`
/// iterations (one product with A each). Both return the number of products taken: the iterations',
/// plus one for the initial residual of a warm start.
public enum Krylov {
    public struct Outcome: Sendable {
        public var solution: Tensor
        /// Products with A taken.
        public var products: Int
        /// ‖b − Ax‖/‖b‖ at the end (0 when b = 0).
        public var relativeResidual: Double
    }

    /// Conjugate gradients (Hestenes & Stiefel 1952) for symmetric positive definite A.
    public static func conjugateGradients(_ apply: (Tensor) -> Tensor, _ b: Tensor, start: Tensor?, tolerance: Double, maxIterations: Int) -> Outcome {
        let bNorm = b.norm()
        let x = start?.copy() ?? Tensor.zeros([b.count], dtype: b.dtype)
        guard bNorm > 0 else { x.fill(0); return Outcome(solution: x, products: 0, relativeResidual: 0) }
        var products = 0, iterations = 0
        let r = b.copy()
        if start != nil { r.axpy(-1, apply(x)); products += 1 }
        let p = r.copy()
        var rs = r.dot(r)
        while rs.squareRoot() > tolerance * bNorm, iterations < maxIterations {
            let ap = apply(p)
            products += 1; iterations += 1
            let curvature = p.dot(ap)
            guard curvature > 0 else { break }   // not positive definite along p: stop with what we have
            let alpha = rs / curvature
            x.axpy(alpha, p)
            r.axpy(-alpha, ap)
            let next = r.dot(r)
            p.copy(from: Tensor.linearCombination(1, r, next / rs, p))
            rs = next
        }
        return Outcome(solution: x, products: products, relativeResidual: rs.squareRoot() / bNorm)
    }

    /// GMRES (Saad & Schultz 1986) without restarts, for any nonsingular A: Arnoldi with modified
    /// Gram–Schmidt, the small least-squares problem by Givens rotations.
    public static func gmres(_ apply: (Tensor) -> Tensor, _ b: Tensor, start: Tensor?, tolerance: Double, maxIterations: Int) -> Outcome {
        let bNorm = b.norm()
        let x = start?.copy() ?? Tensor.zeros([b.count], dtype: b.dtype)
        guard bNorm > 0 else { x.fill(0); return Outcome(solution: x, products: 0, relativeResidual: 0) }
        var products = 0, iterations = 0
        let r = b.copy()
        if start != nil { r.axpy(-1, apply(x)); products += 1 }
        let beta = r.norm()
        guard beta > tolerance * bNorm, maxIterations > 0 else {
            return Outcome(solution: x, products: products, relativeResidual: beta / bNorm)
        }
        var basis = [r.scaled(by: 1 / beta)]
        var h: [[Double]] = []              // columns of the Hessenberg matrix, already rotated
        var cs: [Double] = [], sn: [Double] = []
        var g = [beta]                      // rotated right-hand side; |g.last| is the residual norm
        while iterations < maxIterations {
            let w = apply(basis[basis.count - 1])
            products += 1; iterations += 1
            var column = [Double]()
            for v in basis { let c = w.dot(v); w.axpy(-c, v); column.append(c) }
            let next = w.norm()
            column.append(next)
            for i in 0..<cs.count {          // earlier rotations
                let (a, b2) = (column[i], column[i + 1])
                column[i] = cs[i] * a + sn[i] * b2
                column[i + 1] = -sn[i] * a + cs[i] * b2
            }
            let k = column.count - 2
            let rho = (column[k] * column[k] + column[k + 1] * column[k + 1]).squareRoot()
            let c = rho > 0 ? column[k] / rho : 1, s = rho > 0 ? column[k + 1] / rho : 0
            cs.append(c); sn.append(s)
            column[k] = rho; column[k + 1] = 0
            h.append(column)
            g.append(-s * g[k]); g[k] = c * g[k]
            if abs(g[k + 1]) <= tolerance * bNorm || next == 0 { break }
            basis.append(w.scaled(by: 1 / next))
        }
        // Back substitution for y in H y = g, then x += V y.
        let m = h.count
        var y = [Double](repeating: 0, count: m)
        for i in stride(from: m - 1, through: 0, by: -1) {
            var t = g[i]
            for j in (i + 1)..<m { t -= h[j][i] * y[j] }
            y[i] = h[i][i] != 0 ? t / h[i][i] : 0
        }
        for j in 0..<m { x.axpy(y[j], basis[j]) }
        return Outcome(solution: x, products: products, relativeResidual: abs(g[m]) / bNorm)
    }
}
