import Foundation
import Testing
import TestSupport

/// `saddle reproduce srfb`'s user errors (fast): a non-empty output folder is refused without
/// --force, in one line, before anything is computed.
@Suite("saddle reproduce srfb: output folder")
struct ReproduceSRFBTests {
    @Test func nonEmptyOutputFolderNeedsForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srfb-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/mine.txt"))
        let r = try SaddleBinary.run(["reproduce", "srfb", "--quick", "--out", dir])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--out \(dir)") && r.stderr.contains("--force"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["mine.txt"])
    }

    @Test func outputThatIsAFileIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("srfb-cli-\(UUID().uuidString)").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try SaddleBinary.run(["reproduce", "srfb", "--out", path, "--force"])
        #expect(r.status != 0 && r.stderr.contains("not a folder"), "\(r.stderr)")
    }
}
