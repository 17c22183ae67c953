import CZlib
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
        var stream = z_stream()
        var status = deflateInit2_(&stream, 1, Z_DEFLATED, 15, 8, Z_RLE, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        ensure(status == Z_OK, "PNG.encodeFast: deflateInit2 returned \(status)")
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(raw.count))))
        let produced: Int = raw.withUnsafeMutableBufferPointer { r in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = r.baseAddress
                stream.avail_in = uInt(r.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                status = deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        ensure(status == Z_STREAM_END, "PNG.encodeFast: deflate returned \(status)")
        out.removeLast(out.count - produced)
        let ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return signature + chunk("IHDR", ihdr) + chunk("IDAT", out) + chunk("IEND", [])
    }
}

extension Raster {
    /// The raster as a PNG from ``PNG/encodeFast(rgb:width:height:)``.
    public func fastPNG() -> [UInt8] { PNG.encodeFast(rgb: pixels, width: width, height: height) }
}
