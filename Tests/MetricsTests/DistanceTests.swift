import Foundation
import Testing
import TestSupport
import Data
import Metrics
import Tensors

/// Fréchet distance, sliced Wasserstein, MMD and the histogram KL against closed forms.
@Suite("Distribution distances")
struct DistanceTests {
    /// A Float64 [d, d] matrix from rows.
    func matrix(_ rows: [[Double]]) -> Tensor { Tensor(rows.flatMap { $0 }, shape: [rows.count, rows.count]) }

    /// A random rotation of Rᵈ (QR-free: eigenvectors of a random symmetric matrix).
    func rotation(_ d: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let a = Tensor.normal([d, d], dtype: .float64, using: &rng)
        let s = Tensor.linearCombination(1, a, 1, a.transposed())
        // Gram–Schmidt on the columns of s.
        var cols: [[Double]] = []
        for j in 0..<d {
            var c = (0..<d).map { s[$0, j] }
            for q in cols { let p = zip(c, q).reduce(0) { $0 + $1.0 * $1.1 }; for i in 0..<d { c[i] -= p * q[i] } }
            let n = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
            cols.append(c.map { $0 / n })
        }
        return Tensor((0..<d).flatMap { i in (0..<d).map { cols[$0][i] } }, shape: [d, d])
    }

    /// ‖μ₁ − μ₂‖² + Σᵢ (σ₁ᵢ − σ₂ᵢ)² for diagonal covariances, also after rotating both Gaussians
    /// by the same orthogonal Q (the distance is invariant; the covariances are then full).
    @Test func frechetDiagonalClosedForm() {
        let d = 5
        let mu1 = [0.5, -1, 2, 0, 0.25], mu2 = [0, 1, 2, -0.5, 0.25]
        let var1 = [1.0, 4, 0.25, 2, 9], var2 = [2.0, 1, 0.25, 0.5, 1]
        var expected = 0.0
        for i in 0..<d { expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + (var1[i].squareRoot() - var2[i].squareRoot()) * (var1[i].squareRoot() - var2[i].squareRoot()) }
        func diag(_ v: [Double]) -> Tensor { matrix((0..<d).map { i in (0..<d).map { $0 == i ? v[i] : 0 } }) }
        let a = GaussianStatistics(count: 0, mean: mu1, covariance: diag(var1))
        let b = GaussianStatistics(count: 0, mean: mu2, covariance: diag(var2))
        #expect(abs(FrechetDistance.distance(a, b) - expected) < 1e-10 * max(1, expected))
        let q = rotation(d, seed: 3)
        func rotate(_ s: GaussianStatistics) -> GaussianStatistics {
            let m = matmul(q, Tensor(s.mean, shape: [d, 1])).scalars
            return GaussianStatistics(count: 0, mean: m, covariance: matmul(matmul(q, s.covariance), q, transposeB: true))
        }
        #expect(abs(FrechetDistance.distance(rotate(a), rotate(b)) - expected) < 1e-9 * max(1, expected))
    }

    /// Non-commuting 2×2 covariances: for a 2×2 PSD M, tr √M = √(tr M + 2√det M), so
    /// tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} = √(tr(Σ₁Σ₂) + 2√(det Σ₁ det Σ₂)).
    @Test func frechetTwoByTwoClosedForm() {
        let s1 = matrix([[2, 0.7], [0.7, 1]]), s2 = matrix([[0.5, -0.3], [-0.3, 3]])
        let tr12 = matmul(s1, s2).scalars[0] + matmul(s1, s2).scalars[3]
        let det1 = 2 * 1 - 0.7 * 0.7, det2 = 0.5 * 3 - 0.09
        let expected = (1.0 * 1.0 + 2 * 2) + (3 + 3.5) - 2 * (tr12 + 2 * (det1 * det2).squareRoot()).squareRoot()
        let a = GaussianStatistics(count: 0, mean: [1, 0], covariance: s1)
        let b = GaussianStatistics(count: 0, mean: [0, 2], covariance: s2)
        #expect(abs(FrechetDistance.distance(a, b) - expected) < 1e-12 * max(1, expected))
        #expect(abs(FrechetDistance.distance(b, a) - expected) < 1e-12 * max(1, expected))
    }

    /// On samples: 0 for a set against itself, symmetric, and close to the population value for
    /// large Gaussian samples (N(0, I) vs N(μ, 4I) in d = 4: ‖μ‖² + d(2 − 1)²).
    @Test func frechetOnSamples() {
        var rng = RandomGenerator(seed: 5)
        let d = 4, n = 20000
        let x = Tensor.normal([n, d], dtype: .float64, using: &rng)
        let y = Tensor.normal([n, d], mean: 0, std: 2, dtype: .float64, using: &rng)
        let mu = [1.0, -1, 0.5, 0]
        for i in 0..<n { for j in 0..<d { y[i, j] += mu[j] } }
        #expect(FrechetDistance.distance(x, x) < 1e-9)
        let xy = FrechetDistance.distance(x, y), yx = FrechetDistance.distance(y, x)
        #expect(abs(xy - yx) < 1e-9 * xy)
        let population = mu.reduce(0) { $0 + $1 * $1 } + Double(d)
        // Sampling error of the means and covariances at n = 20,000 is about 1% here.
        #expect(abs(xy - population) < 0.05 * population, "Fréchet \(xy) vs population \(population)")
        // A NaN sample (a diverged generator) gives NaN, not a LAPACK failure.
        let bad = x.copy()
        bad[3] = .nan
        #expect(FrechetDistance.distance(bad, y).isNaN)
    }

    /// 1-D W₂ between a sample and the same sample shifted by c is |c|; with unequal sizes it
    /// is the L² distance of the quantile functions, checked on a hand-computed case.
    @Test func wasserstein1D() {
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.normal([500, 1], dtype: .float64, using: &rng)
        let shifted = x.affine(scale: 1, shift: 1.5)
        #expect(abs(SlicedWasserstein.distance(x, shifted, projections: 16, seed: 1) - 1.5) < 1e-12)
        #expect(SlicedWasserstein.distance(x, x) == 0)
        // {0, 1} vs {0, 1, 2}: quantiles 0|1 on [0,½),[½,1) vs 0|1|2 on thirds:
        // ∫ = (⅓)·0 + (½−⅓)·1 + (⅔−½)·0 + (1−⅔)·1 = ½.
        #expect(abs(SlicedWasserstein.squaredWasserstein1D([1, 0], [2, 0, 1]) - 0.5) < 1e-15)
        #expect(abs(SlicedWasserstein.squaredWasserstein1D([3], [0, 1, 2, 3]) - (9 + 4 + 1 + 0) / 4.0) < 1e-15)
    }

    /// In Rᵈ, X against X + s: every projection shifts by ⟨θ, s⟩, so SW₂² = mean ⟨θ, s⟩², whose
    /// expectation over uniform θ is ‖s‖²/d. Exact per direction; Monte Carlo over directions.
    @Test func slicedWassersteinShift() {
        var rng = RandomGenerator(seed: 8)
        let d = 10, n = 300, projections = 4000
        let x = Tensor.normal([n, d], dtype: .float64, using: &rng)
        let s = (0..<d).map { Double($0 % 3) - 1 }
        let y = x.copy()
        for i in 0..<n { for j in 0..<d { y[i, j] += s[j] } }
        let theta = SlicedWasserstein.directions(dimension: d, count: projections, seed: 2)
        var exact = 0.0
        for l in 0..<projections { var p = 0.0; for j in 0..<d { p += theta[j, l] * s[j] }; exact += p * p }
        let sw = SlicedWasserstein.distance(x, y, projections: projections, seed: 2)
        #expect(abs(sw * sw - exact / Double(projections)) < 1e-9)
        let normS = s.reduce(0) { $0 + $1 * $1 }
        // ⟨θ, s⟩² has mean ‖s‖²/d and std ≈ √2 ‖s‖²/d; 4000 directions: relative error ≈ 2%.
        #expect(abs(sw * sw - normS / Double(d)) < 0.1 * normS / Double(d))
        // Same seed, same value; another seed, other directions.
        #expect(SlicedWasserstein.distance(x, y, projections: 64, seed: 9) == SlicedWasserstein.distance(x, y, projections: 64, seed: 9))
    }

    /// Unbiased MMD²: two samples of one Gaussian give an estimate within 3 standard errors of
    /// 0; shifted Gaussians give one many standard errors above 0, near the closed form. For
    /// N(0, 1) vs N(δ, 1) in 1-D with kernel bandwidth h,
    /// MMD² = 2 (h/√(h²+2)) (1 − exp(−δ²/(2(h²+2)))).
    @Test func mmdClosedForms() {
        var rng = RandomGenerator(seed: 9)
        let n = 1000
        let x = Tensor.normal([n, 1], dtype: .float64, using: &rng)
        let x2 = Tensor.normal([n, 1], dtype: .float64, using: &rng)
        let same = MMD.squared(x, x2, bandwidth: 1)
        #expect(abs(same.squared) < 3 * same.standardError, "MMD² \(same.squared) ± \(same.standardError)")
        #expect(same.standardError > 0 && same.standardError < 0.01)
        let delta = 1.0, h = 1.0
        let y = x2.affine(scale: 1, shift: delta)
        let shifted = MMD.squared(x, y, bandwidth: h)
        let closed = 2 * (h / (h * h + 2).squareRoot()) * (1 - exp(-delta * delta / (2 * (h * h + 2))))
        #expect(shifted.squared > 8 * shifted.standardError)
        #expect(abs(shifted.squared - closed) < 3 * shifted.standardError, "MMD² \(shifted.squared) ± \(shifted.standardError) vs \(closed)")
        // Unequal sizes are allowed; the median heuristic gives a positive bandwidth.
        let z = MMD.squared(x, y.view(from: 0, shape: [700, 1]))
        #expect(z.bandwidth > 0 && z.squared > 0)
    }

    /// The standard error is honest: over 40 independent pairs of samples of one distribution,
    /// the spread of the estimates matches the reported standard error within a factor of 1.5.
    @Test func mmdStandardErrorMatchesSpread() {
        var rng = RandomGenerator(seed: 10)
        var estimates: [Double] = [], reported: [Double] = []
        for _ in 0..<40 {
            let a = Tensor.normal([200, 2], dtype: .float64, using: &rng), b = Tensor.normal([200, 2], dtype: .float64, using: &rng)
            let e = MMD.squared(a, b, bandwidth: 1)
            estimates.append(e.squared); reported.append(e.standardError)
        }
        let mean = estimates.reduce(0, +) / 40
        let spread = (estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 39).squareRoot()
        let se = reported.reduce(0, +) / 40
        #expect(spread < 1.5 * se && se < 1.5 * spread, "spread \(spread) vs reported \(se)")
    }

    /// KL(p ‖ u) = Σ p log(k p): 0 for equal counts, log k for one class, and a hand value.
    @Test func histogramKL() {
        #expect(ImageMetrics.klToUniform([5, 5, 5, 5]) == 0)
        #expect(abs(ImageMetrics.klToUniform([0, 0, 7, 0]) - log(4.0)) < 1e-15)
        // p = (½, ½, 0, 0): ½ log 2 + ½ log 2 = log 2.
        #expect(abs(ImageMetrics.klToUniform([3, 3, 0, 0]) - log(2.0)) < 1e-15)
    }

    /// Sample distances on the ring: real draws against real draws are small; a collapsed
    /// generator (all samples on one mode) is far.
    @Test func mixtureSampleDistances() {
        var rng = RandomGenerator(seed: 11)
        let real = GaussianMixture.ring.sample(2500, dtype: .float64, using: &rng)
        let good = SampleDistances(samples: real, mixture: .ring, seed: 1)
        let collapsed = Tensor.normal([2500, 2], mean: 0, std: 0.02, dtype: .float64, using: &rng).affine(scale: 1, shift: 0)
        for i in 0..<2500 { collapsed[i, 0] += 2 }
        let bad = SampleDistances(samples: collapsed, mixture: .ring, seed: 1)
        #expect(abs(good.mmd.squared) < 4 * good.mmd.standardError)
        #expect(bad.mmd.squared > 20 * bad.mmd.standardError)
        #expect(bad.slicedWasserstein > 10 * good.slicedWasserstein)
        // A diverged generator: NaN distances, not a crash.
        let diverged = SampleDistances(samples: Tensor.filled(.nan, [100, 2], dtype: .float64), mixture: .ring)
        #expect(diverged.slicedWasserstein.isNaN && diverged.mmd.squared.isNaN)
    }
}
