import Foundation

/// Runs the built `saddle` program, for tests of what users see: exit codes, messages, output.
///
/// The binary sits beside the test bundle in the build folder (`swift build -c release
/// --build-tests` builds both; `scripts/test` does that). SADDLE_BINARY overrides the location.
public enum SaddleBinary {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
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
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
