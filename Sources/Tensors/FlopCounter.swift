/// Counts the floating-point operations of the matrix products run inside ``measure(_:)``
/// (2·m·n·k per product), on the current task or thread only.
///
/// Benchmarks report GFLOP/s from what actually ran rather than from a formula that could drift
/// away from the code.
public final class FlopCounter: @unchecked Sendable {
    @TaskLocal static var current: FlopCounter?

    /// Floating-point operations counted so far.
    public private(set) var flops: Double = 0
    /// Matrix products counted so far.
    public private(set) var products = 0

    public init() {}

    /// Runs `body`, counting its matrix products into this counter.
    public func measure<R>(_ body: () throws -> R) rethrows -> R {
        try FlopCounter.$current.withValue(self, operation: body)
    }

    @inline(__always)
    static func record(m: Int, n: Int, k: Int) {
        guard let c = current else { return }
        c.flops += 2 * Double(m) * Double(n) * Double(k)
        c.products += 1
    }
}
