import Tensors

/// The IDX format of the MNIST files (`train-images-idx3-ubyte`, `…-labels-idx1-ubyte`, gzipped
/// or not): two zero bytes, a type code, the rank r, r big-endian UInt32 dimensions, then the
/// data, big-endian. Saddle reads type 0x08 (unsigned bytes), the type of every MNIST file.
public struct IDX: Sendable {
    public var dimensions: [Int]
    /// The entries, in C order.
    public var bytes: [UInt8]

    /// The entries as a Float32 tensor of ``dimensions``, each multiplied by `scale`
    /// (1/255 maps pixels to [0, 1]).
    public func tensor(scale: Double = 1) -> Tensor {
        let t = Tensor(uninitialized: Shape(dimensions), dtype: .float32)
        let p = t.f32, s = Float(scale)
        for i in 0..<bytes.count { p[i] = Float(bytes[i]) * s }
        return t
    }

    /// The most entries an IDX file may hold: 60,000 × 28 × 28 = 47,040,000, MNIST's training
    /// images, the largest IDX file Saddle reads (the test set is 10,000 × 28 × 28).
    public static let maximumElementCount = 60_000 * 28 * 28
    /// The largest IDX file in bytes, its header (4 + 4 × rank, rank ≤ 4) included: the limit on
    /// the file's size and on its inflated size when gzipped (47,040,020 bytes).
    public static let maximumByteCount = 4 + 4 * Shape.maxRank + maximumElementCount

    /// Reads an IDX file (gzip detected from its first bytes) of at most ``maximumByteCount``
    /// bytes, compressed or inflated.
    public static func read(_ path: String) throws -> IDX {
        try parse(try Gzip.readMaybeCompressed(path, limit: maximumByteCount), file: path)
    }

    /// Parses IDX bytes; `file` names the source in errors. Dimensions whose product (of the
    /// non-zero ones) passes ``maximumElementCount`` are refused before anything is allocated.
    public static func parse(_ b: [UInt8], file: String) throws -> IDX {
        guard b.count >= 4 else { throw FormatError.truncated(file: file, expected: 4, found: b.count) }
        guard b[0] == 0, b[1] == 0 else { throw FormatError.badMagic(file: file, expected: "0x0000 then a type code (IDX)", found: hex(b[0..<4])) }
        guard b[2] == 0x08 else {
            throw FormatError.unsupportedType(file: file, type: String(format: "0x%02x", b[2]), allowed: "0x08 (unsigned byte)")
        }
        let rank = Int(b[3])
        guard rank >= 1 && rank <= Shape.maxRank else { throw FormatError.wrongShape(file: file, detail: "rank \(rank); expected 1 to \(Shape.maxRank)") }
        let headerSize = 4 + 4 * rank
        guard b.count >= headerSize else { throw FormatError.truncated(file: file, expected: headerSize, found: b.count) }
        let dims = (0..<rank).map { i in
            let o = 4 + 4 * i
            return Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
        }
        guard let count = boundedElementCount(dims, limit: maximumElementCount) else {
            throw FormatError.tooLarge(file: file, detail: "dimensions \(dims) hold more than \(maximumElementCount) entries",
                                      limit: "\(maximumElementCount) entries (MNIST's 60,000 training images of 28 × 28)")
        }
        guard b.count >= headerSize + count else { throw FormatError.truncated(file: file, expected: headerSize + count, found: b.count) }
        guard b.count == headerSize + count else {
            throw FormatError.wrongShape(file: file, detail: "\(b.count - headerSize - count) bytes after the data of shape \(dims)")
        }
        return IDX(dimensions: dims, bytes: Array(b[headerSize...]))
    }

    /// The file's bytes (type 0x08).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { out += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return out + bytes
    }

    public init(dimensions: [Int], bytes: [UInt8]) {
        ensure(dimensions.reduce(1, *) == bytes.count, "IDX: \(bytes.count) bytes for dimensions \(dimensions)")
        self.dimensions = dimensions
        self.bytes = bytes
    }
}
