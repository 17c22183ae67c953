import Foundation

/// The processes that compute one run together: one per MPI rank under `mpirun`, or just this one.
///
/// A minibatch's S shards are spread over the group's ranks, S/R each (``DifferentiableGame``):
/// every rank computes its own shards, ``allGather(_:into:)`` gives every rank every shard's
/// result, and every rank combines them in the same fixed order, so all ranks hold the same bits —
/// the bits of a one-process run with the same S — and then take the same step. Everything else a
/// run does (metrics, the solver's update) every rank does alike; only rank 0 writes files.
///
/// Saddle's library never starts or ends a group; the `saddle` program makes one
/// (`SaddleMPI.MPIProcessGroup` when launched by `mpirun`) and hands it to the game. A user's own
/// transport (another MPI binding, a test double) adopts this protocol.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's index, 0..<size.
    var rank: Int { get }
    /// The number of processes, R ≥ 1.
    var size: Int { get }
    /// Every rank passes the same number of bytes; `receive` (size × that many) gets rank 0's bytes,
    /// then rank 1's, … on every rank. A collective: every rank must call it, in the same order.
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer)
    /// Whether `flag` is true on any rank, on every rank (a collective).
    func any(_ flag: Bool) -> Bool
    /// Rank `root`'s bytes, on every rank (the others' `bytes` are ignored; a collective).
    func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8]
}

/// The group of one process: no communication at all.
public final class SingleProcess: ProcessGroup {
    public static let shared = SingleProcess()
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        ensure(receive.count == send.count, "SingleProcess.allGather: \(send.count) bytes into \(receive.count)")
        if let s = send.baseAddress, let r = receive.baseAddress { r.copyMemory(from: s, byteCount: send.count) }
    }
    public func any(_ flag: Bool) -> Bool { flag }
    public func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { bytes }
}

extension ProcessGroup {
    /// `body(i)` for every i in 0..<count, item i computed on rank i mod R, the results (encoded as
    /// JSON, ±infinity and NaN as strings) then sent from each rank to all in rank order: every rank
    /// returns all `count` results in index order. Bits do not depend on R when each item is a
    /// deterministic, single-process computation (a study's grid cell, a sweep's run). An error in
    /// any item is rethrown, on every rank, as the error of the first failing index (its
    /// description; the others wait for no one).
    public func distribute<T: Codable>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard size > 1 else { return try (0..<count).map(body) }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
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
            if r == rank { bytes = Array((try? encoder.encode(mine)) ?? Data()) }
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
