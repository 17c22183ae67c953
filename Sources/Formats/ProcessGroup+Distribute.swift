import Foundation
import Tensors

extension ProcessGroup {
    /// `body(i)` for every i in 0..<count, item i computed on rank i mod R, the results (encoded as
    /// JSON by ``JSON``, which writes every Double so that it reads back to the same bits) then sent from each rank to all in rank order: every rank
    /// returns all `count` results in index order. Bits do not depend on R when each item is a
    /// deterministic, single-process computation (a study's grid cell, a sweep's run). An error in
    /// any item is rethrown, on every rank, as the error of the first failing index (its
    /// description; the others wait for no one).
    public func distribute<T: Codable>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard size > 1 else { return try (0..<count).map(body) }
        let decoder = JSON.decoder
        var mine: [DistributedItem<T>] = []
        for i in stride(from: rank, to: count, by: size) {
            do { mine.append(DistributedItem(index: i, value: try body(i), failure: nil)) } catch {
                mine.append(DistributedItem(index: i, value: nil, failure: "\(error)"))
            }
        }
        var all: [T?] = Array(repeating: nil, count: count)
        var failures: [(Int, String)] = []
        for r in 0..<size {
            var bytes: [UInt8] = []
            if r == rank { bytes = (try? JSON.bytes(mine)) ?? [] }
            let received = broadcast(bytes, from: r)
            guard let items = try? decoder.decode([DistributedItem<T>].self, from: Data(received)) else {
                throw DistributionError(description: "rank \(r)'s results could not be decoded (\(received.count) bytes)")
            }
            for item in items where item.index >= 0 && item.index < count {
                if let v = item.value { all[item.index] = v }
                if let f = item.failure { failures.append((item.index, f)) }
            }
        }
        if let first = failures.min(by: { $0.0 < $1.0 }) { throw DistributionError(description: first.1) }
        guard all.allSatisfy({ $0 != nil }) else { throw DistributionError(description: "results missing after the exchange") }
        return all.map { $0! }
    }
}

struct DistributedItem<T: Codable>: Codable {
    var index: Int
    var value: T?
    var failure: String?
}

/// An item of ``ProcessGroup/distribute(_:_:)`` failed (its error's description) or the exchange did.
public struct DistributionError: Error, CustomStringConvertible {
    public let description: String
}
