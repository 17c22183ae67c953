import Foundation
import Tensors

/// An unbiased estimate of the squared maximum mean discrepancy, with its standard error.
public struct MMDEstimate: Sendable, Codable, Equatable {
    /// The unbiased estimate of MMD² (may be slightly negative when the distributions agree).
    public var squared: Double
    /// The estimated standard deviation of `squared` (see ``MMD``).
    public var standardError: Double
    /// The kernel bandwidth h used.
    public var bandwidth: Double
}

/// The kernel maximum mean discrepancy (Gretton et al. 2012) with the Gaussian kernel
/// k(x, y) = exp(−‖x − y‖² / (2h²)):
///
///     MMD²ᵤ = 1/(n(n−1)) Σ_{i≠j} k(xᵢ, xⱼ) + 1/(m(m−1)) Σ_{i≠j} k(yᵢ, yⱼ) − 2/(nm) Σᵢⱼ k(xᵢ, yⱼ),
///
/// the unbiased U-statistic (0 in expectation when both samples come from one distribution).
///
/// **Bandwidth** (when not given): the median heuristic — h is the median Euclidean distance
/// between distinct points of the pooled sample, computed on at most 500 points of each sample
/// (evenly strided rows, so it is deterministic).
///
/// **Standard error**: with p = min(n, m) paired points and
/// hᵢⱼ = k(xᵢ, xⱼ) + k(yᵢ, yⱼ) − k(xᵢ, yⱼ) − k(xⱼ, yᵢ) (i ≠ j < p), the variance of the degree-2
/// U-statistic, (4(p − 2) ζ₁ + 2 ζ₂) / (p(p − 1)), with ζ₂ the sample variance of hᵢⱼ and
/// ζ₁ = Var(h̄ᵢ) − ζ₂/(p − 1) (clipped at 0), h̄ᵢ = mean over j of hᵢⱼ: Hoeffding's formula
/// with plug-in estimates, valid both when the distributions differ (ζ₁ > 0) and when they
/// agree (ζ₁ = 0, where the estimate is degenerate and its spread is the ζ₂ term).
///
/// Non-finite samples give NaN. Cost: O((n + m)² d) in row blocks; memory O(256 (n + m)).
public enum MMD {
    /// MMD²ᵤ between the rows of `x` ([n, d], n ≥ 2) and `y` ([m, d], m ≥ 2).
    public static func squared(_ x: Tensor, _ y: Tensor, bandwidth: Double? = nil) -> MMDEstimate {
        ensure(x.rank == 2 && y.rank == 2 && x.shape[1] == y.shape[1],
               "MMD: samples must be [n, d] and [m, d], got \(x.shape) and \(y.shape)")
        ensure(x.shape[0] >= 2 && y.shape[0] >= 2, "MMD: need at least 2 points in each sample, got \(x.shape[0]) and \(y.shape[0])")
        // NaN or infinite samples (a diverged generator): no estimate.
        guard x.isFinite && y.isFinite else { return MMDEstimate(squared: .nan, standardError: .nan, bandwidth: bandwidth ?? .nan) }
        let x = x.converted(to: .float64), y = y.converted(to: .float64)
        let h = bandwidth ?? medianBandwidth(x, y)
        ensure(h > 0 && h.isFinite, "MMD: bandwidth must be positive and finite, got \(h)")
        let n = x.shape[0], m = y.shape[0], p = min(n, m)
        let gamma = 1 / (2 * h * h)
        let nx = squaredNorms(x), ny = squaredNorms(y)
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        var hRowMeans = [Double](repeating: 0, count: p)
        var hSum = 0.0, hSquares = 0.0
        let block = 256
        for start in stride(from: 0, to: max(n, m), by: block) {
            var kxx: [Double] = [], kxy: [Double] = [], kyy: [Double] = [], kyx: [Double] = []
            let bx = max(0, min(block, n - start)), by = max(0, min(block, m - start))
            if bx > 0 {
                kxx = kernel(x, rows: start, count: bx, against: x, nx, nx, gamma)
                kxy = kernel(x, rows: start, count: bx, against: y, nx, ny, gamma)
                for r in 0..<bx {
                    let i = start + r
                    for j in 0..<n where j != i { sxx += kxx[r * n + j] }
                    for j in 0..<m { sxy += kxy[r * m + j] }
                }
            }
            if by > 0 {
                kyy = kernel(y, rows: start, count: by, against: y, ny, ny, gamma)
                if start < p { kyx = kernel(y, rows: start, count: min(by, p - start), against: x, ny, nx, gamma) }
                for r in 0..<by {
                    let i = start + r
                    for j in 0..<m where j != i { syy += kyy[r * m + j] }
                }
            }
            // Paired terms hᵢⱼ for i, j < p.
            for r in 0..<max(0, min(block, p - start)) {
                let i = start + r
                var rowSum = 0.0
                for j in 0..<p where j != i {
                    let hij = kxx[r * n + j] + kyy[r * m + j] - kxy[r * m + j] - kyx[r * n + j]
                    rowSum += hij
                    hSquares += hij * hij
                }
                hSum += rowSum
                hRowMeans[i] = rowSum / Double(p - 1)
            }
        }
        let estimate = sxx / Double(n * (n - 1)) + syy / Double(m * (m - 1)) - 2 * sxy / (Double(n) * Double(m))
        var standardError = Double.nan
        if p >= 3 {
            let pairs = Double(p * (p - 1))
            let hMean = hSum / pairs
            let zeta2 = max(0, (hSquares - pairs * hMean * hMean) / (pairs - 1))
            var rowVar = 0.0
            for v in hRowMeans { rowVar += (v - hMean) * (v - hMean) }
            rowVar /= Double(p - 1)
            let zeta1 = max(0, rowVar - zeta2 / Double(p - 1))
            let variance = (4 * Double(p - 2) * zeta1 + 2 * zeta2) / pairs
            standardError = variance.squareRoot()
        }
        return MMDEstimate(squared: estimate, standardError: standardError, bandwidth: h)
    }

    /// The median heuristic: the median distance between distinct points of the pooled sample of
    /// at most `perSample` evenly strided rows of each of `x` and `y`.
    public static func medianBandwidth(_ x: Tensor, _ y: Tensor, perSample: Int = 500) -> Double {
        func strided(_ t: Tensor) -> [[Double]] {
            let n = t.shape[0], d = t.shape[1], k = min(n, perSample)
            return (0..<k).map { r in let i = r * n / k; return (0..<d).map { t[i * d + $0] } }
        }
        let pooled = strided(x) + strided(y)
        var distances: [Double] = []
        distances.reserveCapacity(pooled.count * (pooled.count - 1) / 2)
        for i in 0..<pooled.count {
            for j in (i + 1)..<pooled.count {
                var s = 0.0
                for (a, b) in zip(pooled[i], pooled[j]) { s += (a - b) * (a - b) }
                distances.append(s.squareRoot())
            }
        }
        guard !distances.isEmpty else { return 1 }
        let m = median(distances)
        return m > 0 ? m : 1
    }

    private static func squaredNorms(_ t: Tensor) -> [Double] {
        let n = t.shape[0], d = t.shape[1], p = t.f64
        return (0..<n).map { i in var s = 0.0; for k in 0..<d { s += p[i * d + k] * p[i * d + k] }; return s }
    }

    /// k(aᵢ, bⱼ) for rows i in start..<start+count of `a` and every row j of `b`, row-major.
    private static func kernel(_ a: Tensor, rows start: Int, count: Int, against b: Tensor,
                               _ na: [Double], _ nb: [Double], _ gamma: Double) -> [Double] {
        let d = a.shape[1], m = b.shape[0]
        let g = matmul(a.view(from: start * d, shape: [count, d]), b, transposeB: true)
        let p = g.f64
        var out = [Double](repeating: 0, count: count * m)
        for r in 0..<count {
            for j in 0..<m {
                let d2 = max(0, na[start + r] + nb[j] - 2 * p[r * m + j])
                out[r * m + j] = Foundation.exp(-gamma * d2)
            }
        }
        return out
    }
}
