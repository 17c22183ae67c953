import Foundation
import Testing
import TestSupport

/// Acceptance 4 (the data side): damaged data files through `saddle inspect` are one-line errors
/// naming the file, with exit status 1.
@Suite("saddle inspect")
struct InspectCommandTests {
    @Test func badDataFilesAreOneLineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-inspect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)); return dir + "/" + name
        }
        // A valid IDX file: [2, 2, 2] bytes.
        let idx: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<8)
        let good = try write("good-idx3-ubyte", idx)
        let ok = try SaddleBinary.run(["inspect", good])
        #expect(ok.status == 0 && ok.stdout.contains("[2, 2, 2]"), "\(ok.stderr)")
        // NaN in an NPY array: header for '<f8' shape (2,), then 1.0 and NaN.
        var npyHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
        while (10 + npyHeader.utf8.count + 1) % 64 != 0 { npyHeader += " " }
        npyHeader += "\n"
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(npyHeader.utf8.count), 0] + Array(npyHeader.utf8)
        for v in [1.0, Double.nan] { withUnsafeBytes(of: v.bitPattern.littleEndian) { npy += $0 } }
        let cases: [(String, String)] = [
            (try write("cut-idx3-ubyte", Array(idx.prefix(20))), "truncated"),
            (try write("rows.csv", Array("1,2,3\n4,5\n".utf8)), "line 2 has 2 fields, expected 3"),
            (try write("nan.csv", Array("1,2\nnan,4\n".utf8)), "NaN or infinity"),
            (try write("nan.npy", npy), "NaN or infinity"),
            (try write("bad.safetensors", [16, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\": [1, 2]}   ".utf8)), "corrupt safetensors header"),
            (dir + "/missing.csv", "no such file"),
        ]
        for (path, message) in cases {
            let r = try SaddleBinary.run(["inspect", path])
            #expect(r.status == 1, "\(path)")
            #expect(r.stderr.hasPrefix("Error: \(path)") && r.stderr.contains(message), "\(path): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        }
    }
}
