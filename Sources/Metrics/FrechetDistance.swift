import Tensors

/// The Fréchet distance between two Gaussians (the squared 2-Wasserstein distance between
/// N(μ₁, Σ₁) and N(μ₂, Σ₂)), as FID uses it:
///
///     d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}).
///
/// Both square roots are symmetric PSD roots by eigendecomposition (LAPACK dsyev), eigenvalues
/// below zero clipped to zero; (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} has the same trace as (Σ₁Σ₂)^{1/2}
/// but is symmetric, so no complex square root is needed. The result is clipped at 0 (round-off
/// can make the distance of a set to itself −1e-12). It is symmetric in its two arguments up to
/// round-off. Non-finite statistics (NaN or infinite samples) give NaN.
public enum FrechetDistance {
    /// d² between two Gaussians given by their statistics.
    public static func distance(_ a: GaussianStatistics, _ b: GaussianStatistics) -> Double {
        let d = a.mean.count
        ensure(b.mean.count == d, "FrechetDistance: dimensions \(d) and \(b.mean.count) differ")
        var meanTerm = 0.0
        for i in 0..<d { meanTerm += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]) }
        let s1 = a.covariance.converted(to: .float64), s2 = b.covariance.converted(to: .float64)
        // A diverged generator's NaN or infinite features: no distance (LAPACK is not asked).
        guard meanTerm.isFinite, s1.isFinite, s2.isFinite else { return .nan }
        var traces = 0.0
        for i in 0..<d { traces += s1[i, i] + s2[i, i] }
        let root1 = psdSquareRoot(s1)
        let middle = symmetrized(matmul(matmul(root1, s2), root1))
        return max(0, meanTerm + traces - 2 * traceOfSquareRoot(middle))
    }

    /// d² between the Gaussians fitted (mean, unbiased covariance) to the rows of `x` and `y`
    /// ([n, d] and [m, d]).
    public static func distance(_ x: Tensor, _ y: Tensor) -> Double {
        distance(GaussianStatistics(of: x), GaussianStatistics(of: y))
    }
}
