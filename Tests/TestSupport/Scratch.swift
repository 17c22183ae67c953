import Foundation

/// A new, empty folder under the system's temporary folder, named `saddle-<tag>-<UUID>`; the test
/// removes it when done.
public func makeScratchFolder(_ tag: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-\(tag)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
