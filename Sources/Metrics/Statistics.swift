import CBLAS
import Tensors

// Small dense linear algebra in Float64 for the metrics: sample means and covariances, and the
// symmetric eigendecomposition (LAPACK dsyev, shipped with OpenBLAS) behind matrix square roots.

/// The mean and covariance of a sample of n points in Rᵈ.
public struct GaussianStatistics: @unchecked Sendable {
    /// Number of points the statistics were computed from.
    public var count: Int
    /// The sample mean, length d.
    public var mean: [Double]
    /// The unbiased sample covariance (1/(n − 1) Σ (xᵢ − x̄)(xᵢ − x̄)ᵀ), Float64 [d, d].
    public var covariance: Tensor

    public init(count: Int, mean: [Double], covariance: Tensor) {
        ensure(covariance.rank == 2 && covariance.shape[0] == mean.count && covariance.shape[1] == mean.count,
               "GaussianStatistics: covariance \(covariance.shape) for a mean of length \(mean.count)")
        self.count = count
        self.mean = mean
        self.covariance = covariance.converted(to: .float64)
    }

    /// The statistics of the rows of `x` ([n, d], n ≥ 2).
    public init(of x: Tensor) {
        ensure(x.rank == 2 && x.shape[0] >= 2, "GaussianStatistics: need a [n, d] sample with n ≥ 2, got \(x.shape)")
        let n = x.shape[0], d = x.shape[1]
        let c = x.converted(to: .float64)
        let mean = c.sumRows().scaled(by: 1 / Double(n))
        let centered = c - mean.broadcastRows(n)
        let cov = matmul(centered, centered, transposeA: true).scaled(by: 1 / Double(n - 1))
        self.init(count: n, mean: mean.scalars, covariance: symmetrized(cov).reshaped([d, d]))
    }
}

/// (A + Aᵀ)/2 of a square Float64 matrix.
func symmetrized(_ a: Tensor) -> Tensor {
    Tensor.linearCombination(0.5, a, 0.5, a.transposed())
}

/// Eigenvalues (ascending) and orthonormal eigenvectors (the columns of the returned [n, n]
/// matrix) of a symmetric Float64 matrix, by LAPACK's dsyev.
func symmetricEigen(_ a: Tensor) -> (values: [Double], vectors: Tensor) {
    let n = a.shape[0]
    ensure(a.rank == 2 && a.shape[1] == n, "symmetricEigen: \(a.shape) is not square")
    // Column-major in, column-major out; a symmetric matrix is its own transpose.
    var m = symmetrized(a.converted(to: .float64)).scalars
    var w = [Double](repeating: 0, count: n)
    var nn = Int32(n), lda = Int32(max(1, n)), info = Int32(0), lwork = Int32(-1)
    var query = [Double](repeating: 0, count: 1)
    if n == 0 { return ([], Tensor.zeros([0, 0], dtype: .float64)) }
    dsyev_("V", "U", &nn, &m, &lda, &w, &query, &lwork, &info)
    lwork = Int32(query[0])
    var work = [Double](repeating: 0, count: Int(max(1, lwork)))
    dsyev_("V", "U", &nn, &m, &lda, &w, &work, &lwork, &info)
    ensure(info == 0, "dsyev failed with info = \(info)")
    // m holds the eigenvectors column-major, i.e. Vᵀ row-major.
    return (w, Tensor(m, shape: [n, n]).transposed())
}

/// The symmetric positive semidefinite square root of a symmetric matrix: V diag(√max(λ, 0)) Vᵀ.
/// Eigenvalues below zero (round-off of a PSD matrix) are clipped to zero.
func psdSquareRoot(_ a: Tensor) -> Tensor {
    let (values, v) = symmetricEigen(a)
    let n = values.count
    let scaled = v.copy()
    for k in 0..<n {
        let s = max(values[k], 0).squareRoot()
        for i in 0..<n { scaled[i, k] = v[i, k] * s }
    }
    return symmetrized(matmul(scaled, v, transposeB: true))
}

/// tr(√A) = Σ √max(λᵢ, 0) of a symmetric PSD matrix.
func traceOfSquareRoot(_ a: Tensor) -> Double {
    symmetricEigen(a).values.reduce(0) { $0 + max($1, 0).squareRoot() }
}

/// The median of a list of numbers: the middle value of the sorted list, or the mean of the two
/// middle values when the count is even; NaN for an empty list. (NaNs in `xs` sort unpredictably:
/// pass finite values.)
public func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted(), c = s.count
    return c % 2 == 1 ? s[c / 2] : (s[c / 2 - 1] + s[c / 2]) / 2
}

/// Mean and sample standard deviation of a list of numbers (std 0 for a single value).
public func meanAndStandardDeviation(_ xs: [Double]) -> (mean: Double, std: Double) {
    guard !xs.isEmpty else { return (.nan, .nan) }
    let m = xs.reduce(0, +) / Double(xs.count)
    guard xs.count > 1 else { return (m, 0) }
    let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
    return (m, v.squareRoot())
}
