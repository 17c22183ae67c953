import CZlib
import Formats
import Tensors

extension PNG {
    /// A PNG of 8-bit RGB pixels compressed for speed rather than size: deflate level 1 with
    /// zlib's run-length strategy, which suits plots (long runs of background, thin lines) and is
    /// several times faster than ``encode(rgb:width:height:level:)`` — for plots redrawn while
    /// training runs.
    public static func encodeFast(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        ensure(rgb.count == width * height * 3, "PNG.encodeFast: \(rgb.count) bytes for \(width)×\(height) RGB")
        var raw = [UInt8](repeating: 0, count: (width * 3 + 1) * height)
        raw.withUnsafeMutableBufferPointer { r in
            rgb.withUnsafeBufferPointer { p in
                for y in 0..<height {
                    // Filter byte 0 (none), then the row.
                    (r.baseAddress! + y * (width * 3 + 1) + 1).update(from: p.baseAddress! + y * width * 3, count: width * 3)
                }
            }
        }
        let out = Gzip.deflate(raw, level: 1, windowBits: 15, strategy: Z_RLE)
        let ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return signature + chunk("IHDR", ihdr) + chunk("IDAT", out) + chunk("IEND", [])
    }
}

extension Raster {
    /// The raster as a PNG from ``PNG/encodeFast(rgb:width:height:)``.
    public func fastPNG() -> [UInt8] { PNG.encodeFast(rgb: pixels, width: width, height: height) }
}
