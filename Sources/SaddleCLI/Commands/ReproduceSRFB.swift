import ArgumentParser
import Foundation
import Saddle

/// `saddle reproduce srfb`: SRFB's stochastic regimes (issue 8), a thin wrapper over ``SRFBStudy``.
struct ReproduceSRFB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srfb",
        abstract: "SRFB with growing vs fixed batches, averaged SRFB and EG on stochastic bilinear games, per sample drawn.",
        discussion: """
        Runs SRFB (growing batches N_k = ceil((k+1)^3) up to a sample budget; fixed N = 8, 16, 32), \
        averaged SRFB (N = 8) and EG (the same growing schedule and budget; N = 8) on the finite-sum \
        bilinear game (n = 100 terms, d = 100, box [-1, 1]^d) and on an additive-noise oracle \
        (sigma = 1) on a random bilinear game of the same size. Writes plots (SVG and PNG), \
        table.csv, trajectories.csv, verdicts.json (claims (a)-(e): claim, pass, numbers) and a \
        self-contained report.html. See docs/reproduce-srfb.md.

        The full run uses a budget of 1e9 samples per growing run and 4000 iterations per fixed run; \
        --quick uses 5e7 samples and 1500 iterations (well under five minutes).

        Examples:
          saddle reproduce srfb --quick
          saddle reproduce srfb --output runs/srfb-full --force
        """)

    @Flag(help: "The reduced grid (a few minutes).")
    var quick = false

    @Option(help: "Output folder (default runs/reproduce-srfb, or runs/reproduce-srfb-quick with --quick).")
    var output: String?

    @Flag(help: "Overwrite the files of a non-empty output folder.")
    var force = false

    @Option(help: "The MNIST-5k CSV for claim (e) (SRFB vs Extra-Adam on an MLP GAN); without it (e) is not evaluated.")
    var dataFile = "data/mnist_5k.csv.gz"

    @Option(parsing: .unconditional, help: "Seed of the games and of the minibatches.")
    var seed: UInt64 = 0

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        var config = quick ? SRFBStudyConfiguration.quick : SRFBStudyConfiguration.full
        config.seed = seed
        let dir = output ?? (quick ? "runs/reproduce-srfb-quick" : "runs/reproduce-srfb")
        // Under MPI (docs/scaling.md) the runs are spread over the ranks; rank 0 checks and writes
        // the output folder and prints, the others only compute.
        try World.onRankZeroFirst(world) {
            try RunFolder.checkStudyOutput(dir)
            do { try SRFBStudy.prepareOutput(dir, force: force) } catch let e as SRFBStudyError { throw CLIError(e.description) }
        }
        let say: (String) -> Void = { line in if world.rank == 0 { Console.errorRaw(line + "\n") } }
        do {
            let start = Date()
            var study = try SRFBStudy.run(config, quick: quick, threads: 1, group: world, progress: say)
            // Claim (e) trains GANs (the Runs layer); its outcome replaces the study's placeholder.
            let claim = SRFBGANClaim(seeds: quick ? [0] : [0, 1, 2], budget: quick ? 400 : 4000, dataFile: dataFile)
            let e = try claim.evaluate(group: world, progress: say)
            guard world.rank == 0 else { return }
            if let i = study.verdicts.firstIndex(where: { $0.id == "e" }) {
                study.verdicts[i].pass = e.pass
                study.verdicts[i].numbers = e.numbers.map { SRFBStudyVerdict.Number($0.name, $0.value) }
                study.verdicts[i].note = e.note
            }
            let seconds = Date().timeIntervalSince(start)
            let timing = String(format: "%.1f s wall time for all runs; ", seconds)
                + study.runs.map { "\($0.problem.rawValue) \($0.name) \(String(format: "%.1f", $0.seconds)) s" }.joined(separator: ", ")
            try study.write(to: dir, timing: timing)
            for v in study.verdicts {
                let status = v.pass.map { $0 ? "PASS" : "FAIL" } ?? "NOT EVALUATED"
                print("\(status)  (\(v.id)) \(v.claim)")
            }
            print(String(format: "wrote %@ (%.1f s%@)", dir, seconds, world.size > 1 ? " on \(world.size) MPI ranks" : ""))
        } catch let e as SRFBStudyError {
            throw CLIError(e.description)
        }
    }
}
