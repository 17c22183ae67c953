import CBLAS
import Games
import Solvers
import Tensors

/// The iteration matrix of a linear method, built by stepping basis vectors (the state included),
/// and its spectral radius from LAPACK's dgeev — an eigen-solver independent of Saddle.
enum LinearIteration {
    /// Column j of the matrix is `map(e_j)`.
    static func matrix(dimension n: Int, _ map: ([Double]) throws -> [Double]) rethrows -> [[Double]] {
        var columns: [[Double]] = []
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let c = try map(e)
            precondition(c.count == n, "LinearIteration: map returned \(c.count) entries for \(n)")
            columns.append(c)
        }
        return (0..<n).map { i in (0..<n).map { j in columns[j][i] } }
    }

    /// The eigenvalues (re, im) of a square matrix (rows).
    static func eigenvalues(_ rows: [[Double]]) -> [(Double, Double)] {
        var n = Int32(rows.count)
        var a = [Double](repeating: 0, count: rows.count * rows.count)
        for i in 0..<rows.count { for j in 0..<rows.count { a[j * rows.count + i] = rows[i][j] } }  // column-major
        var wr = [Double](repeating: 0, count: rows.count), wi = wr
        var lwork = Int32(8 * rows.count + 16), info: Int32 = 0, ld = n, one: Int32 = 1
        var work = [Double](repeating: 0, count: Int(lwork))
        var vl = [Double](repeating: 0, count: 1), vr = [Double](repeating: 0, count: 1)
        "N".withCString { jl in
            "N".withCString { jr in
                dgeev_(jl, jr, &n, &a, &ld, &wr, &wi, &vl, &one, &vr, &one, &work, &lwork, &info)
            }
        }
        precondition(info == 0, "dgeev failed: info \(info)")
        return zip(wr, wi).map { ($0, $1) }
    }

    static func spectralRadius(_ rows: [[Double]]) -> Double {
        eigenvalues(rows).map { ($0.0 * $0.0 + $0.1 * $0.1).squareRoot() }.max()!
    }
}

/// min_θ max_φ θφ as a VI with the given start: F = (φ, −θ).
func rotation(start: (Double, Double) = (2, 0.5)) -> BilinearGame { BilinearGame.scalar(start: start) }

func point(_ v: ArraySlice<Double>) -> BlockVector {
    BlockVector(generator: [v[v.startIndex]], discriminator: [v[v.startIndex + 1]])
}

/// The relative error |x − ref| / |ref|.
func relativeError(_ x: Double, _ reference: Double) -> Double { abs(x - reference) / abs(reference) }
