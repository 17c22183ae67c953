import Foundation
import Tensors

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
/// mapping each tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into
/// the byte buffer that follows the header) plus an optional `"__metadata__"` map of strings to
/// strings, then the buffer itself: little-endian, C order, tensors packed without gaps.
///
/// Saddle reads and writes F32 and F64 tensors; the reader checks every rule the format states
/// (offsets inside the buffer, contiguous, no overlap, sizes matching shapes), so a damaged file
/// is a ``FormatError`` naming the file, never a crash.
public struct SafeTensors: Sendable {
    public struct Entry: @unchecked Sendable {
        public var name: String
        public var tensor: Tensor
    }
    /// Tensors in file order (by offset).
    public var entries: [Entry]
    /// The `__metadata__` map.
    public var metadata: [String: String]

    public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// Adds a tensor (kept in insertion order when written).
    public mutating func add(_ name: String, _ tensor: Tensor) {
        ensure(!entries.contains { $0.name == name } && name != "__metadata__", "SafeTensors: duplicate name \(name)")
        entries.append(Entry(name: name, tensor: tensor))
    }

    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// The tensor called `name`, or an error naming the file and the tensor.
    public func tensor(_ name: String, file: String, shape: [Int]? = nil) throws -> Tensor {
        guard let t = self[name] else { throw FormatError.wrongShape(file: file, detail: "no tensor named \(name)") }
        if let s = shape, t.shape.dims != s {
            throw FormatError.wrongShape(file: file, detail: "\(name) has shape \(t.shape.dims), expected \(s)")
        }
        return t
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        var members: [(String, JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for e in entries {
            let bytes = e.tensor.count * e.tensor.dtype.byteSize
            let dtype: JSONValue = .string(e.tensor.dtype == .float32 ? "F32" : "F64")
            let shape: JSONValue = .array(e.tensor.shape.dims.map { JSONValue.integer(Int64($0)) })
            let offsets: JSONValue = .array([.integer(Int64(offset)), .integer(Int64(offset + bytes))])
            members.append((e.name, .object([("dtype", dtype), ("shape", shape), ("data_offsets", offsets)])))
            offset += bytes
        }
        let header = JSONValue.object(members).text()
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }  // pad with spaces so the buffer is 8-byte aligned
        var out = [UInt8]()
        out.reserveCapacity(8 + h.count + offset)
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        for e in entries {
            let t = e.tensor.count == 0 ? e.tensor : e.tensor.copy()   // contiguous
            out.append(contentsOf: UnsafeRawBufferPointer(start: t.address, count: t.count * t.dtype.byteSize))
        }
        return out
    }

    /// Writes the file atomically.
    public func write(to path: String) throws { try atomicWrite(serialized(), to: path) }

    /// The largest safetensors file Saddle reads: 4 GiB, 18 Float32 copies of the largest pair of
    /// networks a training config allows (hidden = latent = 4,096 on MNIST: 57 M parameters).
    public static let maximumByteCount = 1 << 32
    /// The longest JSON header: 100,000,000 bytes, the format's own limit (`MAX_HEADER_SIZE` of
    /// the reference implementation).
    public static let maximumHeaderLength = 100_000_000
    /// The most tensors in one file: 100,000 (Saddle's checkpoints hold a few dozen); it bounds
    /// the tensor objects made for a header of empty tensors.
    public static let maximumTensorCount = 100_000
    /// The deepest JSON nesting the header may have: the format needs 3 (the header object, a
    /// tensor's object, its shape list). Checked before the JSON parser sees the header, so the
    /// reader does not depend on the parser's own limit (Foundation's stops at 512 levels).
    public static let maximumHeaderDepth = 8

    /// Reads and checks a safetensors file of at most ``maximumByteCount`` bytes.
    public static func read(_ path: String) throws -> SafeTensors {
        try parse(try readFileBytes(path, limit: maximumByteCount), file: path)
    }

    /// Parses safetensors bytes; `file` names the source in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws -> SafeTensors {
        guard bytes.count >= 8 else { throw FormatError.truncated(file: file, expected: 8, found: bytes.count) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maximumHeaderLength) else {
            throw FormatError.tooLarge(file: file, detail: "a header of \(n) bytes", limit: "\(maximumHeaderLength) bytes (the safetensors format's limit)")
        }
        guard UInt64(bytes.count) >= 8 + n else { throw FormatError.truncated(file: file, expected: 8 + Int(n), found: bytes.count) }
        let headerBytes = bytes[8..<(8 + Int(n))]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw FormatError.corruptHeader(file: file, detail: "the header does not start with '{'")
        }
        guard jsonDepth(headerBytes) <= maximumHeaderDepth else {
            throw FormatError.corruptHeader(file: file, detail: "the header nests deeper than \(maximumHeaderDepth) levels")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Foundation.Data(headerBytes)) } catch {
            throw FormatError.corruptHeader(file: file, detail: "the header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw FormatError.corruptHeader(file: file, detail: "the header is not a JSON object") }
        guard object.count <= maximumTensorCount + 1 else {
            throw FormatError.tooLarge(file: file, detail: "\(object.count) entries in the header", limit: "\(maximumTensorCount) tensors")
        }
        let dataStart = 8 + Int(n), dataCount = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var spans: [(name: String, begin: Int, end: Int, type: DType, shape: [Int])] = []
        for (key, value) in object {
            let name = quotedForMessage(key)
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else { throw FormatError.corruptHeader(file: file, detail: "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw FormatError.corruptHeader(file: file, detail: "__metadata__.\(quotedForMessage(k)) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any], let typeName = info["dtype"] as? String,
                  let shapeAny = info["shape"] as? [Any], let offsetsAny = info["data_offsets"] as? [Any], offsetsAny.count == 2
            else { throw FormatError.corruptHeader(file: file, detail: "tensor \(name) lacks dtype, shape or data_offsets") }
            let type: DType
            switch typeName {
            case "F32": type = .float32
            case "F64": type = .float64
            default: throw FormatError.unsupportedType(file: file, type: "\(quotedForMessage(typeName)) (tensor \(name))", allowed: "F32, F64")
            }
            guard shapeAny.count <= Shape.maxRank else {
                throw FormatError.wrongShape(file: file, detail: "tensor \(name) has rank \(shapeAny.count); Saddle supports up to \(Shape.maxRank)")
            }
            var shape: [Int] = []
            for d in shapeAny {
                guard let i = integer(d), i >= 0 else { throw FormatError.corruptHeader(file: file, detail: "tensor \(name) has a bad shape") }
                shape.append(i)
            }
            guard let begin = integer(offsetsAny[0]), let end = integer(offsetsAny[1]), begin >= 0, begin <= end else {
                throw FormatError.corruptHeader(file: file, detail: "tensor \(name) has bad data_offsets")
            }
            // Nothing is allocated before the spans are checked against the bytes present; this
            // bound keeps the product (and any later product of dimensions) from overflowing.
            guard let elements = boundedElementCount(shape, limit: maximumByteCount / type.byteSize) else {
                throw FormatError.tooLarge(file: file, detail: "tensor \(name) of shape \(shape) and type \(quotedForMessage(typeName))",
                                          limit: "\(maximumByteCount) bytes of data")
            }
            guard end - begin == elements * type.byteSize else {
                throw FormatError.corruptHeader(file: file, detail: "tensor \(name): shape \(shape) of \(typeName) needs \(elements * type.byteSize) bytes, data_offsets span \(end - begin)")
            }
            spans.append((key, begin, end, type, shape))
        }
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        for s in spans {
            guard s.begin == expected else { throw FormatError.corruptHeader(file: file, detail: "tensor \(quotedForMessage(s.name)) starts at byte \(s.begin), expected \(expected) (tensors must be packed without gaps or overlap)") }
            expected = s.end
        }
        guard expected <= dataCount else { throw FormatError.truncated(file: file, expected: dataStart + expected, found: bytes.count) }
        guard expected == dataCount else { throw FormatError.corruptHeader(file: file, detail: "\(dataCount - expected) bytes after the last tensor") }
        var result = SafeTensors(metadata: metadata)
        for s in spans {
            let t = Tensor(uninitialized: Shape(s.shape), dtype: s.type)
            bytes.withUnsafeBytes { raw in
                if s.end > s.begin { t.address.copyMemory(from: raw.baseAddress! + dataStart + s.begin, byteCount: s.end - s.begin) }
            }
            result.entries.append(Entry(name: s.name, tensor: t))
        }
        return result
    }
}

/// The deepest nesting of `[` and `{` in JSON text, ignoring brackets inside strings.
private func jsonDepth(_ text: ArraySlice<UInt8>) -> Int {
    var depth = 0, deepest = 0
    var inString = false, escaped = false
    for c in text {
        if inString {
            if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
        } else if c == UInt8(ascii: "\"") {
            inString = true
        } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
            depth += 1
            deepest = max(deepest, depth)
        } else if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
            depth -= 1
        }
    }
    return deepest
}

/// A JSON integer (JSONSerialization returns NSNumber; reject fractions and booleans).
private func integer(_ any: Any) -> Int? {
    guard let n = any as? NSNumber else { return nil }
    // On Linux, JSON true/false also bridge to NSNumber; their objCType is "c".
    if String(cString: n.objCType) == "c" { return nil }
    let d = n.doubleValue
    guard d == d.rounded(), abs(d) < 9e15 else { return nil }
    return n.intValue
}
