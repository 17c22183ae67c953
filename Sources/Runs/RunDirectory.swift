import Formats
import Foundation

/// A run folder: `config.yaml`, `metrics.jsonl`, `summary.json` and `checkpoints/`.
///
/// Checkpoints are `checkpoints/iteration-NNNNNNNN.safetensors`, written atomically (temporary
/// file, then rename); the two most recent are kept, so a crash while writing one leaves the
/// previous one to resume from.
public struct RunDirectory: Sendable {
    public let path: String
    public var checkpointsPath: String { path + "/checkpoints" }

    /// Opens an existing run folder (for `--resume`).
    public init(existing path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw RunError.runFolder(path: path, problem: "no such run folder")
        }
        guard FileManager.default.fileExists(atPath: path + "/config.yaml") else {
            throw RunError.runFolder(path: path, problem: "not a run folder (no config.yaml)")
        }
        self.path = path
    }

    /// Creates a new run folder. An existing `path` is an error unless `force` (then its run files
    /// are replaced). With `path` nil, `runs/<dataset>-<UTC time>` is created, with `-2`, `-3`, …
    /// appended when that name is taken, so default runs never collide.
    public init(creating path: String?, defaultPrefix: String, force: Bool) throws {
        let fm = FileManager.default
        if let path {
            if fm.fileExists(atPath: path) {
                guard force else { throw RunError.runFolder(path: path, problem: "already exists; choose another --out or pass --force to overwrite it") }
                // (With the plots and report.html: a stale report must not describe the new run.)
                let plots = ["samples-last", "samples-ema", "losses", "metrics"].flatMap { [$0 + ".svg", $0 + ".png"] }
                for name in ["config.yaml", "metrics.jsonl", "summary.json", "checkpoints", "report.html"] + plots {
                    try? fm.removeItem(atPath: path + "/" + name)
                }
            }
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw RunError.runFolder(path: path, problem: "cannot create the folder (\(error.localizedDescription))")
            }
            self.path = path
        } else {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let base = "runs/\(defaultPrefix)-\(formatter.string(from: Date()))"
            try? fm.createDirectory(atPath: "runs", withIntermediateDirectories: true)
            var candidate = base, n = 1
            // mkdir(2) fails when the name exists: two processes never get the same folder.
            while mkdir(candidate, 0o755) != 0 {
                guard errno == EEXIST, n < 1000 else { throw RunError.runFolder(path: candidate, problem: "cannot create the folder") }
                n += 1
                candidate = "\(base)-\(n)"
            }
            self.path = candidate
        }
        try? fm.createDirectory(atPath: checkpointsPath, withIntermediateDirectories: true)
    }

    public func writeConfiguration(_ yaml: String) throws { try atomicWrite(yaml, to: path + "/config.yaml") }

    public func readConfiguration() throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        try c.apply(configFile: path + "/config.yaml")
        return c
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()

    public func writeSummary(_ s: TrainingSummary) throws {
        var data = try Self.encoder.encode(s)
        data.append(0x0a)
        try atomicWrite([UInt8](data), to: path + "/summary.json")
    }

    public func appendMetrics(_ r: MetricsRecord) throws {
        var data = try Self.encoder.encode(r)
        data.append(0x0a)
        let file = path + "/metrics.jsonl"
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: file) else { throw FormatError.unwritable(file: file, reason: "cannot open") }
        defer { try? h.close() }
        h.seekToEndOfFile()
        h.write(data)
    }

    /// Drops `metrics.jsonl` lines past `iteration` (written after the checkpoint a resume starts from).
    public func truncateMetrics(after iteration: Int) throws {
        let file = path + "/metrics.jsonl"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        var kept = ""
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Foundation.Data(line.utf8)) as? [String: Any],
                  let k = obj["iteration"] as? Int, k <= iteration else { continue }
            kept += line + "\n"
        }
        try atomicWrite(kept, to: file)
    }

    /// Completed checkpoints, oldest first, as (iteration, path).
    public func checkpoints() -> [(iteration: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("iteration-"), name.hasSuffix(".safetensors"),
                  let k = Int(name.dropFirst("iteration-".count).dropLast(".safetensors".count)) else { return nil }
            return (k, checkpointsPath + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// The newest checkpoint, or nil.
    public func latestCheckpoint() throws -> String? { checkpoints().last?.path }

    /// Writes a checkpoint atomically and deletes all but the two newest; returns its path.
    @discardableResult
    public func writeCheckpoint(_ file: SafeTensors, iteration: Int) throws -> String {
        let p = checkpointsPath + "/" + String(format: "iteration-%08d.safetensors", iteration)
        // Test seam for crash safety: SADDLE_TEST_KILL_DURING_CHECKPOINT=k kills the process with
        // SIGKILL halfway through writing the checkpoint of iteration k.
        if let k = ProcessInfo.processInfo.environment["SADDLE_TEST_KILL_DURING_CHECKPOINT"], Int(k) == iteration {
            atomicWriteHook = { _, written, total in if written < total { kill(getpid(), SIGKILL) } }
        }
        try file.write(to: p)
        let all = checkpoints()
        for old in all.dropLast(2) { try? FileManager.default.removeItem(atPath: old.path) }
        return p
    }
}
