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
/// and RMSProp, at equal budgets of minibatch gradients, under the comparison protocol (issue 19).
/// The data sets, seeds and budgets the help states are read from ``MixedNashStudy/full``,
/// ``MixedNashStudy/sensitivity`` and ``MixedNashStudy/quick``.
struct ReproduceMixedNash: ParsableCommand {
    private static let full = MixedNashStudy.full, quick = MixedNashStudy.quick
    private static func budgets(_ s: MixedNashStudy) -> String {
        s.datasets.map { "\($0 == "mnist" ? "MNIST" : $0) \((s.budgets[$0] ?? []).map(grouped).joined(separator: " and "))" }.joined(separator: ", ")
    }
    private static func seeds(_ xs: [UInt64]) -> String {
        xs.count > 2 && xs == Array(xs[0]...xs.last!) ? "\(xs[0])–\(xs.last!)" : xs.map(String.init).joined(separator: ", ")
    }

    static let configuration = CommandConfiguration(
        commandName: "mixed-nash",
        abstract: "Mirror-GAN and Mirror-Prox-GAN vs SGD, Adam and RMSProp: tuned equally, tested on held-out seeds.",
        discussion: """
        Trains each method (Mirror-GAN, Mirror-Prox-GAN, SGD, Adam, RMSProp, and Past-Extra-Adam as a \
        reference) on \(full.datasets.map { $0 == "mnist" ? "MNIST-5k (if data/mnist_5k.csv.gz exists; scripts/fetch-mnist5k fetches it)" : "the \($0)" }.joined(separator: ", ")) \
        with the Wasserstein loss under each Lipschitz control — weight clipping (c = 0.01) and the \
        gradient penalty (γ = 10) — for \(budgets(full)) minibatch gradients (a smaller budget is \
        read off the larger run's curve). Every method gets the same tuning: 6 settings (step sizes \
        1e-4…3e-2; for the mirror methods 3 steps × two samplers) × tuning seeds \(seeds(full.comparisonProtocol.tuningSeeds)); \
        the setting with the best mean score per budget then runs on evaluation seeds \(seeds(full.comparisonProtocol.evaluationSeeds)). \
        Scores, lower is better: sliced Wasserstein distance (mixtures), Fréchet distance (MNIST). \
        Each mirror method's claim to beat SGD, Adam and RMSProp in quality (the score at the budget) \
        and in speed (its mean over the curve) is tested by one-sided exact permutation tests at 5%, \
        Holm-corrected over the three comparisons: PASS, FAIL or UNDECIDED. Writes table.csv (every \
        run), summary.csv, plots/ (score against gradients and against CPU seconds), verdicts.json \
        and report.html. --sensitivity: the non-saturating loss with R1 instead. --dcgan: MNIST-5k \
        with the convolutional networks of --preset mnist-dcgan (an estimated 15 CPU-minutes a \
        run: 5,000 field evaluations at W6-R1's 175 ms). --quick: \
        \(quick.datasets.map { "the \($0)" }.joined(separator: ", ")), WGAN-GP only, 2 settings per method, \
        tuning seed \(seeds(quick.comparisonProtocol.tuningSeeds)), evaluation seeds \(seeds(quick.comparisonProtocol.evaluationSeeds)), \
        \(budgets(quick)) gradients — a smoke test whose verdicts are UNDECIDED (three seeds cannot \
        reach 5% after the correction). The full study is 792 to 1,092 runs (872 and 11.1 CPU-hours measured; 132 per data set and \
        objective, 60 more where a smaller budget chooses another setting); under mpirun they spread \
        over the ranks (docs/scaling.md). Every run is recorded in <out>/journal/ as soon as it ends: \
        after a kill, a crash or a full disk, the same command with --resume trains only the runs \
        the journal lacks and writes what an uninterrupted study writes (runs recorded by another \
        build or CPU kind train again, unless --reuse-build names the build). As a job array \
        (sbatch --array, or any processes that see --out): each task, given --resume and \
        --task-index I --task-count N (by default from Slurm's SLURM_ARRAY_TASK_* variables), trains \
        its share of every batch of runs it can — a first pass of the array the tuning runs, a second \
        pass, once every task of the first has ended, the evaluation runs — and says what is still \
        missing; the same command without --task-index then writes the study from the journal, \
        training nothing (docs/scaling.md).

        Examples:
          saddle reproduce mixed-nash --quick --out runs/mixed-nash-quick
          saddle reproduce mixed-nash --out runs/mixed-nash
          mpirun -np 8 saddle reproduce mixed-nash --sensitivity --out runs/mixed-nash-r1
          saddle reproduce mixed-nash --datasets ring --objectives wgan-gp --budget 10000 --out runs/ring-gp
          saddle reproduce mixed-nash --datasets ring --objectives wgan-gp --budget 10000 --out runs/ring-gp --resume
          sbatch --array=0-63 --wrap "saddle reproduce mixed-nash --dcgan --out runs/dcgan --resume"   (twice: tuning, evaluation)
          saddle reproduce mixed-nash --dcgan --out runs/dcgan --resume
        """)

    @Flag(help: "The reduced grid (see above).")
    var quick = false
    @Flag(help: "The sensitivity study: non-saturating loss with R1 instead of the Wasserstein objectives.")
    var sensitivity = false
    @Flag(help: "MNIST-5k with the DCGAN networks of --preset mnist-dcgan (the paper's image setting), both WGAN objectives, 10,000 gradients.")
    var dcgan = false
    @Option(help: ArgumentHelp("Only these data sets, comma-separated, of ring, grid, mnist (a part of the study, e.g. for one job each).", valueName: "list"))
    var datasets: String?
    @Option(help: ArgumentHelp("Only these objectives, comma-separated, of wgan-clipping, wgan-gp, non-saturating-r1.", valueName: "list"))
    var objectives: String?
    @Option(help: ArgumentHelp("One budget of minibatch gradients for every data set instead of the study's (e.g. 10000).", valueName: "n"))
    var budget: Int?
    @Flag(help: "Continue the study whose runs are recorded in --out's journal/ (or start it if --out is new): only missing runs train.")
    var resume = false
    @Option(help: ArgumentHelp("With --resume: also reuse the journal's runs recorded by these builds (git commits, 7 to 40 hex digits, comma-separated) on this kind of CPU, as this build's — after a change to how the study scores its curves, not to how it trains. The report names them.", valueName: "commits"))
    var reuseBuild: String?
    @OptionGroup var jobArray: JobArrayOptions<ReproduceMixedNashHelp>
    @Option(help: ArgumentHelp("Fault injection for the crash and disk-full tests (see TestFaults).", visibility: .private))
    var testFaults: String?

    func validate() throws {
        if let d = datasets {
            let names = d.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let bad = names.first(where: { !["ring", "grid", "mnist"].contains($0) }) {
                throw ValidationError("--datasets: '\(bad)' is not one of ring, grid, mnist")
            }
        }
        if let o = objectives {
            let names = o.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let bad = names.first(where: { MixedNashStudy.Objective(rawValue: $0) == nil }) {
                throw ValidationError("--objectives: '\(bad)' is not one of \(MixedNashStudy.Objective.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if sensitivity { throw ValidationError("--objectives and --sensitivity both choose the objectives; give one") }
        }
        if dcgan && quick { throw ValidationError("--dcgan and --quick are two different studies; give one") }
        if resume && force { throw ValidationError("--resume continues the study in --out and --force overwrites it; give one") }
        if let r = reuseBuild {
            guard resume else { throw ValidationError("--reuse-build reads the journal of --out: give --resume too") }
            for c in r.split(separator: ",", omittingEmptySubsequences: false) {
                guard (7...40).contains(c.count), c.allSatisfy(\.isHexDigit) else {
                    throw ValidationError("--reuse-build: '\(c)' is not a git commit (7 to 40 hex digits)")
                }
            }
        }
        if dcgan, let d = datasets, d != "mnist" { throw ValidationError("--dcgan trains MNIST only; drop --datasets \(d)") }
        if let b = budget, !(100...100_000_000).contains(b) {
            throw ValidationError("--budget must be in 100...100000000 minibatch gradients, got \(b)")
        }
    }
    @OptionGroup var outputOption: OutputOptions<ReproduceMixedNashHelp>
    var output: String { outputOption.path ?? ReproduceMixedNashHelp.defaultOut }
    @OptionGroup var forceOption: ForceOption<ReproduceMixedNashHelp>
    var force: Bool { forceOption.force }
    @Option(help: ArgumentHelp("The MNIST-5k CSV.", valueName: "file"))
    var dataFile = "data/mnist_5k.csv.gz"

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        let faults: TestFaults?
        do { faults = try testFaults.map(TestFaults.init(parsing:)) } catch { throw ValidationError("\(error)") }
        faults?.install()
        defer { faults?.finish() }
        let task = try jobArray.task()
        if task.count > 1 && !resume {
            throw ValidationError("--task-count \(task.count): the tasks of a job array share the study through --out's journal; give --resume too")
        }
        var study = quick ? MixedNashStudy.quick : dcgan ? MixedNashStudy.dcgan : MixedNashStudy.full
        if sensitivity { study.objectives = [.nonSaturatingR1] }
        if let d = datasets { study.datasets = d.split(separator: ",").map(String.init) }
        if let o = objectives { study.objectives = o.split(separator: ",").compactMap { MixedNashStudy.Objective(rawValue: String($0)) } }
        if let b = budget { for d in study.datasets { study.budgets[d] = [b] } }
        study.dataFile = dataFile
        // Under MPI (docs/scaling.md) the runs are spread over the ranks; rank 0 checks and writes
        // the output folder and prints the verdicts.
        try World.onRankZeroFirst(world) {
            try RunFolder.checkStudyOutput(output)
            do { try MixedNashStudy.checkOutput(output, force: force, resume: resume) } catch { throw CLIError("\(error)") }
        }
        let journal: RunJournal
        let accepted = reuseBuild.map { $0.split(separator: ",").map { $0.lowercased() } } ?? []
        do { journal = try RunJournal(folder: output + "/" + RunJournal.folderName, reuse: resume, group: world, acceptedBuilds: accepted) } catch {
            throw CLIError("--out \(output): \(error)")
        }
        if resume && world.rank == 0 {
            var line = "resuming from \(output)/\(RunJournal.folderName): \(journal.count) recorded runs"
            if !accepted.isEmpty { line += " (\(journal.countFromAcceptedBuilds) of them by build \(accepted.joined(separator: ", ")), --reuse-build)" }
            if journal.ignoredOtherOrigin > 0 { line += "; \(journal.ignoredOtherOrigin) from another build or CPU kind will train again" }
            if journal.tornLines > 0 { line += "; \(journal.tornLines) cut short by a kill dropped" }
            Console.errorRaw(line + "\n")
        }
        let prefix = world.size > 1 ? "rank \(world.rank): " : ""
        let report: (MixedNashStudy.Progress, GANComparison.Run) -> Void = { p, r in
            let score = r.records.last.map { MixedNashStudy.metric($0.last) }
            Console.errorRaw("\(prefix)[\(p.phase) \(p.index)/\(p.count)] \(p.dataset) \(p.objective.rawValue) \(r.entry) seed \(r.seed): "
                             + "\(r.iterations) iterations, score \(r.failure ?? score.map { String(format: "%.4g", $0) } ?? "?")"
                             + "\(p.fromJournal ? " (from the journal)" : "")\n")
        }
        if task.count > 1 {
            // One task of a job array: its share of the runs, into the shared journal; the study is
            // written by a last run without --task-index once the journal holds every run.
            let share = MixedNashStudy.Share(task: task.index, of: task.count)
            let outcome = try study.runShare(share, group: world, journal: journal, progress: report)
            guard world.rank == 0 else { return }
            var line = "\(share)\(world.size > 1 ? " (\(world.size) ranks)" : ""): trained \(outcome.trained) runs"
            if outcome.isComplete {
                line += "; the journal now holds every run of the study: the same command with --resume and without --task-index writes it"
            } else {
                line += "; \(outcome.missing) runs of other tasks are not in the journal yet"
                if !outcome.waiting.isEmpty { line += ", and the evaluation of \(outcome.waiting.joined(separator: ", ")) waits for its tuning runs" }
                line += ": when every task of this pass has ended, run the array again"
            }
            print(line)
            return
        }
        let result = try study.run(group: world, journal: journal, progress: report)
        if journal.takenByLegacyKey > 0 {
            Console.errorRaw("\(prefix)\(journal.takenByLegacyKey) runs of build \(accepted.joined(separator: ", ")) matched by configuration alone "
                             + "(that build's MNIST keys do not record the data file's and classifier's SHA-256): their Fréchet distances are its classifier's\n")
        }
        guard world.rank == 0 else { return }
        // --out was checked before the runs; the folder now holds the journal.
        let provenance = accepted.isEmpty ? [] : [
            "Runs taken from the journal include \(journal.countFromAcceptedBuilds) recorded by build \(accepted.joined(separator: ", ")) on \(BLAS.coreName) "
            + "(--reuse-build), reused as this build's (\(RunJournal.currentOrigin)): this build's scoring of those builds' training runs. "
            + "Of MNIST runs keyed by a build before 6e74fdb (without the data file's and classifier's SHA-256) the match is by configuration alone, "
            + "so their Fréchet distances are those of the classifier that build used."]
        try study.write(result, to: output, force: true, notes: provenance)
        for c in result.claims { print("\(c.test.verdict.rawValue)  \(c.test.claim)") }
        for (d, why) in result.skipped.sorted(by: { $0.key < $1.key }) { print("NOT EVALUATED  \(d): \(why)") }
        print("wrote \(output) (table.csv, summary.csv, verdicts.json, report.html) in \(String(format: "%.0f", result.wallSeconds)) s"
              + (world.size > 1 ? " on \(world.size) MPI ranks" : ""))
    }
}
