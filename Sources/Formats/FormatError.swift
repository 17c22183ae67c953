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
        }
    }
}

/// Reads a whole file, or throws ``FormatError/unreadable(file:reason:)`` naming it.
package func readFileBytes(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw FormatError.unreadable(file: path, reason: "no such file") }
    do {
        let data = try Foundation.Data(contentsOf: URL(fileURLWithPath: path))
        return [UInt8](data)
    } catch {
        throw FormatError.unreadable(file: path, reason: "\(error.localizedDescription)")
    }
}

/// Throws ``FormatError/nonFinite(file:location:)`` naming the first NaN or infinity of `t`.
public func requireFinite(_ t: Tensor, file: String, name: String) throws {
    guard !t.isFinite else { return }
    let i = t.scalars.firstIndex { !$0.isFinite } ?? 0
    throw FormatError.nonFinite(file: file, location: "\(name), element \(i)")
}
