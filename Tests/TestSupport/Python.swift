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
