import Foundation

/// Checks a large allocation against the machine's memory before it is made, so a size typed by
/// mistake (a flag, a config key, a header) is a one-line error and not an out-of-memory kill.
///
/// The budget is three quarters of the physical memory. Estimates are in bytes, computed in
/// `Double` so that no product of sizes can overflow.
public enum MemoryBudget {
    /// Three quarters of the physical memory, in bytes.
    public static var bytes: Double { Double(ProcessInfo.processInfo.physicalMemory) * 0.75 }

    /// Throws ``MemoryBudgetError`` when `needed` bytes exceed the budget; `what` names the request
    /// (`--dimension 100000 (bilinear-matrix: A is n × n Float64)`).
    public static func require(_ needed: Double, for what: String) throws {
        guard needed.isFinite, needed <= bytes else { throw MemoryBudgetError(request: what, needed: needed, available: bytes) }
    }

    /// "12.3 GB", "450 MB".
    public static func format(_ b: Double) -> String {
        guard b.isFinite else { return "more than any machine has" }
        if b >= 1e12 { return String(format: "%.3g TB", b / 1e12) }
        if b >= 1e9 { return String(format: "%.3g GB", b / 1e9) }
        return String(format: "%.3g MB", b / 1e6)
    }
}

/// A request for more memory than the budget.
public struct MemoryBudgetError: Error, Equatable, CustomStringConvertible {
    public let request: String
    public let needed: Double
    public let available: Double
    public var description: String {
        "\(request) would need \(MemoryBudget.format(needed)) of memory; this machine allows \(MemoryBudget.format(available)) (3/4 of its memory)"
    }
}
