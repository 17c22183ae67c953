import Foundation

/// The Python interpreter the interoperability tests use: `SADDLE_PYTHON` (scripts/test's venv),
/// else the system's python3, the first that can `import` the given modules; nil when none can.
public func pythonImporting(_ modules: String) -> String? {
    let candidates = [ProcessInfo.processInfo.environment["SADDLE_PYTHON"], "/usr/bin/python3", "/usr/local/bin/python3"].compactMap { $0 }
    for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: c)
        p.arguments = ["-c", "import " + modules]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { continue }
        p.waitUntilExit()
        if p.terminationStatus == 0 { return c }
    }
    return nil
}

/// ``pythonImporting(_:)``, printing a SKIPPED line naming `suite` when no interpreter has the modules.
public func pythonImporting(_ modules: String, orSkipping suite: String) -> String? {
    let found = pythonImporting(modules)
    if found == nil { print("SKIPPED \(suite): no python3 that can import \(modules) (scripts/test installs them into its venv; set SADDLE_PYTHON)") }
    return found
}

/// Runs `script` (Python source) with `interpreter` and `arguments`; its exit status and what it
/// printed on standard output and standard error.
public func runPython(_ interpreter: String, script: String, arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: interpreter)
    p.arguments = ["-c", script] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, stdout, stderr)
}
