import CZlib
import Tensors

/// gzip (and zlib) decompression through zlib.
public enum Gzip {
    /// Whether `bytes` start with the gzip signature 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Inflates gzip (or zlib) data, concatenated members included; `file` names the source in errors.
    ///
    /// `limit` caps the inflated size in bytes: deflate can expand about 1000-fold (a 4 MB file
    /// of zeros inflates to 4 GB), so every caller passes the largest output its format allows,
    /// and inflation stops with ``FormatError/tooLarge(file:detail:limit:)`` as soon as the
    /// output would pass it, before that memory is taken.
    public static func inflate(_ input: [UInt8], file: String, limit: Int) throws -> [UInt8] {
        guard !input.isEmpty else { throw FormatError.truncated(file: file, expected: 1, found: 0) }
        // zlib counts input in UInt32; a reader's own file-size limit keeps inputs far below this.
        guard input.count <= Int(UInt32.max) else {
            throw FormatError.tooLarge(file: file, detail: "\(input.count) bytes of compressed data", limit: "\(UInt32.max) bytes (zlib's counter)")
        }
        var out = [UInt8]()
        out.reserveCapacity(min(max(limit, 0), input.count * 4, 1 << 26))
        var stream = z_stream()
        // 15 + 32: a 32 KB window and automatic gzip/zlib header detection.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError.badCompression(file: file, detail: "zlib did not initialize")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var consumed = 0
        try input.withUnsafeBufferPointer { inp in
            guard let base = inp.baseAddress else { return }
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = UInt32(inp.count - consumed)
                var status: Int32 = Z_OK
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { buf in
                        stream.next_out = buf.baseAddress
                        stream.avail_out = UInt32(buf.count)
                        status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        return buf.count - Int(stream.avail_out)
                    }
                    guard produced <= limit - out.count else {
                        throw FormatError.tooLarge(file: file, detail: "inflates to more than \(limit) bytes", limit: "\(limit) bytes for this kind of file")
                    }
                    out.append(contentsOf: chunk[0..<produced])
                    if status == Z_BUF_ERROR && stream.avail_in == 0 {
                        throw FormatError.truncated(file: file, expected: input.count + 1, found: input.count)
                    }
                    // Z_BUF_ERROR with input left means inflate could make no progress: looping would spin.
                    guard status == Z_OK || status == Z_STREAM_END else {
                        let message = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR ? "no progress" : "error \(status)")
                        throw FormatError.badCompression(file: file, detail: message)
                    }
                } while status != Z_STREAM_END
                consumed = inp.count - Int(stream.avail_in)
                // Another gzip member may follow (cat a.gz b.gz); trailing zeros are padding.
                if consumed >= inp.count || inp[consumed...].allSatisfy({ $0 == 0 }) { break }
                guard inflateReset(&stream) == Z_OK else { throw FormatError.badCompression(file: file, detail: "reset failed") }
            }
        }
        return out
    }

    /// Compresses `input` as one gzip member (level 6).
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        // 15 + 16: a 32 KB window with a gzip header.
        deflate(input, level: 6, windowBits: 15 + 16, strategy: Z_DEFAULT_STRATEGY)
    }

    /// One-shot deflate with zlib's own parameters: `windowBits` 15 gives a zlib stream (PNG's
    /// IDAT), 15 + 16 a gzip member; `strategy` e.g. `Z_DEFAULT_STRATEGY` or `Z_RLE`. Memory level 8
    /// (zlib's default).
    public static func deflate(_ input: [UInt8], level: Int32, windowBits: Int32, strategy: Int32) -> [UInt8] {
        var stream = z_stream()
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, strategy, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        ensure(ok == Z_OK, "Gzip.deflate: deflateInit2 failed (\(ok))")
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                ensure(status == Z_STREAM_END, "Gzip.deflate: deflate returned \(status)")
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out[0..<produced])
    }

    /// A file's bytes, inflated when they are gzip; `limit` caps both the file's size on disk and
    /// the inflated size (see ``inflate(_:file:limit:)``).
    public static func readMaybeCompressed(_ path: String, limit: Int) throws -> [UInt8] {
        let raw = try readFileBytes(path, limit: limit)
        return isGzip(raw) ? try inflate(raw, file: path, limit: limit) : raw
    }
}
