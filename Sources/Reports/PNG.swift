import CZlib
import Tensors

/// A PNG encoder for 8-bit RGB images: one IDAT chunk, zlib `compress2`, filter 0 on every row.
public enum PNG {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc(body))
    }

    /// `level`: zlib's compression level, 1 (fastest; plots written during training) to 9 (smallest).
    public static func encode(rgb: [UInt8], width: Int, height: Int, level: Int32 = 9) -> [UInt8] {
        ensure(rgb.count == width * height * 3, "PNG.encode: \(rgb.count) bytes for \(width)×\(height) RGB")
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: rgb[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var size = compressBound(uLong(raw.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            raw.withUnsafeBufferPointer { r in compress2(o.baseAddress, &size, r.baseAddress, uLong(r.count), level) }
        }
        ensure(status == Z_OK, "PNG.encode: compress2 returned \(status)")
        out.removeLast(out.count - Int(size))
        let ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return signature + chunk("IHDR", ihdr) + chunk("IDAT", out) + chunk("IEND", [])
    }
}
