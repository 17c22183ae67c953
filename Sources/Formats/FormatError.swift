import Foundation
import Tensors

/// A file that cannot be read or written as its format demands. Each case names the file; its
/// ``description`` is one line saying what is wrong and, where it helps, what was expected.
public enum FormatError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case unreadable(file: String, reason: String)
    /// The file ends before `expected` bytes (`found` were there).
    case truncated(file: String, expected: Int, found: Int)
    /// The leading bytes are not the format's signature.
    case badMagic(file: String, expected: String, found: String)
    /// A header or shape that is not what the format or the caller allows.
    case wrongShape(file: String, detail: String)
    /// A NaN or infinity in the data.
    case nonFinite(file: String, location: String)
    /// A value that cannot be parsed or is out of range.
    case badValue(file: String, location: String, value: String, allowed: String)
    /// A safetensors header that is not the JSON the format requires.
    case corruptHeader(file: String, detail: String)
    /// An element type the reader does not support.
    case unsupportedType(file: String, type: String, allowed: String)
    /// gzip data that does not inflate.
    case badCompression(file: String, detail: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// A size (of the file, of its inflated bytes, or one its header declares) over the reader's
    /// documented limit; `detail` says what was too large, `limit` the limit and where it comes from.
    case tooLarge(file: String, detail: String, limit: String)

    public var description: String {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read the file (\(r))"
        case .truncated(let f, let e, let n): return "\(f): truncated: needs \(e) bytes, has \(n)"
        case .badMagic(let f, let e, let n): return "\(f): bad magic number \(n), expected \(e)"
        case .wrongShape(let f, let d): return "\(f): wrong shape: \(d)"
        case .nonFinite(let f, let l): return "\(f): NaN or infinity in the data at \(l)"
        case .badValue(let f, let l, let v, let a): return "\(f): \(l): \(v) is invalid: \(a)"
        case .corruptHeader(let f, let d): return "\(f): corrupt safetensors header: \(d)"
        case .unsupportedType(let f, let t, let a): return "\(f): unsupported element type \(t); supported: \(a)"
        case .badCompression(let f, let d): return "\(f): gzip data does not inflate: \(d)"
        case .unwritable(let f, let r): return "\(f): cannot write the file (\(r))"
        case .tooLarge(let f, let d, let l): return "\(f): too large: \(d); the limit is \(l)"
        }
    }
}

/// Reads a whole file of at most `limit` bytes, or throws ``FormatError/unreadable(file:reason:)``
/// or ``FormatError/tooLarge(file:detail:limit:)`` naming it.
///
/// The size is checked before reading (fstat) and again while reading, so a device or pipe that
/// never ends (`/dev/zero`) stops at the limit instead of filling memory.
package func readFileBytes(_ path: String, limit: Int) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
        let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
        throw FormatError.unreadable(file: path, reason: reason)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw FormatError.unreadable(file: path, reason: String(cString: strerror(errno))) }
    guard (info.st_mode & S_IFMT) != S_IFDIR else { throw FormatError.unreadable(file: path, reason: "it is a directory") }
    let declared = Int(info.st_size)
    func tooLarge(_ size: String) -> FormatError {
        .tooLarge(file: path, detail: "the file has \(size) bytes", limit: "\(limit) bytes for this kind of file")
    }
    if (info.st_mode & S_IFMT) == S_IFREG && declared > limit { throw tooLarge("\(declared)") }
    var bytes = [UInt8](repeating: 0, count: min(max(declared, 0), limit) + 1)
    var count = 0
    while true {
        if count == bytes.count {
            guard count <= limit else { throw tooLarge("more than \(limit)") }
            bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 1 << 16), limit + 1 - count)))
        }
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FormatError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        count += n
    }
    guard count <= limit else { throw tooLarge("more than \(limit)") }
    bytes.removeLast(bytes.count - count)
    return bytes
}

/// Reads a whole file of at most 1 GiB: for callers that only hash or copy a file. A reader of a
/// format passes its own limit to ``readFileBytes(_:limit:)``.
package func readFileBytes(_ path: String) throws -> [UInt8] { try readFileBytes(path, limit: 1 << 30) }

/// Text from a file, made fit for a one-line message: its first `limit` characters (then "…"),
/// with control characters and Unicode line separators escaped as `\u{…}`.
package func oneLine(_ text: some StringProtocol, limit: Int = 80) -> String {
    var out = ""
    for u in String(text.prefix(limit)).unicodeScalars {
        switch u.value {
        case 0..<0x20 where u != "\t", 0x7f, 0x85, 0x2028, 0x2029: out += "\\u{\(String(u.value, radix: 16))}"
        default: out.unicodeScalars.append(u)
        }
    }
    return text.dropFirst(limit).isEmpty ? out : out + "…"
}

/// ``oneLine(_:limit:)`` in double quotes.
package func quotedForMessage(_ text: some StringProtocol, limit: Int = 40) -> String { "\"" + oneLine(text, limit: limit) + "\"" }

/// The number of elements of a tensor of dimensions `dims` read from a file, or nil when a
/// dimension is negative or the product of the non-zero dimensions passes `limit`.
///
/// Zeros are left out of the bound on purpose: [0, 2³², 2³²] holds no element, but
/// `Shape.count` and any later `dims[1] * dims[2]` would overflow (a trap) on it.
package func boundedElementCount(_ dims: [Int], limit: Int) -> Int? {
    var nonzero = 1
    for d in dims {
        guard d >= 0 else { return nil }
        if d == 0 { continue }
        let (p, overflow) = nonzero.multipliedReportingOverflow(by: d)
        guard !overflow, p <= limit else { return nil }
        nonzero = p
    }
    return dims.contains(0) ? 0 : nonzero
}

/// Throws ``FormatError/nonFinite(file:location:)`` naming the first NaN or infinity of `t`.
public func requireFinite(_ t: Tensor, file: String, name: String) throws {
    guard !t.isFinite else { return }
    let i = t.scalars.firstIndex { !$0.isFinite } ?? 0
    throw FormatError.nonFinite(file: file, location: "\(name), element \(i)")
}
