import ArgumentParser
import Foundation
import Saddle

/// `saddle reproduce mixed-nash`: paper 2's claim that Mirror-GAN and Mirror-Prox-GAN beat SGD, Adam
/// and RMSProp, at an equal budget of minibatch gradients (issue 6).
struct ReproduceMixedNash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixed-nash",
        abstract: "Mirror-GAN and Mirror-Prox-GAN vs SGD, Adam, RMSProp and Past-Extra-Adam at an equal gradient budget.",
        discussion: """
        Trains the same GAN with each method on the ring, the grid and MNIST-5k (if data/mnist_5k.csv.gz \
        exists; scripts/fetch-mnist5k fetches it), seeds 0, 1, 2, each for the same number of minibatch \
        gradients (ring and grid 10,000, MNIST 4,000). Writes table.csv (every run), summary.csv \
        (mean ± std per method), plots/ (quality against gradients, SVG and PNG), verdicts.json and \
        report.html. --quick: the ring only, 2,000 gradients per run (about a minute).

        Examples:
          saddle reproduce mixed-nash --quick --output runs/mixed-nash-quick
          saddle reproduce mixed-nash --output runs/mixed-nash
        """)

    @Flag(help: "The ring only, 2,000 minibatch gradients per run.")
    var quick = false
    @Option(help: "The output folder. Default runs/reproduce-mixed-nash.")
    var output = "runs/reproduce-mixed-nash"
    @Flag(help: "Overwrite an existing output folder.")
    var force = false
    @Option(help: "The MNIST-5k CSV.")
    var dataFile = "data/mnist_5k.csv.gz"

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        var study = quick ? MixedNashStudy.quick : MixedNashStudy.full
        study.dataFile = dataFile
        // Under MPI (docs/scaling.md) the runs are spread over the ranks; rank 0 checks and writes
        // the output folder and prints the verdicts.
        try World.onRankZeroFirst(world) {
            try RunFolder.checkStudyOutput(output)
            do { try MixedNashStudy.checkOutput(output, force: force) } catch { throw CLIError("\(error)") }
        }
        let prefix = world.size > 1 ? "rank \(world.rank): " : ""
        let result = try study.run(group: world) { d, r in
            let q = r.summary.flatMap { MixedNashStudy.quality($0.last) }
            Console.errorRaw("\(prefix)\(d) \(r.entry) seed \(r.seed): \(r.iterations) iterations, quality \(q.map { String(format: "%.2f", $0) } ?? r.failure ?? "?")\n")
        }
        guard world.rank == 0 else { return }
        try study.write(result, to: output, force: force)
        for v in result.verdicts {
            print("\(v.pass.map { $0 ? "PASS" : "FAIL" } ?? "NOT EVALUATED")  \(v.claim)")
        }
        print("wrote \(output) (table.csv, summary.csv, verdicts.json, report.html) in \(String(format: "%.0f", result.wallSeconds)) s"
              + (world.size > 1 ? " on \(world.size) MPI ranks" : ""))
    }
}
