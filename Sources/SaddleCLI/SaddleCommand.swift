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
        theory's constants measured and runs bit-reproducible from a seed (same thread count).
        See README.md and docs/ for the mathematics and examples.
        """,
        version: SaddleVersion.string,
        subcommands: [Train.self, Sample.self, Eval.self, Report.self, Solve.self, Analyze.self, Inspect.self, Bench.self, Reproduce.self])
}

/// Options every computing command shares.
struct ComputeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads to compute with. train: 2 or more differentiates the minibatch's two halves at once, one core each; solve: large matrix-vector products are split over 2 cores; analyze: OpenBLAS's thread count. Results are reproducible for a given count, and differ in rounding between counts. Default: all cores (\(BLAS.availableCores) here).")
    var threads: Int?

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t)") }
        if let t = threads, t > BLAS.availableCores { warnOversubscribed(t) }
    }

    /// Applies the thread count and returns it.
    @discardableResult
    func apply() -> Int {
        let n = threads ?? BLAS.availableCores
        BLAS.threads = n
        return n
    }
}

/// A failure while a command runs (as opposed to a usage error): ArgumentParser prints
/// `Error: <message>` and exits non-zero, without repeating the usage.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Prints a warning when more threads are asked for than there are cores (allowed, rarely useful).
func warnOversubscribed(_ threads: Int) {
    Console.errorRaw("warning: \(threads) threads asked for, this machine has \(BLAS.availableCores) cores; work split in two halves uses 2 of them, OpenBLAS uses \(threads)\n")
}
