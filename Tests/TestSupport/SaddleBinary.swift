import Foundation

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

    /// Runs `saddle` with `arguments` and waits for it.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
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
