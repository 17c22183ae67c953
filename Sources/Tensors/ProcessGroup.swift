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
