import Tensors

/// The sliced 2-Wasserstein distance between two samples in Rᵈ (Rabin et al. 2011; Deshpande
/// et al. 2018):
///
///     SW₂(X, Y) = ( (1/L) Σₗ W₂²(⟨θₗ, X⟩, ⟨θₗ, Y⟩) )^{1/2},
///
/// over L directions θₗ drawn uniformly on the unit sphere (normalized N(0, I) draws from
/// `RandomGenerator(seed:)`, so the same seed gives the same directions), each 1-D W₂ exact:
/// the L² distance between the two empirical quantile functions, by sorting. Samples may differ
/// in size. In one dimension every direction is ±1, so SW₂ is the exact W₂. Non-finite samples
/// give NaN.
public enum SlicedWasserstein {
    /// SW₂ between the rows of `x` ([n, d]) and `y` ([m, d]).
    public static func distance(_ x: Tensor, _ y: Tensor, projections: Int = 128, seed: UInt64 = 0) -> Double {
        ensure(x.rank == 2 && y.rank == 2 && x.shape[1] == y.shape[1],
               "SlicedWasserstein: samples must be [n, d] and [m, d], got \(x.shape) and \(y.shape)")
        ensure(projections > 0, "SlicedWasserstein: need at least one projection, got \(projections)")
        ensure(x.shape[0] > 0 && y.shape[0] > 0, "SlicedWasserstein: empty sample")
        guard x.isFinite && y.isFinite else { return .nan }   // a diverged generator's samples
        let d = x.shape[1]
        let theta = directions(dimension: d, count: projections, seed: seed)          // [d, L]
        let px = matmul(x.converted(to: .float64), theta), py = matmul(y.converted(to: .float64), theta)
        var total = 0.0
        for l in 0..<projections {
            total += squaredWasserstein1D(column(px, l), column(py, l))
        }
        return (total / Double(projections)).squareRoot()
    }

    /// `count` directions uniform on the unit sphere of Rᵈ, as the columns of a Float64 [d, count].
    public static func directions(dimension d: Int, count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let t = Tensor.normal([d, count], dtype: .float64, using: &rng)
        for l in 0..<count {
            var norm = 0.0
            for i in 0..<d { norm += t[i, l] * t[i, l] }
            norm = norm.squareRoot()
            if norm == 0 { t[0, l] = 1; continue }   // probability zero; keeps the direction a unit vector
            for i in 0..<d { t[i, l] /= norm }
        }
        return t
    }

    /// The exact W₂² between the empirical distributions of `a` and `b` (weights 1/n and 1/m):
    /// ∫₀¹ (F_a⁻¹(t) − F_b⁻¹(t))² dt, integrated over the merged steps of the two quantile functions.
    public static func squaredWasserstein1D(_ a: [Double], _ b: [Double]) -> Double {
        ensure(!a.isEmpty && !b.isEmpty, "SlicedWasserstein: empty sample")
        let sa = a.sorted(), sb = b.sorted()
        let n = sa.count, m = sb.count
        if n == m {
            var s = 0.0
            for i in 0..<n { s += (sa[i] - sb[i]) * (sa[i] - sb[i]) }
            return s / Double(n)
        }
        // Quantile steps end at (i+1)/n and (j+1)/m; compare them exactly as (i+1)·m vs (j+1)·n.
        var i = 0, j = 0, t = 0.0, s = 0.0
        let total = Double(n) * Double(m)
        while i < n && j < m {
            let endA = (i + 1) * m, endB = (j + 1) * n
            let end = Double(min(endA, endB)) / total
            s += (end - t) * (sa[i] - sb[j]) * (sa[i] - sb[j])
            t = end
            if endA <= endB { i += 1 }
            if endB <= endA { j += 1 }
        }
        return s
    }

    private static func column(_ t: Tensor, _ l: Int) -> [Double] {
        let n = t.shape[0], c = t.shape[1], p = t.f64
        return (0..<n).map { p[$0 * c + l] }
    }
}
