import ArgumentParser
import Foundation
import Saddle
#if canImport(SaddleMPI)
import SaddleMPI
#endif

/// The processes this `saddle` runs with: MPI_COMM_WORLD when `mpirun` started it (and this
/// program was built with SADDLE_MPI=1), else this process alone.
enum World {
    nonisolated(unsafe) private static var joined: (any ProcessGroup)?

    /// Whether this build links Open MPI, and its version.
    static var mpiSupport: String? {
        #if canImport(SaddleMPI)
        return MPIProcessGroup.libraryVersionString
        #else
        return nil
        #endif
    }

    /// Joins the world: MPI is initialized only under an MPI launcher.
    static func join() throws -> any ProcessGroup {
        if let g = joined { return g }
        var group: any ProcessGroup = SingleProcess.shared
        #if canImport(SaddleMPI)
        if MPIProcessGroup.launchedByMPI { group = try MPIProcessGroup() }
        #else
        if let size = launcherSize, size > 1 {
            throw CLIError("started by an MPI launcher with \(size) processes, but this saddle was built without Open MPI: build it with SADDLE_MPI=1 (scripts/install-deps installs Open MPI; see docs/scaling.md)")
        }
        #endif
        joined = group
        return group
    }

    /// The process count and this process's rank that an MPI launcher announces (nil outside one).
    static var launcherSize: Int? {
        let env = ProcessInfo.processInfo.environment
        return (env["OMPI_COMM_WORLD_SIZE"] ?? env["PMIX_SIZE"] ?? env["PMI_SIZE"]).flatMap { Int($0) }
    }
    static var launcherRank: Int {
        let env = ProcessInfo.processInfo.environment
        return (env["OMPI_COMM_WORLD_RANK"] ?? env["PMIX_RANK"] ?? env["PMI_RANK"]).flatMap { Int($0) } ?? 0
    }

    /// The ranks on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE; 1 outside MPI).
    static var localRanks: Int {
        Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1
    }

    /// Runs a command's `body` in the world (``join()``; an error joining is one line and exit 1),
    /// and ends MPI after it, however it ends.
    static func run(_ body: (any ProcessGroup) throws -> Void) throws {
        let world: any ProcessGroup
        do { world = try join() } catch { Console.error("Error: \(error)"); throw ExitCode.failure }
        defer { finish() }
        try body(world)
    }

    /// The error line of a command run in `group`: under MPI it names the rank.
    static func errorLine(_ group: any ProcessGroup, _ error: Error) -> String {
        group.size > 1 ? "Error (rank \(group.rank) of \(group.size)): \(error)" : "Error: \(error)"
    }

    /// Ends MPI before a normal exit (every rank).
    static func finish() {
        #if canImport(SaddleMPI)
        (joined as? MPIProcessGroup)?.finalize()
        #endif
    }

    /// Ends every rank of `group` at once after an error on this one (no rank is left waiting in a
    /// collective); for a group of one process, returns.
    static func abort(_ group: any ProcessGroup, code: Int32) {
        #if canImport(SaddleMPI)
        if let g = group as? MPIProcessGroup, g.size > 1 { g.abort(code: code) }
        #endif
    }

    /// Runs `check` on rank 0 while the other ranks wait (a broadcast); an error there ends every
    /// rank (printed once, by rank 0). For one process, just runs it.
    static func onRankZeroFirst(_ group: any ProcessGroup, _ check: () throws -> Void) throws {
        guard group.size > 1 else { try check(); return }
        if group.rank == 0 {
            do { try check() } catch {
                Console.error("Error: \(error)")
                abort(group, code: 1)
                throw error
            }
        }
        _ = group.broadcast([1], from: 0)
    }
}
