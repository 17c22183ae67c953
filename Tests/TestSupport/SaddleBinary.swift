import Foundation
import Saddle

/// Runs the built `saddle` program, for tests of what users see: exit codes, messages, output.
///
/// The binary sits beside the test bundle in the build folder (`swift build -c release
/// --build-tests` builds both; `scripts/test` does that). SADDLE_BINARY overrides the location.
public enum SaddleBinary {
    public struct Result {
        /// The exit status, or the signal's number when ``signaled``.
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Whether a signal ended the process (SIGKILL in the crash tests).
        public var signaled = false
    }

    public static var url: URL {
        if let p = ProcessInfo.processInfo.environment["SADDLE_BINARY"] { return URL(fileURLWithPath: p) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the runner is <build>/saddlePackageTests.xctest; elsewhere it may sit deeper.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("saddle")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "saddle-not-built: run `swift build -c release` (scripts/test does)")
    }

    /// Runs `saddle` with `arguments` and waits for it; `directory` is its working directory (this
    /// process's by default). Its environment is this process's with `environment` added and the
    /// variables in `unsetting` removed.
    public static func run(_ arguments: [String], environment: [String: String] = [:], unsetting: Set<String> = [],
                           directory: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for k in unsetting { env[k] = nil }
        p.environment = env
        // Output goes to temporary files: no pipe can fill up and block the child.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), signaled: p.terminationReason == .uncaughtSignal)
    }
}

/// The write log of a `saddle` run (`--test-faults report=FILE`): each file write's kind, path and
/// span in the process's count of bytes written, for choosing fault points inside writes.
public struct WriteLog {
    public struct Write { public let kind: String; public let start: Int; public let end: Int; public let path: String }

    /// Runs `saddle arguments --test-faults report=…` (which must succeed) and returns its writes.
    public static func record(_ arguments: [String]) throws -> [Write] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-writes-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try SaddleBinary.run(arguments + ["--test-faults", "report=\(file)"])
        guard r.status == 0 else { throw Failure(description: "the recording run failed: \(r.stderr)") }
        return try parse(String(contentsOfFile: file, encoding: .utf8))
    }

    public static func parse(_ text: String) throws -> [Write] {
        try text.split(separator: "\n").map { line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = o["kind"] as? String, let start = o["start"] as? Int, let end = o["end"] as? Int, let path = o["path"] as? String
            else { throw Failure(description: "bad write-log line: \(line)") }
            return Write(kind: kind, start: start, end: end, path: path)
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }
}

/// Open MPI for the tests of `mpirun -np R saddle …` (docs/scaling.md).
public enum MPILauncher {
    /// What the MPI tests need and lack, or nil when `mpirun` is on the PATH and `saddle` was built
    /// with SADDLE_MPI=1. With SADDLE_REQUIRE_MPI=1 (scripts/test sets it) a lack is a test failure.
    public static let unavailable: String? = {
        guard let v = try? SaddleBinary.run(["--version"]), v.stdout.contains("(MPI:") else {
            return "saddle was built without Open MPI (build with SADDLE_MPI=1; scripts/test does)"
        }
        return path == nil ? "mpirun is not on the PATH (Debian: openmpi-bin)" : nil
    }()

    public static var required: Bool { ProcessInfo.processInfo.environment["SADDLE_REQUIRE_MPI"] == "1" }

    /// Whether an MPI suite runs: MPI is here, or required (and its init then fails).
    public static var shouldRun: Bool { unavailable == nil || required }
    public static var skipReason: String { "Open MPI tests skipped: \(unavailable ?? "")" }

    /// For an MPI suite's init: throws when MPI is required here (SADDLE_REQUIRE_MPI=1) but unavailable.
    public static func requireIfNeeded() throws {
        if let why = unavailable { throw Unavailable(description: "SADDLE_REQUIRE_MPI=1, but \(why)") }
    }
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    static let path: String? = {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { $0 + "/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// What Open MPI needs to run in a container as root, oversubscribed.
    public static let environment = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_rmaps_base_oversubscribe": "1",
    ]

    /// `mpirun -np ranks saddle arguments…`, started (not waited for).
    public static func start(ranks: Int, _ arguments: [String], stdout: URL, stderr: URL) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/mpirun")
        p.arguments = ["--oversubscribe", "-np", "\(ranks)", SaddleBinary.url.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: stdout)
        p.standardError = try FileHandle(forWritingTo: stderr)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// `mpirun -np ranks saddle arguments…`, waited for.
    public static func run(ranks: Int, _ arguments: [String]) throws -> SaddleBinary.Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        let p = try start(ranks: ranks, arguments, stdout: out, stderr: err)
        p.waitUntilExit()
        return SaddleBinary.Result(status: p.terminationStatus, stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// The process ids of the ranks `mpirun` (process `launcher`) started, by rank (read from
    /// each child's OMPI_COMM_WORLD_RANK).
    public static func ranks(of launcher: Int32) -> [Int: Int32] {
        var found: [Int: Int32] = [:]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return found }
        for e in entries {
            guard let pid = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8) else { continue }
            // Field 4 (after the parenthesized name) is the parent's pid.
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == launcher,
                  let env = FileManager.default.contents(atPath: "/proc/\(e)/environ") else { continue }
            for entry in env.split(separator: 0) {
                let s = String(decoding: entry, as: UTF8.self)
                if s.hasPrefix("OMPI_COMM_WORLD_RANK="), let r = Int(s.dropFirst("OMPI_COMM_WORLD_RANK=".count)) { found[r] = pid }
            }
        }
        return found
    }
}

/// The tensors of the run folder `dir`'s checkpoint at `iteration`, by name, as raw bytes: two runs
/// are bit-identical when these are equal.
public func checkpointBytes(_ dir: String, iteration: Int) throws -> [String: [UInt8]] {
    let f = try SafeTensors.read(dir + "/checkpoints/" + String(format: "iteration-%08d.safetensors", iteration))
    return Dictionary(uniqueKeysWithValues: f.entries.map { e in
        (e.name, [UInt8](UnsafeRawBufferPointer(start: e.tensor.address, count: e.tensor.count * e.tensor.dtype.byteSize)))
    })
}
