import CBLAS
import Tensors

/// One eigenvalue re + i·im.
public struct ComplexValue: Codable, Sendable, Equatable {
    public var re: Double
    public var im: Double
    public init(re: Double, im: Double) { self.re = re; self.im = im }
}

/// Dense eigenvalues through LAPACK (OpenBLAS ships it): `dgeev` for a general matrix, `dsyev` for a
/// symmetric one. For the full Jacobians of small games (SPEC §4).
public enum Eigenvalues {
    /// Eigenvalues of a general square matrix, sorted by real part, then imaginary part.
    public static func general(_ a: Tensor) -> [ComplexValue] {
        let n = a.shape[0]
        ensure(a.rank == 2 && a.shape[1] == n, "Eigenvalues.general: \(a.shape) is not square")
        if n == 0 { return [] }
        // LAPACK is column-major: pass Aᵀ's row-major buffer, i.e. A itself transposed.
        var m = a.converted(to: .float64).transposed().copy().scalars
        var wr = [Double](repeating: 0, count: n), wi = wr
        var vl = [Double](repeating: 0, count: 1), vr = vl
        var nn = Int32(n), lda = Int32(n), one = Int32(1), one2 = Int32(1), info = Int32(0)
        var lwork = Int32(-1), query = [Double](repeating: 0, count: 1)
        dgeev_("N", "N", &nn, &m, &lda, &wr, &wi, &vl, &one, &vr, &one2, &query, &lwork, &info)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeev_("N", "N", &nn, &m, &lda, &wr, &wi, &vl, &one, &vr, &one2, &work, &lwork, &info)
        ensure(info == 0, "dgeev failed with info = \(info)")
        return zip(wr, wi).map { ComplexValue(re: $0, im: $1) }.sorted { ($0.re, $0.im) < ($1.re, $1.im) }
    }

    /// Eigenvalues (ascending) and, with `vectors`, orthonormal eigenvectors as the columns of an
    /// n × n matrix, of the symmetric part of `a` ((A + Aᵀ)/2; `a` itself when symmetric).
    public static func symmetric(_ a: Tensor, vectors: Bool = false) -> (values: [Double], vectors: Tensor?) {
        let n = a.shape[0]
        ensure(a.rank == 2 && a.shape[1] == n, "Eigenvalues.symmetric: \(a.shape) is not square")
        if n == 0 { return ([], nil) }
        let a64 = a.converted(to: .float64)
        let s = Tensor.linearCombination(0.5, a64, 0.5, a64.transposed().copy())
        var m = s.scalars
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info = Int32(0), lwork = Int32(-1)
        var query = [Double](repeating: 0, count: 1)
        let job = vectors ? "V" : "N"
        dsyev_(job, "U", &nn, &m, &lda, &w, &query, &lwork, &info)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_(job, "U", &nn, &m, &lda, &w, &work, &lwork, &info)
        ensure(info == 0, "dsyev failed with info = \(info)")
        // Column-major eigenvectors: m holds Vᵀ row-major, so transpose back.
        let v = vectors ? Tensor(m, shape: [n, n]).transposed().copy() : nil
        return (w, v)
    }
}
