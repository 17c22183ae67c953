import Formats
import Foundation
import Tensors

/// A run folder: `config.yaml`, `metrics.jsonl`, `summary.json`, `history.jsonl`, `checkpoints/`,
/// plots, `report.html` and TensorBoard's `tb/` (``TensorBoardLog``) — and two hidden files that make it Saddle's: the marker
/// `.saddle-run.json`, written when Saddle creates the folder, and the lock `.saddle-lock`.
///
/// Rules (docs/reliability.md):
/// - **Only Saddle's folders are replaced.** `--force` replaces a folder only when it carries the
///   marker; the files Saddle wrote (``ownedNames``) are moved aside into `.saddle-replaced-PID/`
///   and removed once the new run has written its first checkpoint (iteration 0), or moved back
///   when it fails before that. Files Saddle did not write are never touched.
/// - **One writer.** The process that opens a run folder holds an advisory lock (flock(2)) on
///   `.saddle-lock` until it exits; a second one gets an error naming the holder's pid.
/// - **All or nothing.** Files are written through ``atomicWrite(_:to:kind:durable:)`` and log
///   lines through ``appendRecord(_:to:kind:)``; checkpoints are
///   `checkpoints/iteration-NNNNNNNN.safetensors` (at least 8 digits), and the two newest are kept,
///   older ones deleted only after a newer one is safely on disk.
public final class RunDirectory: @unchecked Sendable {
    public let path: String
    public var checkpointsPath: String { path + "/checkpoints" }
    /// The held lock (closed, and so released, when the folder is released or the process exits).
    private var lockDescriptor: Int32
    /// A replaced run's files, kept until this run's first checkpoint.
    public private(set) var pendingReplacement: String?

    public static let markerName = ".saddle-run.json"
    public static let lockName = ".saddle-lock"
    static let replacedPrefix = ".saddle-replaced-"
    /// The plot files a run folder holds.
    public static let plotNames = ["samples-last", "samples-ema", "losses", "metrics"].flatMap { [$0 + ".svg", $0 + ".png", $0 + ".pdf"] }
    /// Limits on the run-folder files Saddle reads back: `metrics.jsonl` has one line of about
    /// 600 bytes per log interval (1 GiB is 1.7 million of them); `summary.json` is a few KB.
    public static let maximumMetricsByteCount = 1 << 30
    public static let maximumSummaryByteCount = 16 << 20

    /// Every entry Saddle writes in a run folder, besides the marker and the lock.
    public static let ownedNames = ["config.yaml", "metrics.jsonl", "summary.json", "history.jsonl", "checkpoints", "report.html", TensorBoardLog.folderName] + plotNames

    // MARK: Opening

    /// Opens an existing run folder to continue it (`--resume`): it must carry the marker, or be a
    /// run folder from before markers existed (it has `config.yaml`; the marker is then added).
    /// Takes the lock, finishes an interrupted replacement (see the type's rules), and removes
    /// temporary files a killed write left.
    public init(resuming path: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw RunError.runFolder(path: path, problem: "no such run folder")
        }
        let marked = fm.fileExists(atPath: path + "/" + Self.markerName)
        guard marked || fm.fileExists(atPath: path + "/config.yaml") else {
            throw RunError.runFolder(path: path, problem: "not a Saddle run folder (no \(Self.markerName) and no config.yaml)")
        }
        self.path = path
        lockDescriptor = try Self.lock(path)
        try recoverPendingReplacement()
        if !marked { try writeMarker() }
        removeStaleTemporaries()
        guard fm.fileExists(atPath: path + "/config.yaml") else {
            guard checkpoints().isEmpty else {
                throw RunError.runFolder(path: path, problem: "config.yaml is missing but the run has checkpoints: put it back (every checkpoint's metadata holds the configuration; saddle inspect prints it) and resume again")
            }
            throw RunError.runFolder(path: path, problem: "the run never started (no config.yaml); start it again with --out \(path) --force")
        }
        if let command = Self.markedCommand(path), command != "train" {
            throw RunError.runFolder(path: path, problem: "holds a run of saddle \(command), not a training run")
        }
    }

    /// The command whose run folder `path` is, from its marker (`train` when the marker names
    /// none), or nil when it has no marker.
    public static func markedCommand(_ path: String) -> String? {
        guard let data = try? Data(readFileBytes(path + "/" + markerName, limit: 64 << 10)) else { return nil }
        let marker = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return marker?["command"] as? String ?? "train"
    }

    /// Creates a run folder, or takes over an existing one:
    /// - `path` nil: `runs/<prefix>-<UTC time>`, with `-2`, `-3`, … appended when that name is
    ///   taken (mkdir(2) decides, so two processes never share a folder);
    /// - a path that does not exist, or an empty folder: used;
    /// - a Saddle run folder (it has the marker), with `force`: its run is moved aside and replaced
    ///   (``pendingReplacement``; removed at this run's first checkpoint, restored by
    ///   ``abandon()``); without `force`, or without the marker: refused, nothing touched.
    ///
    /// Call this only once the new run is known to start (configuration validated, data read,
    /// networks built): it is the first thing that changes the file system.
    public init(creating requested: String?, defaultPrefix: String, force: Bool) throws {
        let fm = FileManager.default
        guard let path = requested else {
            self.path = try Self.makeDefaultFolder(prefix: defaultPrefix)
            lockDescriptor = try Self.lock(self.path)
            claim()
            try writeMarker()
            try makeFolders(checkpointsPath)
            return
        }
        self.path = path
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw RunError.runFolder(path: path, problem: "exists and is not a folder; choose another --out") }
            let entries: [String]
            do { entries = try fm.contentsOfDirectory(atPath: path) } catch {
                throw RunError.runFolder(path: path, problem: "cannot list the folder (\(error.localizedDescription))")
            }
            let marked = entries.contains(Self.markerName)
            let visible = entries.filter { $0 != Self.markerName && $0 != Self.lockName }
            if visible.isEmpty {
                lockDescriptor = try Self.lock(path)
            } else if !marked {
                throw RunError.runFolder(path: path, problem: force
                    ? "not a Saddle run folder (no \(Self.markerName)): --force replaces only folders Saddle created; remove it yourself or choose another --out"
                    : "already exists and is not empty; choose another --out")
            } else if let command = Self.markedCommand(path), command != "train" {
                throw RunError.runFolder(path: path, problem: "holds a run of saddle \(command): saddle train replaces only its own run folders; choose another --out")
            } else if !force {
                throw RunError.runFolder(path: path, problem: "already holds a run; continue it with --resume \(path), replace it with --force, or choose another --out")
            } else {
                lockDescriptor = try Self.lock(path)
                try recoverPendingReplacement()
                removeStaleTemporaries()
                try moveAside()
            }
        } else {
            do { try makeFolders(path) } catch { throw RunError.runFolder(path: path, problem: "cannot create the folder (\(error))") }
            lockDescriptor = try Self.lock(path)
        }
        claim()
        do {
            if !fm.fileExists(atPath: path + "/" + Self.markerName) { try writeMarker() }
            try makeFolders(checkpointsPath)
        } catch {
            abandon()
            throw RunError.runFolder(path: path, problem: "cannot set up the run folder (\(error))")
        }
    }

    deinit { release() }

    /// Releases the lock (also released when the process exits, however it exits).
    public func release() {
        if lockDescriptor >= 0 { close(lockDescriptor); lockDescriptor = -1 }
    }

    /// The UTC time as `yyyyMMdd-HHmmss`, for names of folders and files that sort by time.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func makeDefaultFolder(prefix: String) throws -> String {
        let base = "runs/\(prefix)-\(timestamp())"
        if mkdir("runs", 0o755) != 0 && errno != EEXIST {
            throw RunError.runFolder(path: "runs", problem: "cannot create the folder (\(String(cString: strerror(errno))))")
        }
        var candidate = base, n = 1
        while mkdir(candidate, 0o755) != 0 {
            guard errno == EEXIST, n < 1000 else {
                throw RunError.runFolder(path: candidate, problem: "cannot create the folder (\(String(cString: strerror(errno))))")
            }
            n += 1
            candidate = "\(base)-\(n)"
        }
        return candidate
    }

    /// Takes the folder's lock or throws naming the process that holds it.
    static func lock(_ folder: String) throws -> Int32 {
        let file = folder + "/" + lockName
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunError.runFolder(path: folder, problem: "cannot create the lock file \(lockName) (\(String(cString: strerror(errno))))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw RunError.runFolder(path: folder, problem: "in use by another saddle process (\(holder.isEmpty ? "its pid is not recorded yet" : "pid \(holder)")); wait for it to end or stop it")
        }
        return fd
    }

    /// Writes this process's pid into the lock file, for the message a second process gets. Only a
    /// process that is about to change the run does this: a refused or no-op resume leaves the
    /// folder byte for byte as it was. (Informative only; a full disk may refuse it.)
    public func claim() {
        guard lockDescriptor >= 0 else { return }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(lockDescriptor, 0) == 0 { _ = pwrite(lockDescriptor, pid, pid.count, 0) }
    }

    func writeMarker() throws {
        let created = ISO8601DateFormatter().string(from: Date())
        let text = JSONValue.object([("format", "saddle-run-folder"), ("format_version", 1), ("created", .string(created)),
                                     ("saddle_version", .string(SaddleVersion.string)), ("command", "train")]).text() + "\n"
        try atomicWrite(text, to: path + "/" + Self.markerName, kind: .marker)
    }

    // MARK: Replacing a run (--force)

    /// Moves the owned entries into `.saddle-replaced-PID/` (renames within the folder: no copy).
    func moveAside() throws {
        let fm = FileManager.default
        let aside = path + "/" + Self.replacedPrefix + "\(getpid())"
        do { try fm.createDirectory(atPath: aside, withIntermediateDirectories: false) } catch {
            throw RunError.runFolder(path: path, problem: "cannot set the old run aside (\(error.localizedDescription))")
        }
        pendingReplacement = aside
        for name in Self.ownedNames where fm.fileExists(atPath: path + "/" + name) || isSymlink(path + "/" + name) {
            guard rename(path + "/" + name, aside + "/" + name) == 0 else {
                let reason = String(cString: strerror(errno))
                abandon()
                throw RunError.runFolder(path: path, problem: "cannot set \(name) aside (\(reason)); the old run is unchanged")
            }
        }
        syncFolder(path)
    }

    /// Called once the run has a checkpoint: the replaced run's files are deleted.
    func commitReplacement() {
        guard let aside = pendingReplacement else { return }
        try? FileManager.default.removeItem(atPath: aside)
        pendingReplacement = nil
    }

    /// Undoes a replacement that did not get as far as a first checkpoint: this run's files are
    /// removed and the replaced run's moved back. Without a pending replacement, does nothing.
    public func abandon() {
        guard let aside = pendingReplacement else { return }
        let fm = FileManager.default
        for name in Self.ownedNames where fm.fileExists(atPath: path + "/" + name) || isSymlink(path + "/" + name) {
            try? fm.removeItem(atPath: path + "/" + name)
        }
        let names = (try? fm.contentsOfDirectory(atPath: aside)) ?? []
        var restored = true
        for name in names where rename(aside + "/" + name, path + "/" + name) != 0 { restored = false }
        if restored { try? fm.removeItem(atPath: aside); pendingReplacement = nil }
        syncFolder(path)
    }

    /// A replacement that a killed process left: when the new run never got a checkpoint, its
    /// files are removed and the old run's restored; otherwise the old run's files are deleted.
    func recoverPendingReplacement() throws {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        for name in entries where name.hasPrefix(Self.replacedPrefix) {
            pendingReplacement = path + "/" + name
            if checkpoints().isEmpty { abandon() } else { commitReplacement() }
        }
    }

    /// Removes `.NAME.PID.tmp` files of writes that a killed process left (the lock is held, so no
    /// other Saddle process is writing them).
    func removeStaleTemporaries() {
        let fm = FileManager.default
        for folder in [path, checkpointsPath, path + "/" + TensorBoardLog.folderName] {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                try? fm.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    private func isSymlink(_ p: String) -> Bool { (try? FileManager.default.destinationOfSymbolicLink(atPath: p)) != nil }

    // MARK: Files

    public func writeConfiguration(_ yaml: String) throws { try atomicWrite(yaml, to: path + "/config.yaml", kind: .config) }

    public func readConfiguration() throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        try c.apply(configFile: path + "/config.yaml")
        return c
    }

    /// Reads the run folder's JSON (written by Formats' ``JSON``): "NaN" and "Infinity" strings
    /// stand for a diverged run's numbers.
    public static var decoder: JSONDecoder { JSON.decoder }

    public func writeSummary(_ s: TrainingSummary) throws {
        try atomicWrite(try JSON.text(s) + "\n", to: path + "/summary.json", kind: .summary)
    }

    /// The summary of a previous session, when there is one.
    public func readSummary() -> TrainingSummary? { Self.readSummary(at: path) }

    /// ``readSummary()`` of the run folder at `path`, without opening it (no lock).
    public static func readSummary(at path: String) -> TrainingSummary? {
        guard let data = try? Data(readFileBytes(path + "/summary.json", limit: RunDirectory.maximumSummaryByteCount)) else { return nil }
        return try? decoder.decode(TrainingSummary.self, from: data)
    }

    /// Appends one line to `metrics.jsonl`, whole or not at all.
    public func appendMetrics(_ r: MetricsRecord) throws {
        try appendRecord(try JSON.bytes(r) + [0x0a], to: path + "/metrics.jsonl", kind: .metrics)
    }

    /// One line of `history.jsonl`: what each session of the run did.
    public struct HistoryEvent: Codable, Sendable {
        /// `start` or `end`.
        public var event: String
        public var time: String
        public var pid: Int32
        /// The session's iteration at the event (start: where it continues from).
        public var iteration: Int
        /// Start: the total the session trains to; the command line; settings it changed (key: "old → new").
        public var iterations: Int?
        public var command: String?
        public var changes: [String: String]?
        /// End: the exit status (`completed`, `time-limit`, `interrupted`, `diverged`, `failed`).
        public var status: String?
        /// Start: OpenBLAS's kernel family (`BLAS.coreName`), which decides the last bits of the results.
        public var blasCore: String?
        public init(event: String, iteration: Int, iterations: Int? = nil, command: String? = nil, changes: [String: String]? = nil, status: String? = nil,
                    blasCore: String? = nil) {
            self.event = event
            self.time = ISO8601DateFormatter().string(from: Date())
            self.pid = getpid()
            self.iteration = iteration
            self.iterations = iterations
            self.command = command
            self.changes = changes
            self.status = status
            self.blasCore = blasCore
        }
    }

    /// The events of `history.jsonl` that parse (a torn or foreign line is skipped), oldest first.
    public func readHistory() -> [HistoryEvent] { Self.readHistory(at: path) }

    /// ``readHistory()`` of the run folder at `path`, without opening it (no lock).
    public static func readHistory(at path: String) -> [HistoryEvent] {
        // A history is a few hundred bytes per session; one larger than this is not Saddle's.
        guard let data = try? Data(readFileBytes(path + "/history.jsonl", limit: 64 << 20)) else { return [] }
        return data.split(separator: 0x0a).compactMap { try? JSONDecoder().decode(HistoryEvent.self, from: Data($0)) }
    }

    /// How the run at `path` last ended, read without opening it: the status of history.jsonl's
    /// last `end` event (summary.json's when the history has none), and summary.json when it
    /// belongs to that end (a diverged run may have none). Nil when the run never ended.
    public static func lastOutcome(at path: String) -> (status: String, summary: TrainingSummary?)? {
        let summary = readSummary(at: path)
        guard let status = readHistory(at: path).last(where: { $0.event == "end" })?.status ?? summary?.exitStatus else { return nil }
        return (status, summary?.exitStatus == status ? summary : nil)
    }

    /// A warning when the run's last session computed on another OpenBLAS kernel family than this
    /// machine's: the run continues, but its results may differ in the last bits from an
    /// uninterrupted run there. Nil when the cores agree or none was recorded.
    public func blasCoreWarning(current: String) -> String? {
        guard let recorded = readHistory().last(where: { $0.event == "start" && $0.blasCore != nil })?.blasCore,
              recorded != current else { return nil }
        return "\(path): the run so far computed with OpenBLAS core \(recorded), this machine's is \(current); it resumes, but its results may differ in the last bits from a run on \(recorded) alone"
    }

    public func appendHistory(_ e: HistoryEvent) throws {
        try appendRecord(try JSON.bytes(e) + [0x0a], to: path + "/history.jsonl", kind: .history)
    }

    /// Keeps the `metrics.jsonl` lines up to `iteration` (those written after the checkpoint a
    /// resume starts from go), and drops a torn last line that a crash in the middle of a write
    /// left; returns a sentence saying what was dropped, or nil.
    @discardableResult
    public func truncateMetrics(after iteration: Int) throws -> String? {
        let file = path + "/metrics.jsonl"
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let data = try readFileBytes(file, limit: RunDirectory.maximumMetricsByteCount)
        var kept = [UInt8](), later = 0, torn = false
        var lineStart = 0
        let bytes = data
        while lineStart < bytes.count {
            guard let end = bytes[lineStart...].firstIndex(of: 0x0a) else { torn = true; break }
            let line = Array(bytes[lineStart..<end])
            lineStart = end + 1
            guard let obj = try? JSONSerialization.jsonObject(with: Foundation.Data(line)) as? [String: Any],
                  let k = obj["iteration"] as? Int else { torn = true; continue }
            if k <= iteration { kept += line + [0x0a] } else { later += 1 }
        }
        guard later > 0 || torn else { return nil }
        try atomicWrite(kept, to: file, kind: .metrics)
        var parts: [String] = []
        if later > 0 { parts.append("\(later) line(s) past iteration \(iteration)") }
        if torn { parts.append("an incomplete line a crash left") }
        return "metrics.jsonl: dropped " + parts.joined(separator: " and ")
    }

    // MARK: Checkpoints

    /// The file name of the checkpoint of `iteration`: at least 8 digits, more when needed.
    public static func checkpointName(_ iteration: Int) -> String {
        let digits = String(iteration)
        return "iteration-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".safetensors"
    }

    /// Completed checkpoints, oldest first, as (iteration, path).
    public func checkpoints() -> [(iteration: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("iteration-"), name.hasSuffix(".safetensors") else { return nil }
            let digits = name.dropFirst("iteration-".count).dropLast(".safetensors".count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let k = Int(digits) else { return nil }
            return (k, checkpointsPath + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// The newest checkpoint, or nil.
    public func latestCheckpoint() -> String? { checkpoints().last?.path }

    /// Writes a checkpoint atomically, then deletes all but the two newest (so a crash at any
    /// point leaves at least one complete checkpoint); the first checkpoint of a run that replaced
    /// another also deletes the replaced run's files. Returns the checkpoint's path.
    @discardableResult
    public func writeCheckpoint(_ file: SafeTensors, iteration: Int) throws -> String {
        let p = checkpointsPath + "/" + Self.checkpointName(iteration)
        try atomicWrite(file.serialized(), to: p, kind: .checkpoint)
        commitReplacement()
        for old in checkpoints().dropLast(2) where old.path != p { try? FileManager.default.removeItem(atPath: old.path) }
        return p
    }

    /// Moves a damaged checkpoint out of the way (`NAME.damaged`), so it is neither resumed from
    /// nor counted among the two kept.
    public func setAside(damagedCheckpoint p: String) {
        _ = rename(p, p + ".damaged")
    }
}
