import ArgumentParser
import Foundation
import Saddle

/// What `saddle reproduce mixed-nash`'s shared options say.
enum ReproduceMixedNashHelp: SharedOptionsHelp {
    static let defaultOut = "runs/reproduce-mixed-nash"
    static let out = "Output folder. (default: \(defaultOut))"
    static let force = "Overwrite an existing --out folder."
}

/// `saddle reproduce mixed-nash`: paper 2's claim that Mirror-GAN and Mirror-Prox-GAN beat SGD, Adam
/// and RMSProp, at an equal budget of minibatch gradients (issue 6). The data sets, seeds and
/// budgets the help states are read from ``MixedNashStudy/full`` and ``MixedNashStudy/quick``.
struct ReproduceMixedNash: ParsableCommand {
    private static let full = MixedNashStudy.full, quick = MixedNashStudy.quick
    private static func budgets(_ s: MixedNashStudy) -> String {
        s.datasets.map { "\($0 == "mnist" ? "MNIST" : $0) \(grouped(s.budgets[$0] ?? 0))" }.joined(separator: ", ")
    }

    static let configuration = CommandConfiguration(
        commandName: "mixed-nash",
        abstract: "Mirror-GAN and Mirror-Prox-GAN vs SGD, Adam, RMSProp and Past-Extra-Adam at an equal gradient budget.",
        discussion: """
        Trains the same GAN with each method on \(full.datasets.map { $0 == "mnist" ? "MNIST-5k (if data/mnist_5k.csv.gz exists; scripts/fetch-mnist5k fetches it)" : "the \($0)" }.joined(separator: ", ")), \
        seeds \(full.seeds.map(String.init).joined(separator: ", ")), each for the same number of minibatch \
        gradients (\(budgets(full))). Writes table.csv (every run), summary.csv \
        (mean ± std per method), plots/ (quality against gradients, SVG and PNG), verdicts.json and \
        report.html. --quick: \(quick.datasets.map { "the \($0)" }.joined(separator: ", ")) only, seeds \(quick.seeds.map(String.init).joined(separator: ", ")), \
        \(budgets(quick)) gradients per run.

        Examples:
          saddle reproduce mixed-nash --quick --out runs/mixed-nash-quick
          saddle reproduce mixed-nash --out runs/mixed-nash
        """)

    @Flag(help: "The reduced grid (see above).")
    var quick = false
    @OptionGroup var outputOption: OutputOptions<ReproduceMixedNashHelp>
    var output: String { outputOption.path ?? ReproduceMixedNashHelp.defaultOut }
    @OptionGroup var forceOption: ForceOption<ReproduceMixedNashHelp>
    var force: Bool { forceOption.force }
    @Option(help: ArgumentHelp("The MNIST-5k CSV.", valueName: "file"))
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
