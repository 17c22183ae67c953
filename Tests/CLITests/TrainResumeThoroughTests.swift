import Foundation
import Testing
import TestSupport

/// Resume at full size: the default networks at batch 512 on two threads (the concurrent path),
/// stopped by --time-limit at whatever iteration it reaches, resumed to 1,500 iterations, and
/// compared byte for byte with an uninterrupted run.
@Suite("saddle train resume Thorough", .enabled(if: Tier.thorough))
struct TrainResumeThoroughTests {
    @Test func timeLimitStopThenResumeIsBitIdentical() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-resume-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["--iterations", "1500", "--batch-size", "512", "--threads", "2", "--checkpoint-every", "400", "--json"]
        let full = try SaddleBinary.run(["train", "--out", dir + "/full"] + args)
        #expect(full.status == 0, "\(full.stderr)")
        let stopped = try SaddleBinary.run(["train", "--out", dir + "/part", "--time-limit", "1.5"] + args)
        #expect(stopped.status == 0 && stopped.stdout.contains("\"exitStatus\":\"time-limit\""), "\(stopped.stdout)")
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/part", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let name = "/checkpoints/iteration-00001500.safetensors"
        #expect(try TrainRunFolderTests.tensorBytes(dir + "/full" + name) == TrainRunFolderTests.tensorBytes(dir + "/part" + name))
        let a = try TrainRunFolderTests.json(full.stdout), b = try TrainRunFolderTests.json(resumed.stdout)
        for key in ["last", "ema", "finalLosses", "oracleCalls"] {
            #expect(try JSONSerialization.data(withJSONObject: [key: a[key]!], options: [.sortedKeys])
                    == JSONSerialization.data(withJSONObject: [key: b[key]!], options: [.sortedKeys]), "\(key)")
        }
    }
}
