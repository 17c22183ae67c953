/// Checks a programmer error (a shape mismatch, an index out of range) and stops with `message`.
///
/// Why not `precondition`: in optimized builds, the ones users run, Swift's `precondition` traps
/// without printing its message, so a shape error would be an unexplained crash. `fatalError`
/// prints its message in every build mode. The message is built only when the check fails.
@inline(__always)
package func ensure(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}
