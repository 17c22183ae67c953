import CMPI
import Foundation
import Tensors

/// MPI_COMM_WORLD of Open MPI as a ``ProcessGroup``: the ranks that `mpirun -np R saddle …` starts.
///
/// The collectives are MPI's own: `MPI_Allgather` of bytes (every rank then sums the shards
/// itself, in Saddle's fixed tree — not `MPI_Allreduce`, whose summation order is the library's
/// choice and may differ with the rank count), `MPI_Allreduce` with logical or for agreements (a
/// stop requested on one rank stops all at the same iteration) and `MPI_Bcast`. MPI is initialized
/// with `MPI_THREAD_SERIALIZED`: Saddle calls it from one thread at a time (the thread that asked
/// for F), while its own worker threads compute shards between the calls.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// `MPI_Get_library_version`'s first line, e.g. "Open MPI v4.1.4, …".
    public let libraryVersion: String
    private var finalized = false

    /// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMIx): the
    /// launcher's environment variables are set.
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { env[$0] != nil }
    }

    /// The version of the MPI library this program was built against (no initialization needed).
    public static var libraryVersionString: String {
        var buffer = [CChar](repeating: 0, count: Int(saddle_mpi_max_library_version_string()) + 1)
        var length: Int32 = 0
        _ = MPI_Get_library_version(&buffer, &length)
        let full = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return full.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? full
    }

    /// Initializes MPI (once per process) and joins MPI_COMM_WORLD.
    public init() throws {
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, saddle_mpi_thread_serialized(), &provided) == saddle_mpi_success() else {
            throw MPIError("MPI_Init_thread failed")
        }
        guard provided >= saddle_mpi_thread_serialized() else {
            throw MPIError("the MPI library provides thread level \(provided), below MPI_THREAD_SERIALIZED")
        }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(saddle_mpi_comm_world(), &r)
        MPI_Comm_size(saddle_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
        libraryVersion = Self.libraryVersionString
    }

    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        ensure(receive.count == send.count * size, "MPIProcessGroup.allGather: \(send.count) bytes × \(size) ranks into \(receive.count)")
        ensure(send.count <= Int(Int32.max), "MPIProcessGroup.allGather: \(send.count) bytes per rank exceed MPI's int count")
        let code = MPI_Allgather(send.baseAddress, Int32(send.count), saddle_mpi_byte(),
                                 receive.baseAddress, Int32(send.count), saddle_mpi_byte(), saddle_mpi_comm_world())
        check(code, "MPI_Allgather")
    }

    public func any(_ flag: Bool) -> Bool {
        var mine: Int32 = flag ? 1 : 0, all: Int32 = 0
        check(MPI_Allreduce(&mine, &all, 1, saddle_mpi_int(), saddle_mpi_lor(), saddle_mpi_comm_world()), "MPI_Allreduce")
        return all != 0
    }

    public func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] {
        var count: Int64 = rank == root ? Int64(bytes.count) : 0
        check(MPI_Bcast(&count, 1, saddle_mpi_long_long(), Int32(root), saddle_mpi_comm_world()), "MPI_Bcast")
        ensure(count >= 0 && count <= Int64(Int32.max), "MPIProcessGroup.broadcast: \(count) bytes")
        var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
        if count > 0 {
            check(buffer.withUnsafeMutableBytes { MPI_Bcast($0.baseAddress, Int32(count), saddle_mpi_byte(), Int32(root), saddle_mpi_comm_world()) },
                  "MPI_Bcast")
        }
        return buffer
    }

    /// Ends every rank of the job with `code` (MPI_Abort): for an error on one rank, which the
    /// others, waiting in a collective, would otherwise wait for forever.
    public func abort(code: Int32) -> Never {
        MPI_Abort(saddle_mpi_comm_world(), code)
        exit(code)
    }

    /// MPI_Finalize, once; call on every rank before a normal exit.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    private func check(_ code: Int32, _ call: String) {
        // MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts the job before this returns.
        ensure(code == saddle_mpi_success(), "\(call) failed with code \(code) on rank \(rank)")
    }
}

/// MPI could not be set up.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
