import Foundation
import Tensors

/// NumPy's `.npy` format, versions 1.0 and 2.0: the magic `\x93NUMPY`, a version, a header length
/// (2 bytes in 1.0, 4 in 2.0), a Python dict literal `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (…), }` padded with spaces to a multiple of 64 bytes and ended by `\n`, then the data.
/// Saddle reads and writes little-endian `<f4` and `<f8` in C order.
public enum NPY {
    /// The file's bytes (version 1.0, or 2.0 when the header needs it).
    public static func serialize(_ t: Tensor) -> [UInt8] {
        let descr = t.dtype == .float32 ? "<f4" : "<f8"
        let dims = t.shape.dims
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let fixed = 10
        while (fixed + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let h = Array(header.utf8)
        out.append(UInt8(h.count & 0xff)); out.append(UInt8(h.count >> 8))
        out.append(contentsOf: h)
        let c = t.copy()
        out.append(contentsOf: UnsafeRawBufferPointer(start: c.address, count: c.count * c.dtype.byteSize))
        return out
    }

    /// Writes `t` atomically.
    public static func write(_ t: Tensor, to path: String) throws { try atomicWrite(serialize(t), to: path) }

    /// The largest `.npy` file Saddle reads: 2 GiB, room for 684,784 MNIST samples from `saddle
    /// sample` (n × 784 Float32), and within a 24 GiB machine when the file and its tensor are
    /// both in memory.
    public static let maximumByteCount = 1 << 31
    /// The longest header Saddle reads: 10,000 bytes, NumPy's own default `max_header_size`
    /// (`numpy.lib.format`); Saddle writes 118 bytes.
    public static let maximumHeaderLength = 10_000

    /// Reads an `.npy` file of `<f4` or `<f8` in C order, of at most ``maximumByteCount`` bytes.
    public static func read(_ path: String) throws -> Tensor { try parse(try readFileBytes(path, limit: maximumByteCount), file: path) }

    /// Parses `.npy` bytes; `file` names the source in errors. The header's length and shape are
    /// checked against ``maximumHeaderLength`` and the bytes present before anything is allocated.
    public static func parse(_ b: [UInt8], file: String) throws -> Tensor {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard b.count >= 6 else { throw FormatError.truncated(file: file, expected: 10, found: b.count) }
        guard Array(b[0..<6]) == magic else { throw FormatError.badMagic(file: file, expected: "\\x93NUMPY", found: hex(b[0..<6])) }
        guard b.count >= 8 else { throw FormatError.truncated(file: file, expected: 10, found: b.count) }
        let major = b[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw FormatError.badValue(file: file, location: "version", value: "\(major).\(b[7])", allowed: "1.0, 2.0 or 3.0")
        }
        guard b.count >= 8 + lengthBytes else { throw FormatError.truncated(file: file, expected: 8 + lengthBytes, found: b.count) }
        var n = 0
        for i in 0..<lengthBytes { n |= Int(b[8 + i]) << (8 * i) }
        guard n <= maximumHeaderLength else {
            throw FormatError.tooLarge(file: file, detail: "a header of \(n) bytes", limit: "\(maximumHeaderLength) bytes (NumPy's max_header_size)")
        }
        let start = 8 + lengthBytes + n
        guard b.count >= start else { throw FormatError.truncated(file: file, expected: start, found: b.count) }
        guard let header = String(bytes: b[(8 + lengthBytes)..<start], encoding: .utf8) else {
            throw FormatError.badValue(file: file, location: "header", value: "non-text bytes", allowed: "a Python dict literal")
        }
        guard let descr = field(header, "descr") else { throw FormatError.badValue(file: file, location: "header", value: "no 'descr'", allowed: "a dict with descr, fortran_order, shape") }
        let dtype: DType
        switch descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) {
        case "<f4": dtype = .float32
        case "<f8": dtype = .float64
        default: throw FormatError.unsupportedType(file: file, type: quotedForMessage(descr, limit: 20), allowed: "'<f4', '<f8'")
        }
        if let fortran = field(header, "fortran_order"), fortran.hasPrefix("True") {
            throw FormatError.badValue(file: file, location: "fortran_order", value: "True", allowed: "False (C order)")
        }
        guard let open = header.range(of: "'shape'")?.upperBound,
              let lp = header[open...].firstIndex(of: "("), let rp = header[lp...].firstIndex(of: ")") else {
            throw FormatError.badValue(file: file, location: "header", value: "no 'shape' tuple", allowed: "a dict with descr, fortran_order, shape")
        }
        var dims: [Int] = []
        for part in header[header.index(after: lp)..<rp].split(separator: ",") {
            let s = part.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            guard let d = Int(s), d >= 0 else {
                throw FormatError.badValue(file: file, location: "shape", value: quotedForMessage(s, limit: 20), allowed: "non-negative integers")
            }
            dims.append(d)
            guard dims.count <= Shape.maxRank else { throw FormatError.wrongShape(file: file, detail: "rank over \(Shape.maxRank), the most Saddle supports") }
        }
        let elementLimit = maximumByteCount / dtype.byteSize
        guard let count = boundedElementCount(dims, limit: elementLimit) else {
            throw FormatError.tooLarge(file: file, detail: "shape \(dims) holds more than \(elementLimit) elements",
                                      limit: "\(maximumByteCount) bytes of data")
        }
        let bytes = count * dtype.byteSize
        guard b.count - start >= bytes else { throw FormatError.truncated(file: file, expected: start + bytes, found: b.count) }
        guard b.count - start == bytes else { throw FormatError.wrongShape(file: file, detail: "\(b.count - start - bytes) bytes after the data of shape \(dims)") }
        let t = Tensor(uninitialized: Shape(dims), dtype: dtype)
        if bytes > 0 { b.withUnsafeBytes { t.address.copyMemory(from: $0.baseAddress! + start, byteCount: bytes) } }
        return t
    }

    /// The text after `'key':` up to the next comma outside brackets.
    static func field(_ header: String, _ key: String) -> String? {
        guard let r = header.range(of: "'\(key)'") else { return nil }
        var rest = header[r.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        return String(rest.prefix { $0 != "," && $0 != "}" })
    }
}

func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    "0x" + bytes.map { String(format: "%02x", $0) }.joined()
}
