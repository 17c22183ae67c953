import ArgumentParser
import Foundation
import Saddle

/// What `saddle reproduce srfb`'s shared options say.
enum ReproduceSRFBHelp: SharedOptionsHelp {
    static let out = "Output folder. (default: runs/reproduce-srfb, or runs/reproduce-srfb-quick with --quick)"
    static let force = "Overwrite the study's files in a non-empty --out folder (other files are left alone)."
    static let seed = "Seed of the games and of the minibatches. (default: \(SRFBStudyConfiguration().seed))"
}

/// `saddle reproduce srfb`: SRFB's stochastic regimes (issue 8), a thin wrapper over ``SRFBStudy``.
/// The help's numbers are read from the configurations the study runs (``SRFBStudyConfiguration``,
/// ``SRFBGANClaim/study(quick:dataFile:)``), so they cannot drift from them.
struct ReproduceSRFB: ParsableCommand {
    private static let full = SRFBStudyConfiguration.full, quick = SRFBStudyConfiguration.quick
    private static let ganFull = SRFBGANClaim.study(quick: false), ganQuick = SRFBGANClaim.study(quick: true)
    private static var fixed: [Int] { full.batchMultiples.map { full.fixedBatch * $0 } }
    private static func seeds(_ s: [UInt64]) -> String { (s.count == 1 ? "seed " : "seeds ") + s.map(String.init).joined(separator: ", ") }
    private static func protocolText(_ c: SRFBGANClaim) -> String {
        "tuning on \(seeds(c.comparison.tuningSeeds)), evaluation on \(seeds(c.comparison.evaluationSeeds)), \(grouped(c.budget)) gradients per run"
    }

    static let configuration = CommandConfiguration(
        commandName: "srfb",
        abstract: "SRFB with growing vs fixed batches, averaged SRFB and EG on stochastic bilinear games, per sample drawn; SRFB vs EG on an MNIST GAN.",
        discussion: """
        Runs SRFB (growing batches N_k = ⌈\(plain(full.growthC))·(k + \(plain(full.growthK0)))^\(plain(full.growthA + 1))⌉ up to a sample budget; fixed \
        N = \(fixed.map(String.init).joined(separator: ", "))), averaged SRFB (N = \(full.fixedBatch)) and EG (the same growing schedule \
        and budget; N = \(full.fixedBatch)) on the finite-sum bilinear game (n = \(full.terms) terms, d = \(full.dimension), box \
        [-1, 1]^d) and on the same game's exact operator plus additive noise (σ = \(full.noiseLevel)); growing-batch \
        SRFB and EG on a bilinear game with multiplicative noise (σ = \(full.multiplicativeNoiseLevel)), which vanishes at \
        the solution. Claim (e) trains MNIST-5k GANs with SRFB and extragradient at an equal budget of minibatch \
        gradients, both tuned over λ ∈ {\(ComparisonProtocol.srfbStepSizes.map { "\($0)" }.joined(separator: ", "))}, verdict by an exact \
        permutation test (PASS, FAIL or UNDECIDED); Extra-Adam is a reference line. \
        Writes plots (SVG and PNG), table.csv, trajectories.csv, verdicts.json (claims (a)-(e): \
        claim, pass, numbers) and a self-contained report.html. Under mpirun the runs and claim \
        (e)'s trainings are spread over the ranks, with the same results. See docs/reproduce-srfb.md.

        The full run: a budget of \(grouped(full.sampleBudget)) samples per growing run, \(grouped(full.fixedIterations)) \
        iterations per fixed run, and claim (e) with \(protocolText(ganFull)). \
        --quick: \(grouped(quick.sampleBudget)) samples, \(grouped(quick.fixedIterations)) iterations, and claim (e) with \
        \(protocolText(ganQuick)) (see docs/reproduce-srfb.md for measured times).

        Examples:
          saddle reproduce srfb --quick
          saddle reproduce srfb --out runs/srfb-full --force
        """)

    @Flag(help: "The reduced grid (see above).")
    var quick = false

    @OptionGroup var output: OutputOptions<ReproduceSRFBHelp>
    @OptionGroup var forceOption: ForceOption<ReproduceSRFBHelp>

    @Option(help: ArgumentHelp("The MNIST-5k CSV for claim (e) (SRFB vs extragradient on an MLP GAN); without it (e) is not evaluated.", valueName: "file"))
    var dataFile = "data/mnist_5k.csv.gz"

    @OptionGroup var seedOption: SeedOption<ReproduceSRFBHelp>

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        var config = quick ? SRFBStudyConfiguration.quick : SRFBStudyConfiguration.full
        if let seed = seedOption.seed { config.seed = seed }
        let dir = output.path ?? (quick ? "runs/reproduce-srfb-quick" : "runs/reproduce-srfb")
        // Under MPI (docs/scaling.md) the runs are spread over the ranks; rank 0 checks and writes
        // the output folder and prints, the others only compute.
        try World.onRankZeroFirst(world) {
            try RunFolder.checkStudyOutput(dir)
            do { try SRFBStudy.prepareOutput(dir, force: forceOption.force) } catch let e as SRFBStudyError { throw CLIError(e.description) }
        }
        let say: (String) -> Void = { line in if world.rank == 0 { Console.errorRaw(line + "\n") } }
        do {
            let start = Date()
            var study = try SRFBStudy.run(config, quick: quick, threads: 1, group: world, progress: say)
            // Claim (e) trains GANs (the Runs layer); its outcome replaces the study's placeholder.
            let claim = SRFBGANClaim.study(quick: quick, dataFile: dataFile)
            let e = try claim.evaluate(group: world, progress: say)
            guard world.rank == 0 else { return }
            if let i = study.verdicts.firstIndex(where: { $0.id == "e" }) {
                study.verdicts[i].pass = e.pass
                study.verdicts[i].undecided = e.verdict == .undecided
                study.verdicts[i].numbers = e.numbers.map { SRFBStudyVerdict.Number($0.name, $0.value) }
                study.verdicts[i].note = e.note
                if e.verdict != nil { study.verdicts[i].comparison = e }
            }
            let seconds = Date().timeIntervalSince(start)
            let timing = String(format: "%.1f s wall time for all runs; ", seconds)
                + study.runs.map { "\($0.problem.rawValue) \($0.name) \(String(format: "%.1f", $0.seconds)) s" }.joined(separator: ", ")
            try study.write(to: dir, timing: timing)
            for v in study.verdicts {
                print("\(v.status)  (\(v.id)) \(v.claim)")
            }
            print(String(format: "wrote %@ (%.1f s%@)", dir, seconds, world.size > 1 ? " on \(world.size) MPI ranks" : ""))
        } catch let e as SRFBStudyError {
            throw CLIError(e.description)
        }
    }
}
