import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Text for the terminal. Writes go straight to the file descriptor with write(2) and ignore
/// failures (a closed pipe, a full disk behind a redirect): a message that cannot be shown must not
/// stop a run. (Foundation's non-throwing `FileHandle.write(_:)` traps on such failures.)
enum Console {
    /// A line (or several) on stderr: progress, warnings, errors.
    static func error(_ text: String) { put(2, text.hasSuffix("\n") || text.hasSuffix("\u{1B}[K") ? text : text + "\n") }
    /// Text on stderr without a newline (a redrawn progress bar).
    static func errorRaw(_ text: String) { put(2, text) }
    /// Text on stdout as is.
    static func out(_ text: String) { put(1, text) }

    private static func put(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}
