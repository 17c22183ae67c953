import Foundation
import Formats
import Games
import Runs
import Tensors

/// The journal of a study's finished training runs: what lets a study that takes hours (the
/// mixed-Nash study's parts take 15–80 minutes on two cores, the whole primary study 11.1 CPU-hours) lose
/// at most the runs in flight when it is killed, and resume where it stopped.
///
/// The journal is a folder (`<out>/journal/`). Each process that runs a study writes the runs it
/// finishes to a file of its own — `<UTC time>-<pid>-rank<r>-<random>.jsonl`, one JSON line per run, appended
/// and flushed with fsync(2) by ``appendRecord(_:to:kind:)`` — and never touches another file, so
/// MPI ranks never share a file and a resumed study never rewrites what an earlier one wrote. A line is
///
///     {"format":"saddle-run-journal","version":1,"origin":"<git commit> on <BLAS core>","key":"<sha256>",
///      "entry":"adam#2","seed":100,"run":{…GANComparison.Run…}}
///
/// where `key` is the SHA-256 of the run's entry name and its complete ``TrainingConfiguration`` (seed,
/// iteration count and log interval included) as JSON, and for MNIST of the data file's and the
/// classifier's bytes: a run is reused only for the very configuration it was trained with, scored
/// by the very classifier. Doubles are written so that they read back to the same bits (``JSON``), so a
/// resumed study's tables and verdicts are those an uninterrupted one writes — provided the runs come
/// from the same build on the same kind of CPU (OpenBLAS's kernels differ between CPU kinds, and a
/// different build may differ in any bit). Lines of another `origin` are therefore not reused: those
/// runs train again, and ``ignoredOtherOrigin`` counts them — unless the caller names their build
/// in `acceptedBuilds` (`saddle reproduce mixed-nash --reuse-build`: a change to how a study scores
/// its curves, not to how it trains, need not train 1,000 runs again; ``countFromAcceptedBuilds``
/// says how many runs such a build recorded).
///
/// Reading checks every line: a line that is not a journal record is an error naming the file and
/// line, except a last line without its newline — a write cut by a kill — which is dropped and
/// counted in ``tornLines``. Under MPI, rank 0 reads the folder and sends what it read to every rank
/// (the folder must be on a file system every rank sees for the ranks' own files to be found again).
public final class RunJournal: @unchecked Sendable {
    public static let folderName = "journal"
    public static let format = "saddle-run-journal"
    public static let version = 1
    /// A journal file larger than this is refused (a full study's journal is about 20–30 MB).
    public static let maximumFileBytes = 1 << 30

    /// The journal folder.
    public let folder: String
    /// This build and CPU kind: runs of another origin are not reused.
    public let origin: String
    /// Journal lines from another build or CPU kind, not reused.
    public private(set) var ignoredOtherOrigin = 0
    /// Git commits (or prefixes of them) whose runs on this CPU kind are reused as this build's.
    public let acceptedBuilds: [String]
    /// Last lines cut by a kill (no newline), dropped.
    public private(set) var tornLines = 0
    /// The runs read from the folder, by key, with the origin that recorded them.
    private var stored: [String: (run: GANComparison.Run, origin: String)] = [:]
    /// This process's journal file, created at its first run.
    private let file: String
    private let lock = NSLock()

    /// The origin of this process's runs: the build's git commit and OpenBLAS's kernel family.
    public static var currentOrigin: String { "\(BuildInformation.gitCommit ?? "unknown build") on \(BLAS.coreName)" }

    /// Opens the journal in `folder` (created if missing). With `reuse`, the runs already recorded
    /// there are read (on rank 0, sent to every rank of `group`) and ``storedRun(forKey:)`` returns
    /// them; without it the folder's earlier files are left as they are and not read. Runs of
    /// another origin are reused only when recorded on the same CPU kind by a build whose commit
    /// starts with one of `acceptedBuilds`. Every rank of `group` must call this; a reading error is
    /// thrown on every rank.
    public init(folder: String, reuse: Bool, group: any ProcessGroup = SingleProcess.shared, origin: String = RunJournal.currentOrigin,
                acceptedBuilds: [String] = []) throws {
        self.folder = folder
        self.origin = origin
        self.acceptedBuilds = acceptedBuilds
        let stamp = RunDirectory.timestamp()
        file = folder + "/\(stamp)-\(getpid())-rank\(group.rank)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).jsonl"
        guard reuse else {
            try makeFolders(folder)
            return
        }
        // Rank 0 reads and checks the files; the other ranks get its valid lines, or its error.
        var records: [Record] = []
        var payload: [UInt8] = []
        if group.rank == 0 {
            do {
                let read = try Self.read(folder)
                records = read.records
                tornLines = read.torn
                payload = [0] + (group.size > 1 ? Array(read.lines.joined(separator: "\n").utf8) : [])
            } catch {
                payload = [1] + Array("\(error)".utf8)
            }
        }
        let received = group.size > 1 ? group.broadcast(payload, from: 0) : payload
        guard let status = received.first else { throw JournalError(description: "\(folder): the journal could not be shared between ranks") }
        let body = String(decoding: received.dropFirst(), as: UTF8.self)
        guard status == 0 else { throw JournalError(description: body) }
        if group.rank != 0 {
            let decoder = JSON.decoder
            records = try body.split(separator: "\n").map { try decoder.decode(Record.self, from: Data($0.utf8)) }
        }
        try makeFolders(folder)
        for record in records {
            guard accepts(record.origin) else { ignoredOtherOrigin += 1; continue }
            // This build's own run of a key comes first; of other origins, the first read.
            if stored[record.key] == nil || (record.origin == origin && stored[record.key]!.origin != origin) {
                stored[record.key] = (record.run, record.origin)
            }
        }
    }

    /// Whether runs of `other` origin are reused: this origin, or an accepted build on this CPU kind.
    func accepts(_ other: String) -> Bool {
        if other == origin { return true }
        let (commit, core) = Self.split(other), mine = Self.split(origin)
        return core == mine.core && acceptedBuilds.contains { !$0.isEmpty && commit.hasPrefix($0) }
    }

    /// "<commit> on <core>" → (commit, core).
    static func split(_ origin: String) -> (commit: String, core: String) {
        guard let r = origin.range(of: " on ") else { return (origin, "") }
        return (String(origin[..<r.lowerBound]), String(origin[r.upperBound...]))
    }

    /// The number of runs available for reuse.
    public var count: Int { stored.count }
    /// Of ``count``, the runs recorded by another (accepted) build.
    public var countFromAcceptedBuilds: Int { stored.values.filter { $0.origin != origin }.count }

    /// The key of a run: SHA-256 of its entry name, its configuration's JSON (sorted keys) and,
    /// when given, what else its scores depend on (``TrainingData/scoringInputs(of:)``: MNIST's
    /// data file and classifier weights).
    public static func key(entry: String, configuration: TrainingConfiguration, inputs: String? = nil) throws -> String {
        var h = SHA256()
        h.update(Array("\(entry)\n".utf8))
        h.update(Array(try JSON.text(configuration).utf8))
        if let inputs { h.update(Array("\ninputs \(inputs)".utf8)) }
        return h.hexDigest()
    }

    /// The recorded run of `key`, if the journal holds one of this origin (or of an accepted build).
    /// With `legacyKey`, also a run that an accepted build recorded under it: the key without
    /// ``key(entry:configuration:inputs:)``'s `inputs`, as builds before 6e74fdb keyed MNIST runs —
    /// a match by configuration alone, which cannot tell which classifier scored the run
    /// (``takenByLegacyKey`` counts them).
    public func storedRun(forKey key: String, legacyKey: String? = nil) -> GANComparison.Run? {
        lock.lock()
        defer { lock.unlock() }
        if let s = stored[key] { return s.run }
        if let legacyKey, let s = stored[legacyKey], s.origin != origin {
            takenByLegacyKey += 1
            return s.run
        }
        return nil
    }
    /// Runs this process took by a legacy key (``storedRun(forKey:legacyKey:)``).
    public private(set) var takenByLegacyKey = 0

    /// Appends `run` under `key` to this process's file (durably, whole or not at all).
    public func record(_ run: GANComparison.Run, key: String) throws {
        let record = Record(format: Self.format, version: Self.version, origin: origin, key: key, entry: run.entry, seed: run.seed, run: run)
        let bytes = try JSON.bytes(record)
        lock.lock()
        defer { lock.unlock() }
        try appendRecord(bytes, to: file, kind: .journal)
        stored[key] = (run, origin)
    }

    struct Record: Codable {
        var format: String
        var version: Int
        var origin: String
        var key: String
        var entry: String
        var seed: UInt64
        var run: GANComparison.Run
    }

    /// Every complete, valid record of the folder's `.jsonl` files and its line, in file-name order;
    /// a missing folder has none. Throws on a line that is not a record, naming its file and line.
    static func read(_ folder: String) throws -> (records: [Record], lines: [String], torn: Int) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return ([], [], 0) }
        guard isDirectory.boolValue else { throw JournalError(description: "\(folder): exists and is not a folder") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted() } catch {
            throw JournalError(description: "\(folder): cannot be listed (\(error.localizedDescription))")
        }
        var records: [Record] = [], lines: [String] = [], torn = 0
        let decoder = JSON.decoder
        for name in names {
            let path = folder + "/" + name
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes?[.size] as? Int, size > maximumFileBytes {
                throw JournalError(description: "\(path): \(size) bytes, more than a journal file can hold (\(maximumFileBytes)); not a journal of this study")
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw JournalError(description: "\(path): cannot be read") }
            var parts = data.split(separator: 0x0a, omittingEmptySubsequences: false)
            // The text after the last newline: empty, or a line cut by a kill.
            if let last = parts.popLast(), !last.isEmpty { torn += 1 }
            for (i, part) in parts.enumerated() where !part.isEmpty {
                let where_ = "\(path), line \(i + 1)"
                let record: Record
                do { record = try decoder.decode(Record.self, from: Data(part)) } catch {
                    throw JournalError(description: "\(where_): not a journal record (\(Self.reason(error)))")
                }
                guard record.format == format else { throw JournalError(description: "\(where_): format is '\(record.format)', not '\(format)'") }
                guard record.version == version else {
                    throw JournalError(description: "\(where_): journal version \(record.version); this saddle reads version \(version)")
                }
                guard record.key.count == 64, record.key.allSatisfy(\.isHexDigit) else { throw JournalError(description: "\(where_): key is not a SHA-256 digest") }
                guard record.run.entry == record.entry, record.run.seed == record.seed else {
                    throw JournalError(description: "\(where_): the run's entry and seed do not match the record's")
                }
                guard record.run.cpuSeconds.count <= record.run.records.count, record.run.iterations >= 0 else {
                    throw JournalError(description: "\(where_): the run's curves are inconsistent")
                }
                records.append(record)
                lines.append(String(decoding: part, as: UTF8.self))
            }
        }
        return (records, lines, torn)
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at '\(TensorArchive.name(of: c.codingPath))'"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        default: return "\(error)"
        }
    }
}

/// A journal that cannot be read or used; the description names the file and line.
public struct JournalError: Error, CustomStringConvertible {
    public let description: String
}
