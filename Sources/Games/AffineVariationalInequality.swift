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
            throw FormatError.invalid(file: matrix, reason: "M must be a square matrix, got shape \(m.shape)")
        }
        guard q.count == m.shape[0] else {
            throw FormatError.invalid(file: offset, reason: "q has \(q.count) entries, M is \(m.shape[0]) × \(m.shape[0])")
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

/// Errors reading user files (matrices for `avi`).
public enum FormatError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String)
    case invalid(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let f): return "\(f): cannot read the file"
        case .invalid(let f, let r): return "\(f): \(r)"
        }
    }
}

/// Reads a dense Float64 matrix or vector from CSV (rows of comma-separated numbers, optional
/// `#` comments) or NPY (format 1.0/2.0, little-endian '<f8' or '<f4', C order, rank 1 or 2).
public enum MatrixFile {
    public static func read(_ path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError.unreadable(file: path) }
        return path.lowercased().hasSuffix(".npy") ? try npy(data, file: path) : try csv(data, file: path)
    }

    static func csv(_ data: Data, file: String) throws -> Tensor {
        guard let text = String(data: data, encoding: .utf8) else { throw FormatError.invalid(file: file, reason: "not UTF-8 text") }
        var rows: [[Double]] = []
        for (lineNumber, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var row: [Double] = []
            for field in line.split(separator: ",", omittingEmptySubsequences: false) {
                let s = field.trimmingCharacters(in: .whitespaces)
                guard let v = Double(s) else {
                    throw FormatError.invalid(file: file, reason: "line \(lineNumber + 1): '\(s)' is not a number")
                }
                row.append(v)
            }
            rows.append(row)
        }
        guard let width = rows.first?.count, width > 0 else { throw FormatError.invalid(file: file, reason: "no numbers") }
        for (i, r) in rows.enumerated() where r.count != width {
            throw FormatError.invalid(file: file, reason: "row \(i + 1) has \(r.count) values, the first row has \(width)")
        }
        if rows.count == 1 || width == 1 { return Tensor(rows.flatMap { $0 }, shape: [rows.count * width], dtype: .float64) }
        return Tensor(rows.flatMap { $0 }, shape: [rows.count, width], dtype: .float64)
    }

    static func npy(_ data: Data, file: String) throws -> Tensor {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw FormatError.invalid(file: file, reason: "not an NPY file (bad magic string)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw FormatError.invalid(file: file, reason: "truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        default: throw FormatError.invalid(file: file, reason: "NPY version \(major) is not supported (1.0–3.0 are)")
        }
        guard bytes.count >= headerStart + headerLength,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw FormatError.invalid(file: file, reason: "truncated header")
        }
        func value(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = value("descr") else { throw FormatError.invalid(file: file, reason: "header has no 'descr'") }
        let isF8 = descr.hasPrefix("'<f8'"), isF4 = descr.hasPrefix("'<f4'")
        guard isF8 || isF4 else { throw FormatError.invalid(file: file, reason: "dtype \(descr.prefix(6)) is not supported ('<f8' and '<f4' are)") }
        guard let fortran = value("fortran_order"), fortran.hasPrefix("False") else {
            throw FormatError.invalid(file: file, reason: "Fortran order is not supported (save with C order)")
        }
        guard let shapeText = value("shape"), let open = shapeText.firstIndex(of: "("), let close = shapeText.firstIndex(of: ")") else {
            throw FormatError.invalid(file: file, reason: "header has no 'shape'")
        }
        let dims = shapeText[shapeText.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 1 || dims.count == 2 else { throw FormatError.invalid(file: file, reason: "rank \(dims.count) (1 or 2 expected)") }
        let count = dims.reduce(1, *)
        let start = headerStart + headerLength, width = isF8 ? 8 : 4
        guard bytes.count >= start + count * width else {
            throw FormatError.invalid(file: file, reason: "\(bytes.count - start) data bytes for \(count) values of \(width) bytes")
        }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var bits: UInt64 = 0
            for k in 0..<width { bits |= UInt64(bytes[start + i * width + k]) << (8 * UInt64(k)) }
            values[i] = isF8 ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(bits)))
        }
        return Tensor(values, shape: Shape(dims), dtype: .float64)
    }
}
