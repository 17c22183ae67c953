import Foundation
import Testing
import TestSupport

/// Nothing lost under faults (issue 14, acceptance 3 and 4): SIGKILL at 20 points of a run —
/// inside checkpoint and metrics writes among them — and SIGINT, each resumed to the bits of an
/// uninterrupted run; and a full disk met by each kind of write, which loses nothing written before.
@Suite("Crash and disk-full safety of saddle train")
struct CrashSafetyTests {
    static let quick = ["--iterations", "60", "--log-every", "20", "--checkpoint-every", "20", "--batch-size", "64", "--threads", "1"]

    static func temporaryDirectory(_ tag: String) throws -> String { try makeScratchFolder(tag) }

    /// The tensor bytes of a safetensors file (everything after the JSON header).
    static func tensorBytes(_ path: String) throws -> Data {
        let b = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = b.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return b.dropFirst(8 + n)
    }

    /// metrics.jsonl's lines without the wall-clock field (everything else must match bit for bit).
    static func metricsLines(_ run: String) throws -> [String] {
        let text = (try? String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)) ?? ""
        return try text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }.map { line in
            var o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a torn metrics line: \(line)")
            o["wallSeconds"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    /// The fields of summary.json that must not depend on interruptions.
    static func summaryCore(_ run: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: run + "/summary.json"))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let core = ["last", "ema", "finalLosses", "oracleCalls", "iterations", "exitStatus"].reduce(into: [String: Any]()) { $0[$1] = o[$1] }
        return String(decoding: try JSONSerialization.data(withJSONObject: core, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Resumes `run` until it completes: `--resume`, or a fresh start with `--force` when the kill
    /// came before the run had a configuration. Returns the number of attempts.
    @discardableResult
    static func finish(_ run: String, arguments: [String]) throws -> Int {
        for attempt in 1...3 {
            let r = try SaddleBinary.run(["train", "--resume", run])
            if r.status == 0 { return attempt }
            if r.stderr.contains("never started") || r.stderr.contains("not a Saddle run folder") {
                let again = try SaddleBinary.run(["train", "--out", run, "--force"] + arguments)
                if again.status == 0 { return attempt }
                Issue.record("restart of \(run) failed: \(again.stderr)")
                return attempt
            }
            Issue.record("resume of \(run) failed: \(r.stderr)")
            return attempt
        }
        return 3
    }

    func checkSame(_ run: String, as reference: String, _ label: String) throws {
        let final = "/checkpoints/iteration-00000060.safetensors"
        #expect(try Self.tensorBytes(run + final) == Self.tensorBytes(reference + final), "\(label): final tensors differ")
        #expect(try Self.summaryCore(run) == Self.summaryCore(reference), "\(label): summary differs")
        #expect(try Self.metricsLines(run) == Self.metricsLines(reference), "\(label): metrics.jsonl differs")
        let left = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { $0.hasSuffix(".tmp") }
        #expect(left.isEmpty, "\(label): temporary files left: \(left)")
    }

    /// Acceptance 3: SIGKILL at 20 points chosen at random (a fixed seed): 6 inside checkpoint
    /// writes, 6 inside metrics lines, 8 anywhere; each killed run is resumed and must end with the
    /// bits, metrics and summary of the uninterrupted run.
    @Test func sigkillAtTwentyPointsThenResumeIsBitIdentical() throws {
        let dir = try Self.temporaryDirectory("kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writes = try WriteLog.record(["train", "--out", dir + "/reference"] + Self.quick)
        let total = try #require(writes.last?.end)
        var rng = SystemRandomNumberGenerator.Seeded(seed: 14)
        func inside(_ kind: String, _ count: Int) -> [Int] {
            let spans = writes.filter { $0.kind == kind && $0.end - $0.start > 1 }
            return (0..<count).map { _ in
                let s = spans[Int(rng.next() % UInt64(spans.count))]
                return s.start + 1 + Int(rng.next() % UInt64(s.end - s.start - 1))
            }
        }
        let points = inside("checkpoint", 6) + inside("metrics", 6) + (0..<8).map { _ in Int(rng.next() % UInt64(total)) }
        #expect(points.count == 20)
        for (i, point) in points.enumerated() {
            let run = dir + "/k\(i)"
            let killed = try SaddleBinary.run(["train", "--out", run] + Self.quick + ["--test-faults", "kill-after-bytes=\(point)"])
            #expect(killed.signaled && killed.status == SIGKILL, "kill point \(point): the run was not killed (\(killed.status)) \(killed.stderr)")
            try Self.finish(run, arguments: Self.quick)
            try checkSame(run, as: dir + "/reference", "kill after \(point) of \(total) bytes")
        }
    }

    /// Acceptance 3: SIGINT (and SIGTERM) stop at an iteration of their own choosing with a
    /// checkpoint, exit 130 (143); resuming gives the uninterrupted run's bits.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func interruptThenResumeIsBitIdentical(_ signal: Int32, _ expectedStatus: Int32) throws {
        let dir = try Self.temporaryDirectory("int")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["--iterations", "3000", "--log-every", "100", "--checkpoint-every", "1000", "--batch-size", "64", "--threads", "1"]
        let reference = try SaddleBinary.run(["train", "--out", dir + "/reference"] + args)
        #expect(reference.status == 0, "\(reference.stderr)")
        let p = Process()
        p.executableURL = SaddleBinary.url
        p.arguments = ["train", "--out", dir + "/run"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Interrupt once training is under way (its first metrics line is written).
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: dir + "/run/metrics.jsonl") && Date() < deadline { usleep(20_000) }
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == expectedStatus)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/summary.json"))) as? [String: Any])
        #expect(summary["exitStatus"] as? String == "interrupted")
        let stopped = try #require(summary["iterations"] as? Int)
        #expect(stopped > 0 && stopped < 3000, "stopped at \(stopped)")
        let checkpoint = dir + "/run/checkpoints/" + String(format: "iteration-%08d.safetensors", stopped)
        #expect(FileManager.default.fileExists(atPath: checkpoint))
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/run"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let final = "/checkpoints/iteration-00003000.safetensors"
        #expect(try Self.tensorBytes(dir + "/run" + final) == Self.tensorBytes(dir + "/reference" + final))
        #expect(try Self.summaryCore(dir + "/run") == Self.summaryCore(dir + "/reference"))
        let history = try String(contentsOfFile: dir + "/run/history.jsonl", encoding: .utf8)
        #expect(history.contains("\"status\":\"interrupted\"") && history.contains("\"status\":\"completed\""), "\(history)")
    }

    // MARK: Full disk

    /// Whether this process may mount a tmpfs (root in a namespace that allows it).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        guard let point = try? temporaryDirectory("mount-probe") else { return false }
        defer { _ = umount(point); try? FileManager.default.removeItem(atPath: point) }
        return mount("tmpfs", point, "tmpfs", 0, "size=1m") == 0
    }()

    /// A small file system of its own for one case.
    final class SmallDisk {
        let path: String
        init(megabytes: Int) throws {
            path = try CrashSafetyTests.temporaryDirectory("disk")
            guard mount("tmpfs", path, "tmpfs", 0, "size=\(megabytes)m") == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mount failed: \(String(cString: strerror(errno)))"])
            }
        }
        deinit { _ = umount(path); try? FileManager.default.removeItem(atPath: path) }
    }

    /// Acceptance 4: before the k-th write of each kind the disk fills up. The run must stop with
    /// one line naming the file (plots, which are redrawn later, may fail silently), keep every
    /// checkpoint and metrics line written before — byte for byte the reference run's — and,
    /// once space is freed, resume to the reference's bits.
    /// The tensor bytes of the checkpoints of iterations 0, 20, 40 and 60 of the quick run (runs of
    /// 20, 40 and 60 iterations: each keeps only its two newest).
    static let referenceCheckpoints: [String: Data] = {
        var out: [String: Data] = [:]
        guard let dir = try? temporaryDirectory("disk-reference") else { return out }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in [20, 40, 60] {
            var args = quick; args[1] = "\(n)"
            guard (try? SaddleBinary.run(["train", "--out", dir + "/r\(n)"] + args))?.status == 0 else { continue }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir + "/r\(n)/checkpoints")) ?? [] {
                out[name] = try? tensorBytes(dir + "/r\(n)/checkpoints/" + name)
            }
        }
        return out
    }()

    @Test(.enabled(if: CrashSafetyTests.canMountTmpfs, "needs root and permission to mount a tmpfs; the full-disk cases are SKIPPED"),
          arguments: ["marker:1", "config:1", "history:1", "checkpoint:1", "checkpoint:3", "metrics:1", "metrics:3", "plot:1", "plot:9", "summary:1", "report:1", "tensorboard:1", "tensorboard:3"])
    func aFullDiskLosesNothingWrittenBefore(_ fault: String) throws {
        let reference = try Self.temporaryDirectory("disk-reference")
        defer { try? FileManager.default.removeItem(atPath: reference) }
        #expect(try SaddleBinary.run(["train", "--out", reference + "/run"] + Self.quick).status == 0)
        let disk = try SmallDisk(megabytes: 8)
        let run = disk.path + "/run"
        let r = try SaddleBinary.run(["train", "--out", run] + Self.quick + ["--test-faults", "fill-disk=\(fault)"])
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        if r.status != 0 {
            #expect(lines.count == 1 && lines[0].contains("No space left on device"), "\(fault): \(r.stderr)")
        } else {
            #expect(fault.hasPrefix("plot") || fault.hasPrefix("report"), "\(fault): the run went on although the disk was full: \(r.stderr)")
        }
        // Everything written before the fault is intact: each checkpoint equals the reference's.
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: run + "/checkpoints")) ?? [] where name.hasSuffix(".safetensors") {
            let expected = try #require(Self.referenceCheckpoints[name], "no reference for \(name)")
            #expect(try Self.tensorBytes(run + "/checkpoints/" + name) == expected, "\(fault): \(name)")
        }
        let written = try Self.metricsLines(run), full = try Self.metricsLines(reference + "/run")
        #expect(Array(full.prefix(written.count)) == written, "\(fault): metrics.jsonl is not a prefix of the reference's")
        try? fm.removeItem(atPath: run + "/.saddle-test-filler")
        try? fm.removeItem(atPath: run + "/checkpoints/.saddle-test-filler")
        try? fm.removeItem(atPath: run + "/tb/.saddle-test-filler")
        if r.status != 0 { try Self.finish(run, arguments: Self.quick) }
        try checkSame(run, as: reference + "/run", "fill-disk \(fault)")
    }
}

extension SystemRandomNumberGenerator {
    /// A small seeded generator (SplitMix64) for choosing fault points reproducibly.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
