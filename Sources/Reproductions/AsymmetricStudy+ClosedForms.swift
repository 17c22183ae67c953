import Diagnostics
import Foundation
import Games
import Tensors

/// The closed forms the study measures against: the zero of each regularized operator, and the
/// linear theory of each method (the spectral radius of its iteration linearized at that zero).
extension AsymmetricStudy {
    /// The zero z of F_γ (θ first, then φ), derived in closed form:
    /// - θφ and the Dirac-GAN: 0 for every regularization (φ* = 0 and θ* = 0, so no Tikhonov term moves it).
    /// - Offset bilinear F = (Aφ + b, −Aᵀθ − c), b = −Aφ*, c = −Aᵀθ*: discriminator-only Tikhonov gives
    ///   Aφ = −b ⇒ φ = φ*, then Aᵀθ = −c + γφ* ⇒ **θ = θ* + γA⁻ᵀφ***; symmetric Tikhonov ε solves
    ///   [[εI, A], [−Aᵀ, εI]](θ, φ) = (−b, c).
    /// - Gaussian-location: (m, 0, 0) unregularized (one point of the stationary line), with
    ///   discriminator-only Tikhonov and with SGP; symmetric Tikhonov ε gives ψ₁ = (m − θ)/ε,
    ///   ψ₂ = (m² − θ²)/ε and, from F_θ = −ψ₁ − 2ψ₂θ + εθ = 0, the cubic 2θ³ + (1 − 2m² + ε²)θ − m = 0
    ///   (``gaussianLocationSymmetricTikhonovTheta(mean:epsilon:)``).
    public func regularizedZero(game: GameKind, regularization reg: Regularization, gamma: Double) -> [Double] {
        switch game {
        case .scalarBilinear, .diracGAN:
            return [0, 0]
        case .matrixBilinear:
            let g = matrixBilinearGame
            let n = configuration.matrixDimension
            let a = (0..<n).map { i in (0..<n).map { g.matrix[i, $0] } }
            let star = g.equilibrium!
            let thetaStar = star[.generator].scalars, phiStar = star[.discriminator].scalars
            switch reg {
            case .discriminatorTikhonov:
                let aT = (0..<n).map { i in (0..<n).map { a[$0][i] } }
                let shift = Self.solve(aT, phiStar)
                return (0..<n).map { thetaStar[$0] + gamma * shift[$0] } + phiStar
            case .symmetricTikhonov:
                let b = g.offsets[.generator].scalars, c = g.offsets[.discriminator].scalars
                var m = [[Double]](repeating: [Double](repeating: 0, count: 2 * n), count: 2 * n)
                for i in 0..<n {
                    m[i][i] = gamma; m[n + i][n + i] = gamma
                    for j in 0..<n { m[i][n + j] = a[i][j]; m[n + i][j] = -a[j][i] }
                }
                return Self.solve(m, b.map { -$0 } + c)
            default:
                return thetaStar + phiStar
            }
        case .gaussianLocation:
            let m = configuration.mean
            guard reg == .symmetricTikhonov else { return [m, 0, 0] }
            let theta = Self.gaussianLocationSymmetricTikhonovTheta(mean: m, epsilon: gamma)
            return [theta, (m - theta) / gamma, (m * m - theta * theta) / gamma]
        }
    }

    /// The real root θ of 2θ³ + (1 − 2m² + ε²)θ − m = 0 (the Gaussian-location game's zero under
    /// symmetric Tikhonov ε), by Cardano's formula for θ³ + pθ + q with p = (1 − 2m² + ε²)/2,
    /// q = −m/2; when the cubic has three real roots, the one nearest m. m = 1: 0.99800 at ε = 0.1,
    /// 0.94952 at ε = 0.5 (SPEC §3).
    public static func gaussianLocationSymmetricTikhonovTheta(mean m: Double, epsilon: Double) -> Double {
        let p = (1 - 2 * m * m + epsilon * epsilon) / 2, q = -m / 2
        let delta = q * q / 4 + p * p * p / 27
        if delta > 0 {
            let s = delta.squareRoot()
            return cbrt(-q / 2 + s) + cbrt(-q / 2 - s)
        }
        // Three real roots (p < 0): θ_k = 2√(−p/3) cos(φ/3 − 2πk/3).
        let r = 2 * (-p / 3).squareRoot()
        let phi = acos(min(1, max(-1, 3 * q / (p * r))))
        let roots = (0..<3).map { r * cos(phi / 3 - 2 * Double.pi * Double($0) / 3) }
        return roots.min { abs($0 - m) < abs($1 - m) }!
    }

    /// x with M x = y (Gaussian elimination with partial pivoting; small dense systems).
    static func solve(_ matrix: [[Double]], _ y: [Double]) -> [Double] {
        var a = matrix, b = y
        let n = b.count
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            ensure(abs(a[pivot][col]) > 1e-300, "AsymmetricStudy.solve: singular matrix")
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for r in (col + 1)..<n where r < n {
                let f = a[r][col] / a[col][col]
                if f == 0 { continue }
                for c in col..<n { a[r][c] -= f * a[col][c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<n where c < n { s -= a[r][c] * x[c] }
            x[r] = s / a[r][r]
        }
        return x
    }

    /// The squared spectral radius of `method`'s iteration for the linear field F(ω) = J(ω − z):
    /// FB I − αJ; EG I − αJ + α²J²; EFTP on the state (ω_k, g_{k−1}), [[I − αJ, α²J], [J, −αJ]] (per
    /// eigenvalue λ its roots solve r² − (1 − 2αλ)r − αλ = 0, SPEC §2); alternating GDA (k = 1) the
    /// generator update after the discriminator's, [[I − αJθθ, −αJθφ], [0, I]]·[[I, 0], [−αJφθ, I − αJφφ]].
    /// Eigenvalues by LAPACK (`dgeev`). On the bilinear games this is the exact asymptotic
    /// squared-distance factor; on the GANs, the local one at z.
    public static func linearFactor(method: Method, alpha: Double, jacobian j: [Double], sizes: PerPlayer<Int>) -> Double {
        let n = sizes.generator + sizes.discriminator
        func jAt(_ r: Int, _ c: Int) -> Double { j[r * n + c] }
        func identity(_ k: Int) -> [[Double]] { (0..<k).map { r in (0..<k).map { r == $0 ? 1 : 0 } } }
        func product(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
            let k = x.count
            return (0..<k).map { r in (0..<k).map { c in (0..<k).reduce(0) { $0 + x[r][$1] * y[$1][c] } } }
        }
        let jm = (0..<n).map { r in (0..<n).map { jAt(r, $0) } }
        var m: [[Double]]
        switch method {
        case .fb:
            m = (0..<n).map { r in (0..<n).map { (r == $0 ? 1 : 0) - alpha * jm[r][$0] } }
        case .eg:
            let j2 = product(jm, jm)
            m = (0..<n).map { r in (0..<n).map { (r == $0 ? 1 : 0) - alpha * jm[r][$0] + alpha * alpha * j2[r][$0] } }
        case .eftp:
            m = identity(2 * n)
            for r in 0..<n {
                for c in 0..<n {
                    m[r][c] = (r == c ? 1 : 0) - alpha * jm[r][c]
                    m[r][n + c] = alpha * alpha * jm[r][c]
                    m[n + r][c] = jm[r][c]
                    m[n + r][n + c] = -alpha * jm[r][c]
                }
            }
        case .alternatingGDA:
            let g = sizes.generator
            var first = identity(n), second = identity(n)
            for r in g..<n { for c in 0..<n { first[r][c] = (r == c ? 1 : 0) - alpha * jm[r][c] } }
            for r in 0..<g { for c in 0..<n { second[r][c] = (r == c ? 1 : 0) - alpha * jm[r][c] } }
            m = product(second, first)
        }
        let k = m.count
        let t = Tensor(m.flatMap { $0 }, shape: [k, k])
        let rho = Eigenvalues.general(t).reduce(0.0) { max($0, ($1.re * $1.re + $1.im * $1.im).squareRoot()) }
        return rho * rho
    }
}
