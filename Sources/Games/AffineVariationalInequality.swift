import Formats
import Foundation
import Tensors

/// The affine VI F(ω) = Mω + q on S = [lo, hi]ⁿ or Rⁿ (SPEC §6), monotone when sym(M) ⪰ 0.
///
/// ω ∈ Rⁿ is split into θ (the first n − ⌊n/2⌋ entries) and φ (the last ⌊n/2⌋), so per-player
/// step sizes apply to the two halves. L = σ_max(M), computed by power iteration. The solution is
/// not known in closed form: merits are the residual and, on a box, the complementarity check
/// ``complementarityViolation(at:)``.
public struct AffineVariationalInequality: VariationalInequality {
    public let name: String
    public let matrix: Tensor
    public let offset: Tensor
    public let domain: ProductDomain
    public let lipschitzConstant: Double?
    public let sizes: PerPlayer<Int>

    /// - Parameters:
    ///   - matrix: M, n × n Float64. offset: q, n entries. box: the half-width c of [−c, c]ⁿ, or nil.
    public init(name: String = "avi", matrix: Tensor, offset: Tensor, box: Double? = nil) {
        let n = matrix.shape[0]
        ensure(matrix.rank == 2 && matrix.shape[1] == n && offset.count == n,
                     "AffineVariationalInequality: M \(matrix.shape) and q of \(offset.count) entries")
        self.name = name
        self.matrix = matrix.converted(to: .float64)
        self.offset = offset.converted(to: .float64).reshaped([n])
        self.domain = box.map { ProductDomain(Box(radius: $0)) } ?? .unconstrained
        self.sizes = PerPlayer(generator: n - n / 2, discriminator: n / 2)
        self.lipschitzConstant = DenseLinearAlgebra.spectralNorm(self.matrix)
    }

    /// The `avi-psd` generator (issue 3, acceptance 2): M = (G − Gᵀ)/√(2n) + BBᵀ/n with G ∈ R^{n×n}
    /// and B ∈ R^{n×⌊n/2⌋} i.i.d. N(0, 1), q ~ N(0, I), drawn in that order (row-major) from `seed`;
    /// sym(M) = BBᵀ/n ⪰ 0 (rank ⌊n/2⌋), so F is monotone but not strongly monotone. Box [−1, 1]ⁿ by
    /// default, ω₀ = 0.
    public static func psd(dimension n: Int, seed: UInt64, box: Double? = 1) -> AffineVariationalInequality {
        ensure(n >= 2, "avi-psd: dimension \(n) < 2")
        var rng = RandomGenerator(seed: seed)
        let g = Tensor.normal([n, n], dtype: .float64, using: &rng)
        let b = Tensor.normal([n, n / 2], dtype: .float64, using: &rng)
        let q = Tensor.normal([n], dtype: .float64, using: &rng)
        let skew = (g - g.transposed()).scaled(by: 1 / (2 * Double(n)).squareRoot())
        let m = skew + matmul(b, b, transposeB: true).scaled(by: 1 / Double(n))
        return AffineVariationalInequality(name: "avi-psd", matrix: m, offset: q, box: box)
    }

    /// M and q read from files (CSV or NPY, chosen by extension; see ``MatrixFile``).
    public static func load(matrix: String, offset: String, box: Double?) throws -> AffineVariationalInequality {
        let m = try MatrixFile.read(matrix)
        let q = try MatrixFile.read(offset)
        guard m.rank == 2, m.shape[0] == m.shape[1] else {
            throw FormatError.wrongShape(file: matrix, detail: "M must be a square matrix, got shape \(m.shape.dims)")
        }
        guard q.count == m.shape[0] else {
            throw FormatError.wrongShape(file: offset, detail: "q has \(q.count) entries, M is \(m.shape[0]) × \(m.shape[0])")
        }
        return AffineVariationalInequality(name: "avi-file", matrix: m, offset: q, box: box)
    }

    public var dimension: Int { matrix.shape[0] }
    public var initialPoint: BlockVector { BlockVector(zeros: sizes) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        let y = DenseLinearAlgebra.multiply(matrix, omega.flat)
        y.add(offset)
        var f = BlockVector(flat: y, sizes: sizes)
        for p in Player.allCases where !blocks.contains(p) { f.withBlock(p) { $0.fill(0) } }
        return f
    }

    /// The largest violation of the box-VI optimality conditions, checked entrywise and independently
    /// of any solver: for S = [lo, hi]ⁿ, ω solves the VI iff for each i, lo ≤ ωᵢ ≤ hi and
    /// Fᵢ(ω) ≥ 0 where ωᵢ = lo, Fᵢ(ω) ≤ 0 where ωᵢ = hi, Fᵢ(ω) = 0 strictly inside. Returned: the max
    /// over i of the distance of Fᵢ to its allowed set given where ωᵢ sits (entries within
    /// `activeTolerance` of a bound count as on it), and of ωᵢ to [lo, hi].
    public func complementarityViolation(at omega: BlockVector, activeTolerance: Double = 1e-7) -> Double {
        let f = exactField(at: omega).scalars, w = omega.scalars
        let (lo, hi): (Double, Double)
        if let box = domain[.generator] as? Box { (lo, hi) = (box.lower, box.upper) } else { (lo, hi) = (-.infinity, .infinity) }
        var worst = 0.0
        for i in 0..<w.count {
            worst = max(worst, lo - w[i], w[i] - hi)
            let atLower = w[i] <= lo + activeTolerance, atUpper = w[i] >= hi - activeTolerance
            let v: Double
            if atLower && atUpper { v = 0 } else if atLower { v = max(0, -f[i]) } else if atUpper { v = max(0, f[i]) } else { v = abs(f[i]) }
            worst = max(worst, v)
        }
        return worst
    }
}

/// A dense Float64 matrix or vector for `avi`, read from CSV (rows of comma-separated numbers; an
/// optional header line; `#` comment lines) or NPY ('<f8' or '<f4', C order, rank 1 or 2), by the hardened readers of
/// ``Formats`` (their limits and one-line errors), then checked: at least one entry, every entry
/// finite.
public enum MatrixFile {
    public static func read(_ path: String) throws -> Tensor {
        let t: Tensor
        if path.lowercased().hasSuffix(".npy") {
            t = try NPY.read(path)
            guard t.rank == 1 || t.rank == 2 else { throw FormatError.wrongShape(file: path, detail: "rank \(t.rank); a matrix or a vector (rank 2 or 1) is needed") }
        } else {
            // Lines starting with `#` are comments (dropped before parsing; line numbers in errors
            // count the remaining lines).
            let bytes = try Gzip.readMaybeCompressed(path, limit: CSV.defaultByteLimit)
            var kept: [UInt8] = [], line: [UInt8] = []
            for b in bytes + [0x0a] {
                if b == 0x0a || b == 0x0d {
                    if line.drop(while: { $0 == 0x20 || $0 == 0x09 }).first != UInt8(ascii: "#") { kept += line + [0x0a] }
                    line = []
                } else { line.append(b) }
            }
            let table = try CSV.parseNumeric(kept, file: path)
            let shape: [Int] = table.rows == 1 || table.columns == 1 ? [table.rows * table.columns] : [table.rows, table.columns]
            t = Tensor(table.values, shape: Shape(shape), dtype: .float64)
        }
        guard t.count > 0 else { throw FormatError.wrongShape(file: path, detail: "no entries (shape \(t.shape.dims))") }
        try requireFinite(t, file: path, name: "the matrix")
        return t.converted(to: .float64)
    }
}
