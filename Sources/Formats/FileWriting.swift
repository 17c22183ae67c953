import Foundation

/// What a write is, for error messages and for the fault-injection seam of the crash and
/// disk-full tests (``WriteFaults``).
public enum FileKind: String, Sendable, CaseIterable, Codable {
    case marker, config, history, metrics, checkpoint, summary, report, plot, output, tensorboard, journal, other
}

/// Every file Saddle writes goes through ``atomicWrite(_:to:kind:durable:)`` (whole files) or
/// ``appendRecord(_:to:kind:)`` (one line of a log), which share one loop over write(2). Both are
/// all-or-nothing: a crash or a full disk leaves the old file (or the log without the new line),
/// never part of the new bytes in place of the old ones.
///
/// The loop is also the one place where a test can inject a fault (``WriteFaults``).
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, kind: FileKind, path: String) throws {
    var done = 0
    let plan = WriteFaults.current?.willWrite(kind: kind, path: path, count: bytes.count)
    while done < bytes.count {
        var chunk = min(bytes.count - done, 1 << 16)
        if let stop = plan?.killAfter, stop < done + chunk { chunk = stop - done }
        if chunk > 0 {
            let n = write(fd, bytes.baseAddress! + done, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { throw FormatError.unwritable(file: path, reason: "write returned 0") }
            done += n
        }
        if let stop = plan?.killAfter, done >= stop { WriteFaults.killNow() }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it (`.NAME.PID.tmp`), then rename(2)
/// over `path`, which is atomic on one file system, so a crash or a full disk leaves either the old
/// file or the new one, never a partial one. With `durable` (the default) the data are flushed with
/// fsync(2) before the rename and the folder after it, so the new file survives a power loss too;
/// plots, redrawn at every log interval, skip that.
public func atomicWrite(_ bytes: [UInt8], to path: String, kind: FileKind = .other, durable: Bool = true) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let tmp = folder + "/.\(url.lastPathComponent).\(getpid()).tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
    do {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, kind: kind, path: path) }
        if durable, fsync(fd) != 0 { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
    } catch {
        close(fd)
        unlink(tmp)
        throw error
    }
    // close(2) can report a deferred write error (NFS, some full-disk cases).
    guard close(fd) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw FormatError.unwritable(file: path, reason: reason)
    }
    guard rename(tmp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw FormatError.unwritable(file: path, reason: reason)
    }
    if durable { syncFolder(folder) }
}

/// Writes UTF-8 text atomically (see ``atomicWrite(_:to:kind:durable:)-([UInt8],_,_,_)``).
public func atomicWrite(_ text: String, to path: String, kind: FileKind = .other, durable: Bool = true) throws {
    try atomicWrite(Array(text.utf8), to: path, kind: kind, durable: durable)
}

/// Appends one record (a line, ending in a newline) to `path`, creating the file: written whole or
/// not at all. On a failed write (a full disk) the file is truncated back to its length before the
/// call and the error is thrown, so the log never keeps part of a line. Only a crash in the middle
/// of the write can leave a torn last line; readers drop a last line without its newline
/// (``RunDirectory``'s resume does, and says so).
public func appendRecord(_ bytes: [UInt8], to path: String, kind: FileKind) throws {
    let bytes = bytes.last == 0x0a ? bytes : bytes + [0x0a]
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
    let before = info.st_size
    do {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, kind: kind, path: path) }
        guard fsync(fd) == 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
    } catch {
        _ = ftruncate(fd, before)
        throw error
    }
}

/// fsync(2) on a folder, so a rename or a new file in it is on disk (best effort: some file
/// systems refuse it, which changes nothing for a crash of the process itself).
package func syncFolder(_ path: String) {
    let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}

/// The fault-injection seam of the crash-safety and disk-full tests. The `saddle` program's hidden
/// `--test-faults` flag installs one; the library never does, and reads no environment variable.
///
/// Faults are set in bytes of file data, counted over every write the process makes through
/// ``atomicWrite(_:to:kind:durable:)`` and ``appendRecord(_:to:kind:)``:
/// - `killAfterBytes = n`: SIGKILL once the n-th byte has been written (in the middle of a write
///   when n falls inside one);
/// - `fillDisk = (kind, k)`: before the k-th write (from 1) of that kind, fill the file system the
///   file is on (a file `.saddle-test-filler` in its folder grows until write(2) fails with ENOSPC),
///   so the write meets a real full disk.
/// With `log` set, every write's (kind, first byte, end byte, path) is recorded, for `--test-faults
/// report=FILE`, which the tests use to choose kill points inside writes of each kind.
package final class WriteFaults: @unchecked Sendable {
    nonisolated(unsafe) package static var current: WriteFaults?

    package var killAfterBytes: Int?
    package var fillDisk: (kind: FileKind, ordinal: Int)?
    package private(set) var written = 0
    package private(set) var log: [(kind: FileKind, start: Int, end: Int, path: String)] = []
    private var counts: [FileKind: Int] = [:]

    package init() {}

    struct Plan { var killAfter: Int? }

    func willWrite(kind: FileKind, path: String, count: Int) -> Plan {
        counts[kind, default: 0] += 1
        if let f = fillDisk, f.kind == kind, f.ordinal == counts[kind] {
            Self.fill(folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        let start = written
        written += count
        log.append((kind, start, written, path))
        guard let k = killAfterBytes, k < written else { return Plan(killAfter: nil) }
        return Plan(killAfter: max(0, k - start))
    }

    static func killNow() -> Never {
        kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// Grows a filler file until the disk is full.
    static func fill(folder: String) {
        let fd = open(folder + "/.saddle-test-filler", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x5a, count: 1 << 16)
        var size = block.count
        while size >= 1 {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress!, size) }
            if n <= 0 { size /= 2 }   // the last blocks of a nearly full disk
        }
        _ = fsync(fd)
    }

    /// The write log as JSON lines: {"kind", "start", "end", "path"}.
    package func report() -> String {
        log.map { JSONValue.object([("kind", .string($0.kind.rawValue)), ("start", .integer(Int64($0.start))),
                                    ("end", .integer(Int64($0.end))), ("path", .string($0.path))]).text() + "\n" }.joined()
    }
}

/// Creates `path` and any missing parent folders (mkdir -p), with mode 0755; an existing folder is
/// fine. Throws ``FormatError/unwritable(file:reason:)`` naming the component that failed and why
/// (strerror: "Not a directory" when a parent is a file).
public func makeFolders(_ path: String) throws {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
        prefix += part + "/"
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            throw FormatError.unwritable(file: String(prefix.dropLast()), reason: String(cString: strerror(errno)))
        }
        var info = stat()
        if stat(prefix, &info) != 0 {
            throw FormatError.unwritable(file: String(prefix.dropLast()), reason: String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            throw FormatError.unwritable(file: String(prefix.dropLast()), reason: "Not a directory")
        }
    }
}
