import Foundation
import Formats
import Tensors
import Testing
import TestSupport

/// The documented size limits of every reader (issue #14): each is checked before anything is
/// allocated, at its exact boundary where that is cheap, and a header that would overflow an Int
/// is a one-line error rather than a trap.
@Suite("Format limits")
struct LimitsTests {
    /// The error's description when `body` throws a FormatError, after checking it is one line
    /// naming `file`; records an issue (and returns "") when `body` does not throw.
    func message(naming file: String, _ body: () throws -> Void) -> String {
        do { try body() } catch {
            let text = "\(error)"
            #expect(error is FormatError, "\(type(of: error)): \(text)")
            #expect(text.hasPrefix(file) && !text.contains("\n") && !text.contains("\r"), "\(text)")
            return text
        }
        Issue.record("no error for \(file)")
        return ""
    }

    func temporaryDirectory() throws -> String { try makeScratchFolder("limits") }

    // MARK: gzip

    @Test func inflateStopsAtItsLimit() throws {
        let plain = [UInt8](repeating: 7, count: 100_000)
        let gz = Gzip.compress(plain)
        #expect(try Gzip.inflate(gz, file: "z.gz", limit: plain.count) == plain)        // exactly at the limit
        let m = message(naming: "z.gz") { _ = try Gzip.inflate(gz, file: "z.gz", limit: plain.count - 1) }
        #expect(m.contains("too large") && m.contains("99999"), "\(m)")
        // Two members (cat a.gz b.gz) count together.
        #expect(try Gzip.inflate(gz + gz, file: "z.gz", limit: 2 * plain.count).count == 2 * plain.count)
        _ = message(naming: "z.gz") { _ = try Gzip.inflate(gz + gz, file: "z.gz", limit: 2 * plain.count - 1) }
        _ = message(naming: "empty.gz") { _ = try Gzip.inflate([], file: "empty.gz", limit: 10) }
    }

    /// The bomb of issue #14 in small: ~46 KB of gzip that would inflate past the largest IDX file.
    @Test func idxGzipBombIsRefusedAtTheIDXLimit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var header: [UInt8] = [0, 0, 8, 1]
        let n = IDX.maximumByteCount                      // header + n bytes: one byte past the limit
        header += [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        let bomb = Gzip.compress(header + [UInt8](repeating: 0, count: n - header.count + 1))
        #expect(bomb.count < 100_000)
        try atomicWrite(bomb, to: dir + "/bomb-idx1-ubyte.gz")
        let m = message(naming: dir + "/bomb-idx1-ubyte.gz") { _ = try IDX.read(dir + "/bomb-idx1-ubyte.gz") }
        #expect(m.contains("inflates to more than \(IDX.maximumByteCount) bytes"), "\(m)")
    }

    // MARK: IDX

    func idxHeader(_ dims: [UInt32]) -> [UInt8] {
        [0, 0, 8, UInt8(dims.count)] + dims.flatMap { d in [UInt8(d >> 24), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
    }

    /// Dimensions whose product overflows Int, or hides behind a zero, are refused by name.
    @Test(arguments: [[UInt32.max, UInt32.max, UInt32.max, UInt32.max], [0, UInt32.max, UInt32.max], [65_536, 65_536, 0],
                      [60_001, 28, 28], [UInt32(IDX.maximumElementCount) + 1]])
    func idxDimensionsOverTheLimit(_ dims: [UInt32]) {
        let m = message(naming: "big-idx") { _ = try IDX.parse(idxHeader(dims) + [1, 2, 3], file: "big-idx") }
        #expect(m.contains("too large") && m.contains("47040000 entries"), "\(m)")
    }

    @Test func idxAtTheLimitIsAccepted() throws {
        let idx = try IDX.parse(idxHeader([60_000, 28, 28]) + [UInt8](repeating: 1, count: IDX.maximumElementCount), file: "mnist-idx3")
        #expect(idx.dimensions == [60_000, 28, 28])
        // A zero dimension with small others is an empty file, not an error.
        #expect(try IDX.parse(idxHeader([0, 28, 28]), file: "empty").bytes.isEmpty)
    }

    // MARK: NPY

    func npy(_ header: String, data: Int = 0) -> [UInt8] {
        let h = Array(header.utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xff), UInt8(h.count >> 8)] + h + [UInt8](repeating: 0, count: data)
    }

    @Test(arguments: ["(9223372036854775807, 2)", "(4294967296, 4294967296, 4294967296)", "(0, 4294967296, 4294967296)",
                      "(4294967296, 4294967296, 0)", "(536870913,)"])
    func npyShapesOverTheLimit(_ shape: String) {
        let m = message(naming: "big.npy") { _ = try NPY.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n", data: 8), file: "big.npy") }
        #expect(m.contains("too large") && m.contains("\(NPY.maximumByteCount) bytes"), "\(m)")
    }

    /// A version 2.0 file of one Float32 1.0 whose header, padded with spaces, has `length` bytes.
    func npy2(headerLength length: Int) -> [UInt8] {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"
        let header = dict + String(repeating: " ", count: length - dict.utf8.count - 1) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { bytes += $0 }
        return bytes + Array(header.utf8) + [0, 0, 0x80, 0x3f]
    }

    @Test func npyHeaderLengthAndRank() {
        // At the limit the file is read; one byte more and it is refused before the header is read.
        #expect((try? NPY.parse(npy2(headerLength: NPY.maximumHeaderLength), file: "ok.npy"))?.scalars == [1])
        let m = message(naming: "long.npy") { _ = try NPY.parse(npy2(headerLength: NPY.maximumHeaderLength + 1), file: "long.npy") }
        #expect(m.contains("a header of 10001 bytes") && m.contains("10000 bytes (NumPy's max_header_size)"), "\(m)")
        _ = message(naming: "rank.npy") { _ = try NPY.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1), }\n", data: 4), file: "rank.npy") }
    }

    // MARK: safetensors

    func safetensors(_ json: String, data: Int) -> [UInt8] {
        var h = Array(json.utf8); while h.count % 8 != 0 { h.append(0x20) }
        var out = [UInt8](); withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + [UInt8](repeating: 0, count: data)
    }

    @Test(arguments: ["[4294967296, 4294967296, 4294967296]", "[0, 4294967296, 4294967296]", "[1073741825]"])
    func safetensorsShapesOverTheLimit(_ shape: String) {
        let bytes = safetensors(#"{"a":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,8]}}"#, data: 8)
        let m = message(naming: "big.safetensors") { _ = try SafeTensors.parse(bytes, file: "big.safetensors") }
        #expect(m.contains("too large") && m.contains("\(SafeTensors.maximumByteCount) bytes"), "\(m)")
    }

    @Test func safetensorsHeaderDepthAndLength() {
        let deep = #"{"a":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(message(naming: "deep") { _ = try SafeTensors.parse(safetensors(deep, data: 0), file: "deep") }.contains("nests deeper than 8"))
        // Brackets inside strings do not count.
        let quoted = #"{"__metadata__":{"k":"[[[[[[[[[[[[[[[[{{{{{{{{{{"}}"#
        #expect((try? SafeTensors.parse(safetensors(quoted, data: 0), file: "q"))?.metadata["k"] == "[[[[[[[[[[[[[[[[{{{{{{{{{{")
        var huge = [UInt8](); withUnsafeBytes(of: UInt64(SafeTensors.maximumHeaderLength + 1).littleEndian) { huge += $0 }
        #expect(message(naming: "huge") { _ = try SafeTensors.parse(huge + [0x7b], file: "huge") }.contains("100000000 bytes"))
    }

    /// Names and types from the file are quoted and escaped, so the message stays on one line.
    @Test func safetensorsMessagesStayOnOneLine() {
        let bytes = safetensors(#"{"a\nb\u2028c":{"dtype":"Q\r7","shape":[2],"data_offsets":[0,8]}}"#, data: 8)
        let m = message(naming: "x") { _ = try SafeTensors.parse(bytes, file: "x") }
        #expect(m.contains(#"a\u{a}b\u{2028}c"#) && m.contains(#"Q\u{d}7"#), "\(m)")
    }

    // MARK: files on disk

    @Test func fileSizeLimitIsCheckedBeforeReading() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Array("1,2\n3,4\n".utf8)
        try atomicWrite(text, to: dir + "/t.csv")
        #expect(try CSV.readNumeric(dir + "/t.csv", byteLimit: text.count).rows == 2)
        #expect(message(naming: dir + "/t.csv") { _ = try CSV.readNumeric(dir + "/t.csv", byteLimit: text.count - 1) }.contains("the file has 8 bytes"))
        // Gzipped: the inflated size is limited too.
        let gz = Gzip.compress([UInt8](repeating: UInt8(ascii: "0"), count: 10_000).flatMap { [$0, 0x0a] })
        try atomicWrite(gz, to: dir + "/z.csv.gz")
        #expect(try CSV.readNumeric(dir + "/z.csv.gz", byteLimit: 20_000).rows == 10_000)
        #expect(message(naming: dir + "/z.csv.gz") { _ = try CSV.readNumeric(dir + "/z.csv.gz", byteLimit: 19_999) }.contains("inflates to more than 19999"))
        // A device that never ends stops at the limit instead of filling memory.
        #expect(message(naming: "/dev/zero") { _ = try CSV.readNumeric("/dev/zero", byteLimit: 1 << 16) }.contains("more than 65536"))
        #expect(message(naming: dir) { _ = try NPY.read(dir) }.contains("directory"))
    }
}
