import ArgumentParser
import Foundation
import Saddle

/// The `saddle` program: thin commands over the library. Results go to stdout (one JSON object
/// with `--json`); progress and warnings go to stderr.
@main
struct SaddleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saddle",
        abstract: "Train GANs and solve two-player games as variational inequalities.",
        discussion: """
        Every method of the game-theoretic line of GAN training on the same problems, with the \
        theory's constants measured and runs bit-reproducible from a seed and a shard count.
        See README.md and docs/ for the mathematics and examples.
        """,
        version: SaddleVersion.string + (World.mpiSupport.map { " (MPI: \($0))" } ?? " (built without MPI)"),
        subcommands: [Train.self, SweepCommand.self, Sample.self, Eval.self, Report.self, Solve.self, Analyze.self, Inspect.self, Bench.self, Reproduce.self])

    /// ArgumentParser's `main`, except that a `ValidationError` thrown while a command runs (checks
    /// that need the game's sizes or a file) shows that command's usage, as one found while parsing
    /// does, instead of the top-level `saddle <subcommand>` usage.
    static func main() {
        // OpenBLAS runs on one thread here, as in every program that links Saddle (BLAS.threads):
        // Saddle's own workers (train's shards, solve's split products) each call BLAS, and a second
        // layer of OpenBLAS threads only oversubscribed the cores — measured 2026-12-03 on 2 cores,
        // 500 default training iterations at --threads 2 took 13.1 s with OpenBLAS's default
        // threads and 1.6 s with one. Commands whose BLAS work is the parallel part (analyze) raise
        // it with --threads.
        requestBetterBLASKernels()
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        // Under mpirun with several processes, a command that does not share its work over the
        // ranks would run R times, each copy writing the same files: refused, once, by rank 0.
        if let ranks = World.launcherSize, ranks > 1, !(command is any MPIAware) {
            let path = commandPath(to: Swift.type(of: command)).joined(separator: " ")
            if World.launcherRank == 0 {
                Console.error("Error: \(path) does not run under mpirun with \(ranks) processes; only saddle train, sweep, solve and reproduce asymmetric, mixed-nash and srfb share their work over MPI ranks (docs/scaling.md). Run it without mpirun.")
            }
            Foundation.exit(ExitCode.failure.rawValue)
        }
        do { try command.run() } catch let e as ValidationError {
            let type = Swift.type(of: command)
            let path = commandPath(to: type).joined(separator: " ")
            Console.error("Error: \(e.message)\nUsage: \(usageString(for: type))\n  See '\(path) --help' for more information.")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// Where OpenBLAS fell back to its generic kernels on a CPU its table does not know
    /// (``BLAS/coreToRequest``), starts this program again with `OPENBLAS_CORETYPE` naming the
    /// family the CPU can run (``BLAS/restartWithRequestedCore()``). Runs before anything else (no
    /// file opened, no MPI call made). If the restart fails, the run goes on with the generic
    /// kernels and says so.
    static func requestBetterBLASKernels() {
        if let failure = BLAS.restartWithRequestedCore() { Console.error("warning: " + failure) }
    }

    /// The names from `saddle` down to `type` (`["saddle", "reproduce", "srfb"]`).
    static func commandPath(to type: ParsableCommand.Type, from root: ParsableCommand.Type = SaddleCommand.self) -> [String] {
        let name = root.configuration.commandName ?? String(describing: root).lowercased()
        if ObjectIdentifier(root) == ObjectIdentifier(type) { return [name] }
        for sub in root.configuration.subcommands {
            let rest = commandPath(to: type, from: sub)
            if !rest.isEmpty { return [name] + rest }
        }
        return []
    }
}

/// A command that shares its work over MPI ranks (docs/scaling.md).
protocol MPIAware {}
extension Train: MPIAware {}
extension SweepCommand: MPIAware {}
extension Solve: MPIAware {}
extension ReproduceAsymmetric: MPIAware {}
extension ReproduceMixedNash: MPIAware {}
extension ReproduceSRFB: MPIAware {}

/// A failure while a command runs (as opposed to a usage error): ArgumentParser prints
/// `Error: <message>` and exits non-zero, without repeating the usage.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Prints a warning when more threads are asked for than there are cores (allowed, rarely useful),
/// saying what the command really runs (`use`).
func warnOversubscribed(_ threads: Int, _ use: String) {
    guard threads > BLAS.availableCores else { return }
    Console.error("warning: --threads \(threads) is more than this machine's \(BLAS.availableCores) cores; \(use)")
}
