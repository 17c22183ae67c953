import Foundation
import Formats
import Tensors
import Testing

/// Round trips and the damaged-file table: every format's reader throws a one-line FormatError
/// naming the file, and never crashes, on truncated, mis-shaped or corrupt input.
@Suite("Formats")
struct FormatsTests {
    static func sample(_ dtype: DType) -> Tensor {
        Tensor((0..<12).map { Double($0) * 0.25 - 1 }, shape: [3, 4], dtype: dtype)
    }

    static func safetensorsBytes() -> [UInt8] {
        var f = SafeTensors(metadata: ["format_version": "1", "note": "a \"quoted\" value"])
        f.add("a", sample(.float32))
        f.add("b.c", Tensor([1, 2, 3], shape: [3], dtype: .float64))
        return f.serialized()
    }

    func expectOneLine(_ e: Error, naming file: String) {
        let text = "\(e)"
        #expect(e is FormatError, "\(type(of: e)): \(text)")
        #expect(text.hasPrefix(file) && !text.contains("\n"), "\(text)")
    }

    @Test func safetensorsRoundTrip() throws {
        let f = try SafeTensors.parse(Self.safetensorsBytes(), file: "x.safetensors")
        #expect(f.entries.map(\.name) == ["a", "b.c"])
        #expect(f["a"]!.shape == [3, 4] && f["a"]!.dtype == .float32 && f["a"]!.scalars == Self.sample(.float32).scalars)
        #expect(f["b.c"]!.dtype == .float64 && f["b.c"]!.scalars == [1, 2, 3])
        #expect(f.metadata["note"] == "a \"quoted\" value")
        // The header is padded to 8 bytes, as the format recommends.
        let bytes = Self.safetensorsBytes()
        #expect(bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } % 8 == 0)
    }

    @Test func safetensorsCorruptHeaders() throws {
        var bytes = Self.safetensorsBytes()
        bytes[8] = UInt8(ascii: "[")
        #expect(throws: FormatError.self) { try SafeTensors.parse(bytes, file: "x") }
        // Overlapping offsets, a bad dtype, a header length past the end.
        func withHeader(_ json: String, data: Int) -> [UInt8] {
            var h = Array(json.utf8); while h.count % 8 != 0 { h.append(0x20) }
            var out = [UInt8](); withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
            return out + h + [UInt8](repeating: 0, count: data)
        }
        for bad in [withHeader(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8),
                    withHeader(#"{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: 8),
                    withHeader(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8),
                    withHeader(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#, data: 8),
                    withHeader(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 12),
                    withHeader(#"{"a":1}"#, data: 0), [255, 255, 255, 255, 255, 255, 255, 127, 0]] {
            do { _ = try SafeTensors.parse(bad, file: "bad.safetensors"); Issue.record("accepted a corrupt file") } catch {
                expectOneLine(error, naming: "bad.safetensors")
            }
        }
    }

    @Test func npyRoundTripBothTypes() throws {
        for dtype in DType.allCases {
            let t = try NPY.parse(NPY.serialize(Self.sample(dtype)), file: "x.npy")
            #expect(t.shape == [3, 4] && t.dtype == dtype && t.scalars == Self.sample(dtype).scalars)
        }
        #expect((NPY.serialize(Self.sample(.float32)).count - 48) % 64 == 0)   // header padded to 64 bytes
    }

    @Test func idxRoundTripPlainAndGzipped() throws {
        let idx = IDX(dimensions: [2, 3, 2], bytes: (0..<12).map { UInt8($0 * 20) })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-fmt-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try atomicWrite(idx.serialized(), to: dir + "/a-idx3-ubyte")
        try atomicWrite(Gzip.compress(idx.serialized()), to: dir + "/a-idx3-ubyte.gz")
        for p in ["/a-idx3-ubyte", "/a-idx3-ubyte.gz"] {
            let r = try IDX.read(dir + p)
            #expect(r.dimensions == [2, 3, 2] && r.bytes == idx.bytes)
        }
        // A truncated gzip stream is an error naming the file.
        let gz = Gzip.compress(idx.serialized())
        try atomicWrite(Array(gz.prefix(gz.count / 2)), to: dir + "/cut.gz")
        do { _ = try IDX.read(dir + "/cut.gz"); Issue.record("accepted truncated gzip") } catch { expectOneLine(error, naming: dir + "/cut.gz") }
        do { _ = try IDX.read(dir + "/missing"); Issue.record("no error") } catch { expectOneLine(error, naming: dir + "/missing") }
    }

    @Test func csvRowsHeaderAndErrors() throws {
        let t = try CSV.parseNumeric(Array("x,y,label\n1,2.5,3\n\n4,5,6\r\n".utf8), file: "t.csv", columns: 3)
        #expect(t.rows == 2 && t.columns == 3 && t.values == [1, 2.5, 3, 4, 5, 6])
        let cases: [(String, String)] = [("1,2,3\n4,5\n", "line 2 has 2 fields, expected 3"),
                                         ("1,2,3\n4,nan,6\n", "NaN or infinity"),
                                         ("1,2,3\n4,x,6\n", "line 2, field 2"),
                                         ("1,2,3\n4,inf,6\n", "NaN or infinity")]
        for (text, message) in cases {
            do { _ = try CSV.parseNumeric(Array(text.utf8), file: "t.csv", columns: 3); Issue.record("accepted \(text)") } catch {
                expectOneLine(error, naming: "t.csv")
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    /// LF, CRLF and a lone CR (old Mac files) all end a line, in any mix; line numbers in errors
    /// count each ending once. Issue #14: a CR-only file used to read as an empty table.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func csvLineEndings(_ end: String) throws {
        let text = ["x,y", "1,2", "", "3,4.5", "6,7"].joined(separator: end)
        for body in [text, text + end] {
            let t = try CSV.parseNumeric(Array(body.utf8), file: "e.csv", columns: 2)
            #expect(t.rows == 3 && t.columns == 2 && t.values == [1, 2, 3, 4.5, 6, 7], "\(body.debugDescription)")
        }
        #expect { try CSV.parseNumeric(Array(["1,2", "3,4", "", "5"].joined(separator: end).utf8), file: "e.csv") } throws: {
            "\($0)".contains("line 4 has 1 fields, expected 2")
        }
        let mixed = try CSV.parseNumeric(Array("1,2\r3,4\r\n5,6\n7,8\r\r\n9,10".utf8), file: "m.csv")
        #expect(mixed.rows == 5 && mixed.values.last == 10)
    }

    /// Every proper prefix of a valid file is rejected with an error, never a crash.
    @Test func truncationsAtEveryOffsetThrow() throws {
        let st = Self.safetensorsBytes()
        for n in 0..<st.count { #expect(throws: FormatError.self) { try SafeTensors.parse(Array(st.prefix(n)), file: "t") } }
        let npy = NPY.serialize(Self.sample(.float64))
        for n in 0..<npy.count { #expect(throws: FormatError.self) { try NPY.parse(Array(npy.prefix(n)), file: "t") } }
        let idx = IDX(dimensions: [2, 3], bytes: Array(0..<6)).serialized()
        for n in 0..<idx.count { #expect(throws: FormatError.self) { try IDX.parse(Array(idx.prefix(n)), file: "t") } }
        let gz = Gzip.compress(idx)
        for n in 0..<gz.count { #expect(throws: FormatError.self) { try IDX.parse(try Gzip.inflate(Array(gz.prefix(n)), file: "t", limit: 1 << 20), file: "t") } }
    }

    /// Single-byte corruptions of the safetensors header either parse or throw; none crashes.
    @Test func headerByteFlipsNeverCrash() throws {
        let st = Self.safetensorsBytes()
        let headerEnd = 8 + Int(st[0]) + Int(st[1]) << 8
        for i in 0..<headerEnd {
            for v: UInt8 in [0, 0x22, 0x7d, 0x39, 0xff] {
                var b = st; b[i] = v
                _ = try? SafeTensors.parse(b, file: "t")
            }
        }
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-aw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: p) }
        try atomicWrite("old contents, longer", to: p)
        try atomicWrite("new", to: p)
        #expect(try String(contentsOfFile: p, encoding: .utf8) == "new")
        let dir = (p as NSString).deletingLastPathComponent
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: dir)).contains { $0.hasPrefix(".saddle-aw") && $0.hasSuffix(".tmp") })
    }
}
