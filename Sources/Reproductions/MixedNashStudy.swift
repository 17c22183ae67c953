import Runs
import Foundation
import Metrics
import Tensors
import Formats
import Games
import Reports
import Solvers

/// `saddle reproduce mixed-nash`: paper 2's comparison (Hsieh, Liu & Cevher 2019; SPEC §5) —
/// Mirror-GAN and Mirror-Prox-GAN against SGD, Adam and RMSProp (the paper's baselines) and
/// Past-Extra-Adam (a reference line, not in the claims), at equal budgets of minibatch
/// gradients, under the ``ComparisonProtocol``: every method tuned with the same number of runs on
/// the tuning seeds, evaluated on held-out seeds, verdicts by permutation tests with Holm's
/// correction (PASS, FAIL or UNDECIDED).
///
/// **Objectives.** The paper lifts the WGAN objective E_real[f_w] − E_fake[f_w] to mixed strategies
/// — a zero-sum game, which is what gives the lifting its theory — so the primary study trains the
/// Wasserstein loss with a Lipschitz control. Which control the paper used is not established (see
/// docs/mixed-nash.md), so both run: weight clipping at c = 0.01 (WGAN's) and the gradient penalty
/// at γ = 10 (WGAN-GP's). The non-saturating loss with R1 (the data set's defaults) is the
/// sensitivity study (``sensitivity``).
///
/// **Budgets.** Each run goes to the largest budget of its data set; a smaller budget's score is
/// read off the same run's curve (the first log point at 99% of that budget or past it). A method
/// is tuned per budget; where the best setting at a smaller budget differs from the largest's,
/// its evaluation runs again to that budget.
///
/// **Scores** (lower is better): the last generator's sliced Wasserstein distance on the mixtures,
/// its Fréchet distance (Saddle's classifier) on MNIST — "quality" at the budget, and "speed", the
/// mean of the same metric at equally spaced gradient counts up to the budget — the log points of a
/// run to the largest budget, so every method is averaged at the same counts (a normalized area
/// under the curve). A run that diverged scores +∞ from then on.
public struct MixedNashStudy: Sendable {
    /// The game the methods train: a loss and its regularizer.
    public enum Objective: String, Sendable, CaseIterable, Codable {
        /// Wasserstein loss, discriminator weights clipped to [−0.01, 0.01] (Arjovsky et al. 2017).
        case wganClipping = "wgan-clipping"
        /// Wasserstein loss with the two-sided gradient penalty, γ = 10 (Gulrajani et al. 2017).
        case wganGP = "wgan-gp"
        /// The data set's defaults: non-saturating loss with R1.
        case nonSaturatingR1 = "non-saturating-r1"

        /// The configuration keys it sets on top of the data set's preset.
        public var yaml: String {
            switch self {
            case .wganClipping: return "loss: wasserstein\nregularizer: clipping\nregularizer_weight: 0.01\n"
            case .wganGP: return "loss: wasserstein\nregularizer: wgan-gp\nregularizer_weight: 10\n"
            case .nonSaturatingR1: return ""
            }
        }
    }

    public static let methodNames = ["mirror-gan", "mirror-prox-gan", "sgd", "adam", "rmsprop", "past-extra-adam"]
    /// The paper's methods and its baselines: the claims test each of the former against the latter.
    public static let mirrorMethods = ["mirror-gan", "mirror-prox-gan"], baselines = ["sgd", "adam", "rmsprop"]

    public var datasets: [String]
    public var objectives: [Objective]
    /// Minibatch-gradient budgets per data set, ascending; runs go to the last.
    public var budgets: [String: [Int]]
    public var comparisonProtocol: ComparisonProtocol
    /// `--quick`: two settings per method instead of the grid's six.
    public var reducedGrid = false
    /// Log points per run (the curves' resolution).
    public var points = 20
    public var dataFile = "data/mnist_5k.csv.gz"
    /// The preset each data set starts from, when not the data set's own (``dcgan``: MNIST with
    /// the convolutional networks of `--preset mnist-dcgan`).
    public var presets: [String: String] = [:]

    /// The primary study: both WGAN objectives on the ring, the grid (10k and 40k gradients, from
    /// one run each) and MNIST-5k with the MLP (10k), tuning seeds 100–101, evaluation seeds 0–9.
    public static var full: MixedNashStudy {
        MixedNashStudy(datasets: ["ring", "grid", "mnist"], objectives: [.wganClipping, .wganGP],
                       budgets: ["ring": [10_000, 40_000], "grid": [10_000, 40_000], "mnist": [10_000]],
                       comparisonProtocol: .standard)
    }
    /// The sensitivity study: the same with the non-saturating loss and R1 (`--sensitivity`).
    public static var sensitivity: MixedNashStudy {
        var s = full
        s.objectives = [.nonSaturatingR1]
        return s
    }
    /// The MNIST part with the DCGAN networks, as the paper's image experiments used
    /// (`--dcgan`): both WGAN objectives, 10,000 gradients, the full protocol.
    public static var dcgan: MixedNashStudy {
        var s = MixedNashStudy(datasets: ["mnist"], objectives: [.wganClipping, .wganGP], budgets: ["mnist": [10_000]],
                               comparisonProtocol: .standard)
        s.presets = ["mnist": "mnist-dcgan"]
        return s
    }
    /// `--quick`: the ring, WGAN-GP, 1,000 and 2,000 gradients, two settings per method, tuning
    /// seed 100, evaluation seeds 0–2 — a smoke test of the whole pipeline (three seeds per side
    /// cannot give a p-value below 0.05 after Holm's correction: expect UNDECIDED).
    public static var quick: MixedNashStudy {
        var s = MixedNashStudy(datasets: ["ring"], objectives: [.wganGP], budgets: ["ring": [1_000, 2_000]],
                               comparisonProtocol: ComparisonProtocol(tuningSeeds: [100], evaluationSeeds: [0, 1, 2], alpha: 0.05))
        s.reducedGrid = true
        s.points = 10
        return s
    }

    public init(datasets: [String], objectives: [Objective], budgets: [String: [Int]], comparisonProtocol: ComparisonProtocol) {
        self.datasets = datasets
        self.objectives = objectives
        self.budgets = budgets
        self.comparisonProtocol = comparisonProtocol
    }

    /// A method's fixed settings (the tuned keys come from its ``settings(for:)``): Adam-type
    /// β = (0.5, 0.99); the mirror methods RMSProp-preconditioned SGLD with damping 0.9.
    static func configureMethod(_ name: String, _ c: inout TrainingConfiguration) {
        switch name {
        case "mirror-gan", "mirror-prox-gan":
            c.method = name == "mirror-gan" ? .mirrorGAN : .mirrorProxGAN
            c.preconditioned = true
            c.damping = 0.9
        case "sgd": c.method = .sgd
        case "adam": c.method = .adam; c.beta1 = 0.5; c.beta2 = 0.99
        case "rmsprop": c.method = .rmsprop; c.beta2 = 0.99
        default: c.method = .pastExtraAdam; c.beta1 = 0.5; c.beta2 = 0.99
        }
    }

    /// The settings a method is tuned over: ``ComparisonProtocol/grid(mirror:)``, or with
    /// ``reducedGrid`` its two settings at step 3e-3 and one smaller step (1e-3) for the gradient
    /// methods, the noiseless and the noisy sampler at 3e-3 for the mirror methods.
    public func settings(for method: String) -> [ComparisonProtocol.Setting] {
        let mirror = Self.mirrorMethods.contains(method)
        let grid = ComparisonProtocol.grid(mirror: mirror)
        guard reducedGrid else { return grid }
        return mirror ? [grid[1], grid[4]] : [grid[2], grid[3]]
    }

    /// The configuration of one run: the data set's preset, the objective, the method, the setting.
    public func configuration(dataset: String, objective: Objective, method: String,
                              setting: ComparisonProtocol.Setting) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        let presetName = presets[dataset] ?? dataset
        if let preset = TrainingConfiguration.presets[presetName] { try c.apply(yaml: preset, file: "preset \(presetName)") }
        c.dataFile = dataFile
        c.stepSizeDecayFinal = 1  // a schedule in iterations would favour methods with more iterations per gradient
        if dataset == "mnist" { c.evaluationSamples = 1000 }
        try c.apply(yaml: objective.yaml, file: "objective \(objective.rawValue)")
        Self.configureMethod(method, &c)
        try c.apply(yaml: setting.yaml, file: "setting \(setting.label)")
        return c
    }

    // MARK: Scores

    /// The primary metric of one record (lower is better): sliced Wasserstein (mixtures), Fréchet
    /// distance (MNIST); +∞ when absent or not finite.
    public static func metric(_ m: GeneratorMetrics) -> Double {
        let x = m.images?.frechetDistance ?? m.slicedWasserstein ?? .infinity
        return x.isFinite ? x : .infinity
    }

    /// A run's index of the log point that stands for `budget`: the first at 99% of it or past it.
    static func pointIndex(_ r: GANComparison.Run, budget: Int) -> Int? {
        r.records.firstIndex { $0.oracleCalls * 2 >= 0.99 * Double(budget) }
    }

    /// (quality, speed) of a run at `budget`: the metric at the budget's log point, and its mean at
    /// the `speedPoints` gradient counts budget·j/speedPoints, j = 1…speedPoints (each read at the
    /// log point nearest to it, up to the budget's); +∞ when the run diverged before the budget.
    ///
    /// Speed is averaged at gradient counts fixed by the budget, not at whatever points a run
    /// logged, so that runs logged at different intervals — a run to 40,000 gradients read at
    /// 10,000 and a run to 10,000 itself — are averaged at the same places (``Cell/speedPoints(budget:)``).
    public static func scores(_ r: GANComparison.Run, budget: Int, speedPoints: Int) -> (final: Double, area: Double) {
        guard let i = pointIndex(r, budget: budget) else { return (.infinity, .infinity) }
        let n = max(1, speedPoints)
        var sum = 0.0
        for j in 1...n {
            let g = Double(budget) * Double(j) / Double(n)
            let k = (0...i).min { abs(r.records[$0].oracleCalls * 2 - g) < abs(r.records[$1].oracleCalls * 2 - g) }!
            sum += metric(r.records[k].last)
        }
        return (metric(r.records[i].last), sum / Double(n))
    }

    // MARK: Running

    /// One (data set, objective) cell of the study: every method's tuning and evaluation.
    public struct Cell: Sendable {
        public var dataset: String
        public var objective: Objective
        public var budgets: [Int]
        /// Log points of each run to the largest budget.
        public var points: Int
        /// Per method: its settings, the tuning runs (by setting, then tuning seed), the chosen
        /// setting per budget, and the evaluation runs per budget (by evaluation seed).
        public var methods: [Method]
        public struct Method: Sendable {
            public var name: String
            public var settings: [ComparisonProtocol.Setting]
            public var tuningRuns: [[GANComparison.Run]]
            public var chosen: [Int: Int]
            public var evaluationRuns: [Int: [GANComparison.Run]]
            /// The tuning scores at `budget`: [setting][tuning seed], quality.
            public init(name: String, settings: [ComparisonProtocol.Setting], tuningRuns: [[GANComparison.Run]],
                        chosen: [Int: Int], evaluationRuns: [Int: [GANComparison.Run]]) {
                self.name = name
                self.settings = settings
                self.tuningRuns = tuningRuns
                self.chosen = chosen
                self.evaluationRuns = evaluationRuns
            }
            public func tuningScores(budget: Int) -> [[Double]] {
                tuningRuns.map { $0.map { MixedNashStudy.scores($0, budget: budget, speedPoints: 1).final } }
            }
        }
        public init(dataset: String, objective: Objective, budgets: [Int], points: Int, methods: [Method]) {
            self.dataset = dataset
            self.objective = objective
            self.budgets = budgets
            self.points = points
            self.methods = methods
        }
        /// The points at which speed is averaged at `budget`: points·budget/largest, the log points
        /// that a run to the largest budget has up to `budget` (20 at 40,000 gradients, 5 at 10,000
        /// of a 40,000-gradient cell), so every method's speed at a budget is averaged at the same
        /// gradient counts whether its runs went to that budget or were read off longer ones.
        public func speedPoints(budget: Int) -> Int {
            max(1, points * budget / (budgets.max() ?? budget))
        }
        public func method(_ name: String) -> Method? { methods.first { $0.name == name } }
    }

    public struct Result: Sendable {
        public var cells: [Cell]
        /// Data sets left out, with the reason (MNIST without its data file).
        public var skipped: [String: String]
        public var claims: [Claim]
        public var wallSeconds: Double
    }

    /// One tested claim: a mirror method against the three baselines on one criterion.
    public struct Claim: Sendable {
        public var dataset: String
        public var objective: Objective
        public var budget: Int
        public var method: String
        /// "quality" (the metric at the budget) or "speed" (its mean over the curve).
        public var criterion: String
        public var test: ClaimTest
    }

    /// Where a finished run stands in the study, for progress lines.
    public struct Progress: Sendable {
        public var dataset: String
        public var objective: Objective
        /// "tuning" or "evaluation".
        public var phase: String
        /// The run's place in its phase's batch (from 1) and the batch's size.
        public var index: Int, count: Int
        /// Taken from the ``RunJournal`` instead of trained.
        public var fromJournal: Bool
    }

    /// One task's share of a study run as a job array (`sbatch --array`, or any set of processes
    /// that see one `<out>/journal/`): task `task` of `tasks` trains, of every batch of runs (a
    /// (data set, objective)'s tuning runs, then its evaluation runs), the runs i with
    /// i mod (tasks·R) = task·R + r on its MPI rank r of R — as `saddle sweep` slices its runs — and
    /// takes the others from the journal when another task has recorded them. A cell's evaluation
    /// runs depend on all of its tuning runs, so a task trains its evaluation share only when the
    /// journal holds the whole tuning batch: a first pass of the array trains the tuning runs, a
    /// second (after every task of the first has ended) the evaluation runs, and the study itself
    /// is then written by ``run(group:journal:progress:)`` from the journal, training nothing.
    public struct Share: Sendable, Equatable, CustomStringConvertible {
        public let task: Int, tasks: Int
        public init(task: Int, of tasks: Int) {
            ensure(tasks >= 1 && task >= 0 && task < tasks, "MixedNashStudy.Share: task \(task) of \(tasks)")
            self.task = task
            self.tasks = tasks
        }
        /// Whether rank `rank` of `ranks` of this task trains item i of a batch (items reach rank
        /// i mod R, as ``ProcessGroup/distribute(_:_:)`` deals them).
        public func trains(_ i: Int, rank: Int, ranks: Int) -> Bool { i % (tasks * ranks) == task * ranks + rank }
        public var description: String { "task \(task) of \(tasks)" }
    }

    /// What one task's share did and what the study still lacks (``runShare(_:group:journal:progress:)``).
    public struct ShareOutcome: Sendable, Equatable {
        /// Runs this task trained (over all its ranks).
        public var trained = 0
        /// Runs of the batches this task could form that no task has recorded yet.
        public var missing = 0
        /// "data set / objective" of the cells whose evaluation waits for the rest of their tuning.
        public var waiting: [String] = []
        /// Every run of the study is in the journal: ``run(group:journal:progress:)`` trains nothing.
        public var isComplete: Bool { missing == 0 && waiting.isEmpty }
    }

    /// A run as ``ProcessGroup/distribute(_:_:)`` carries it: nil when another task's and not recorded yet.
    private struct MaybeRun: Codable {
        var run: GANComparison.Run?
        var trained: Bool
    }

    /// A batch of runs, spread over the group's ranks: (entry name, configuration, budget, seed).
    /// With a `share`, only this task's runs train; the others come from the journal or are nil.
    private func runBatch(_ cells: [(name: String, configuration: TrainingConfiguration, budget: Int, seed: UInt64)],
                          share: Share?, group: any ProcessGroup, journal: RunJournal?,
                          progress: (Int, GANComparison.Run, Bool) -> Void) throws -> (runs: [GANComparison.Run?], trained: Int) {
        let items = try group.distribute(cells.count) { i -> MaybeRun in
            let cell = cells[i]
            let comparison = GANComparison(entries: [.init(name: cell.name, configuration: cell.configuration)],
                                           seeds: [cell.seed], budget: cell.budget, points: points)
            if let share, !share.trains(i, rank: group.rank, ranks: group.size) {
                let stored = try journal.flatMap { try comparison.storedRun(of: comparison.entries[0], seed: cell.seed, in: $0) }
                if let stored { progress(i, stored, true) }
                return MaybeRun(run: stored, trained: false)
            }
            var trained = true
            let run = try comparison.run(journal: journal) { r, fromJournal in
                trained = !fromJournal
                progress(i, r, fromJournal)
            }[0]
            return MaybeRun(run: run, trained: trained)
        }
        return (items.map(\.run), items.filter(\.trained).count)
    }

    /// Runs the study: per (data set, objective), the tuning runs of every method, then the
    /// evaluation runs of each method's chosen settings; `progress` hears each run this process
    /// finished, with where it stands (``Progress``: data set, objective, phase, its place in the
    /// phase, whether it came from the `journal`). With a
    /// ``RunJournal`` (`saddle reproduce mixed-nash` keeps one in `<out>/journal/`), every run is
    /// recorded there as it ends and a run the journal already holds is not trained again: a
    /// killed study resumes, and its result is the one an uninterrupted study gives.
    public func run(group: any ProcessGroup = SingleProcess.shared, journal: RunJournal? = nil,
                    progress: (Progress, GANComparison.Run) -> Void = { _, _ in }) throws -> Result {
        let start = Date()
        let (cells, skipped, _) = try execute(share: nil, group: group, journal: journal, progress: progress)
        return Result(cells: cells, skipped: skipped, claims: claims(cells), wallSeconds: Date().timeIntervalSince(start))
    }

    /// This task's share of the study (``Share``): trains its runs of every batch whose runs it can
    /// know — every tuning batch, and the evaluation batch of each cell whose tuning runs are all in
    /// the journal — and says what the study still lacks. Every rank returns the same outcome.
    public func runShare(_ share: Share, group: any ProcessGroup = SingleProcess.shared, journal: RunJournal,
                         progress: (Progress, GANComparison.Run) -> Void = { _, _ in }) throws -> ShareOutcome {
        try execute(share: share, group: group, journal: journal, progress: progress).outcome
    }

    /// The study's loop; with a `share`, the cells whose runs are not all known yet are left out.
    private func execute(share: Share?, group: any ProcessGroup, journal: RunJournal?,
                         progress: (Progress, GANComparison.Run) -> Void) throws -> (cells: [Cell], skipped: [String: String], outcome: ShareOutcome) {
        var cells: [Cell] = [], skipped: [String: String] = [:], outcome = ShareOutcome()
        let p = comparisonProtocol
        for d in datasets {
            if d == "mnist" && !FileManager.default.fileExists(atPath: dataFile) {
                skipped[d] = "no \(dataFile) (run scripts/fetch-mnist5k)"
                continue
            }
            let budgets = (self.budgets[d] ?? [10_000]).sorted()
            let largest = budgets.last!
            for objective in objectives {
                // Tuning: methods × settings × tuning seeds, all to the largest budget.
                var batch: [(name: String, configuration: TrainingConfiguration, budget: Int, seed: UInt64)] = []
                for m in Self.methodNames {
                    for (k, s) in settings(for: m).enumerated() {
                        let c = try configuration(dataset: d, objective: objective, method: m, setting: s)
                        for seed in p.tuningSeeds { batch.append(("\(m)#\(k)", c, largest, seed)) }
                    }
                }
                let (maybeTuning, tuningTrained) = try runBatch(batch, share: share, group: group, journal: journal) { i, r, j in
                    progress(Progress(dataset: d, objective: objective, phase: "tuning", index: i + 1, count: batch.count, fromJournal: j), r)
                }
                outcome.trained += tuningTrained
                let tuning = maybeTuning.compactMap { $0 }
                guard tuning.count == batch.count else {
                    outcome.missing += batch.count - tuning.count
                    outcome.waiting.append("\(d) / \(objective.rawValue)")
                    continue
                }
                var methods: [Cell.Method] = []
                var next = 0
                for m in Self.methodNames {
                    let ss = settings(for: m)
                    var runs: [[GANComparison.Run]] = []
                    for _ in ss {
                        runs.append(Array(tuning[next..<(next + p.tuningSeeds.count)]))
                        next += p.tuningSeeds.count
                    }
                    var method = Cell.Method(name: m, settings: ss, tuningRuns: runs, chosen: [:], evaluationRuns: [:])
                    for b in budgets { method.chosen[b] = ComparisonProtocol.best(method.tuningScores(budget: b), lowerIsBetter: true) }
                    methods.append(method)
                }
                // Evaluation: the largest budget's choice to the largest budget; a smaller budget
                // whose choice differs gets its own runs to that budget.
                var evaluation: [(name: String, configuration: TrainingConfiguration, budget: Int, seed: UInt64)] = []
                var slots: [(method: Int, budget: Int)] = []
                for (i, m) in methods.enumerated() {
                    for b in budgets where b == largest || m.chosen[b] != m.chosen[largest] {
                        let k = m.chosen[b]!
                        let c = try configuration(dataset: d, objective: objective, method: m.name, setting: m.settings[k])
                        for seed in p.evaluationSeeds { evaluation.append(("\(m.name)#\(k)", c, b, seed)) }
                        slots.append((i, b))
                    }
                }
                let (maybeEvaluated, evaluationTrained) = try runBatch(evaluation, share: share, group: group, journal: journal) { i, r, j in
                    progress(Progress(dataset: d, objective: objective, phase: "evaluation", index: i + 1, count: evaluation.count, fromJournal: j), r)
                }
                outcome.trained += evaluationTrained
                let evaluated = maybeEvaluated.compactMap { $0 }
                guard evaluated.count == evaluation.count else {
                    outcome.missing += evaluation.count - evaluated.count
                    continue
                }
                for (j, slot) in slots.enumerated() {
                    let n = p.evaluationSeeds.count
                    methods[slot.method].evaluationRuns[slot.budget] = Array(evaluated[(j * n)..<((j + 1) * n)])
                }
                for i in methods.indices {
                    for b in budgets where methods[i].evaluationRuns[b] == nil {
                        methods[i].evaluationRuns[b] = methods[i].evaluationRuns[largest]
                    }
                }
                cells.append(Cell(dataset: d, objective: objective, budgets: budgets, points: points, methods: methods))
            }
        }
        return (cells, skipped, outcome)
    }

    /// The evaluation scores of `method` at `budget`, one per evaluation seed.
    public static func evaluationScores(_ cell: Cell, method: String, budget: Int) -> (final: [Double], area: [Double]) {
        let runs = cell.method(method)?.evaluationRuns[budget] ?? []
        let s = runs.map { scores($0, budget: budget, speedPoints: cell.speedPoints(budget: budget)) }
        return (s.map(\.final), s.map(\.area))
    }

    /// The claims: in every cell and at every budget, each mirror method against SGD, Adam and
    /// RMSProp, in quality and in speed — four ``ClaimTest``s of three comparisons each.
    public func claims(_ cells: [Cell]) -> [Claim] {
        var out: [Claim] = []
        for cell in cells {
            for b in cell.budgets {
                for m in Self.mirrorMethods {
                    for criterion in ["quality", "speed"] {
                        func pick(_ name: String) -> [Double] {
                            let s = Self.evaluationScores(cell, method: name, budget: b)
                            return criterion == "quality" ? s.final : s.area
                        }
                        let text = "\(cell.dataset), \(cell.objective.rawValue), \(b) gradients: \(m) beats SGD, Adam and RMSProp in \(criterion)"
                        let test = ClaimTest(claim: text, lowerIsBetter: true, alpha: comparisonProtocol.alpha,
                                             comparisons: Self.baselines.map { .init(comparator: $0, method: pick(m), other: pick($0)) })
                        out.append(Claim(dataset: cell.dataset, objective: cell.objective, budget: b, method: m, criterion: criterion, test: test))
                    }
                }
            }
        }
        return out
    }

    // MARK: Output

    /// Checks the output folder before a study starts. A new folder is fine. An existing one is
    /// refused unless `force` (the study's files are overwritten, its journal not read) or `resume`
    /// (the study continues from the runs in its ``RunJournal``; the folder must be empty or hold a
    /// journal, so a folder of something else is never written into).
    public static func checkOutput(_ path: String, force: Bool, resume: Bool = false) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if resume {
            guard isDirectory.boolValue else { throw RunError.runFolder(path: path, problem: "exists and is not a folder; nothing to resume") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !contents.isEmpty && !contents.contains(RunJournal.folderName) {
                throw RunError.runFolder(path: path, problem: "holds no \(RunJournal.folderName)/ of a study, so there is nothing to resume; choose another --out")
            }
            return
        }
        if !force {
            throw RunError.runFolder(path: path, problem: onlyJournal(path)
                ? "holds the \(RunJournal.folderName)/ of a study that did not finish; pass --resume to continue it, or --force to start over"
                : "already exists; choose another --out, pass --resume to continue the study in its \(RunJournal.folderName)/, or --force to overwrite it")
        }
    }

    /// Whether `path` is a folder holding nothing but a journal (a study that has not written its
    /// tables yet).
    static func onlyJournal(_ path: String) -> Bool {
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return contents.allSatisfy { $0 == RunJournal.folderName }
    }

    public static let tableHeader = ["dataset", "objective", "phase", "method", "setting", "seed", "budget", "iterations",
                                     "minibatch_gradients", "status", "quality", "speed", "modes_or_classes", "hq_percent", "kl",
                                     "ema_metric", "cpu_seconds"]

    static func cell(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "\($0)" } ?? "" }
    static func csv(_ cells: [String]) -> String { cells.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n" }

    static func row(_ cell: Cell, phase: String, method: Cell.Method, setting: Int, run r: GANComparison.Run, budget: Int) -> [String] {
        let s = scores(r, budget: budget, speedPoints: cell.speedPoints(budget: budget))
        let i = pointIndex(r, budget: budget)
        let record = i.map { r.records[$0] }
        let m = record?.last.mixture, im = record?.last.images
        return [cell.dataset, cell.objective.rawValue, phase, method.name, method.settings[setting].label, "\(r.seed)", "\(budget)",
                "\(r.iterations)", "\(r.gradients)", r.failure == nil ? (r.summary?.exitStatus ?? "?") : "diverged",
                Self.cell(s.final), Self.cell(s.area),
                m.map { "\($0.modesCovered)/\($0.modes)" } ?? im.map { "\($0.classesCovered)/10" } ?? "",
                Self.cell(m?.highQualityPercent), Self.cell(m?.klToUniform ?? im?.classHistogramKL),
                Self.cell(record.map { metric($0.ema) }), Self.cell(i.map { $0 < r.cpuSeconds.count ? r.cpuSeconds[$0] : .nan })]
    }

    /// table.csv (every run at every budget), summary.csv, verdicts.json, plots (SVG, PNG, PDF),
    /// report.html.
    /// `notes` are paragraphs for the report's head (e.g. which builds recorded the reused runs).
    public func write(_ result: Result, to path: String, force: Bool, notes: [String] = []) throws {
        // A folder holding only the journal of this study's runs is the study's own.
        if !Self.onlyJournal(path) { try Self.checkOutput(path, force: force) }
        try makeFolders(path + "/plots")
        var table = Self.tableHeader.joined(separator: ",") + "\n"
        var summary = "dataset,objective,budget,method,chosen_setting,runs,quality_mean,quality_std,speed_mean,speed_std,cpu_seconds_median\n"
        var report = HTMLReport(title: "saddle reproduce mixed-nash")
        let p = comparisonProtocol
        report.paragraph("Paper 2 (Hsieh, Liu & Cevher, ICML 2019): Mirror-GAN and Mirror-Prox-GAN against SGD, Adam and RMSProp (Past-Extra-Adam as a reference line), at equal budgets of minibatch gradients (one player's gradient on one minibatch). Protocol (docs/mixed-nash.md): every method tuned over \(reducedGrid ? 2 : 6) settings on tuning seeds \(p.tuningSeeds.map(String.init).joined(separator: ", ")), the best mean metric chosen per budget, then evaluation seeds \(p.evaluationSeeds.map(String.init).joined(separator: ", ")). Verdicts: one-sided exact permutation tests at α = \(p.alpha), Holm-corrected over each claim's three comparisons: PASS, FAIL or UNDECIDED. Scores are lower-is-better: sliced Wasserstein distance (mixtures) or Fréchet distance (MNIST) of the last generator; quality = at the budget, speed = mean of the same metric at equally spaced gradient counts up to the budget (the log points of a run to the largest budget, so that every method is averaged at the same counts). \(String(format: "%.0f", result.wallSeconds)) s in all.")
        for note in notes { report.paragraph(note) }
        report.heading("Verdicts")
        report.table(header: ["claim", "verdict", "p (better), Holm-adjusted, per baseline", "p (worse), Holm-adjusted"],
                     rows: result.claims.map { c in
                         [c.test.claim, c.test.verdict.rawValue,
                          c.test.comparisons.map { "\($0.comparator) \(String(format: "%.4f", $0.adjustedBetter))" }.joined(separator: "; "),
                          c.test.comparisons.map { "\($0.comparator) \(String(format: "%.4f", $0.adjustedWorse))" }.joined(separator: "; ")]
                     } + result.skipped.sorted { $0.key < $1.key }.map { ["\($0.key): every claim", "NOT EVALUATED", $0.value, ""] })
        for cell in result.cells {
            let label = "\(cell.dataset), \(cell.objective.rawValue)"
            report.heading("\(label): tuning")
            var tuningRows: [[String]] = []
            for m in cell.methods {
                for (k, s) in m.settings.enumerated() {
                    for r in m.tuningRuns[k] {
                        for b in cell.budgets { table += Self.csv(Self.row(cell, phase: "tuning", method: m, setting: k, run: r, budget: b)) }
                    }
                    tuningRows.append([m.name, s.label] + cell.budgets.map { b in
                        let row = m.tuningScores(budget: b)[k]
                        let mean = row.allSatisfy(\.isFinite) ? String(format: "%.4g", row.reduce(0, +) / Double(row.count)) : "diverged"
                        return mean + (m.chosen[b] == k ? " ◀" : "")
                    })
                }
            }
            report.table(header: ["method", "setting"] + cell.budgets.map { "mean tuning score at \($0) (◀ chosen)" }, rows: tuningRows)
            for b in cell.budgets {
                report.heading("\(label), \(b) gradients: evaluation seeds")
                var rows: [[String]] = []
                var byGradients: [LinePlot.Series] = [], byCPU: [LinePlot.Series] = []
                for m in cell.methods {
                    let runs = m.evaluationRuns[b] ?? []
                    let k = m.chosen[b]!
                    for r in runs { table += Self.csv(Self.row(cell, phase: "evaluation", method: m, setting: k, run: r, budget: b)) }
                    let s = Self.evaluationScores(cell, method: m.name, budget: b)
                    let f = meanAndStandardDeviation(s.final), a = meanAndStandardDeviation(s.area)
                    let cpus = runs.compactMap { r in Self.pointIndex(r, budget: b).flatMap { $0 < r.cpuSeconds.count ? r.cpuSeconds[$0] : nil } }
                    let cpuMedian = median(cpus)
                    summary += Self.csv([cell.dataset, cell.objective.rawValue, "\(b)", m.name, m.settings[k].label, "\(runs.count)",
                                         Self.cell(f.mean), Self.cell(f.std), Self.cell(a.mean), Self.cell(a.std), Self.cell(cpuMedian)])
                    rows.append([m.name, m.settings[k].label, s.final.map { String(format: "%.4g", $0) }.joined(separator: " "),
                                 String(format: "%.4g ± %.4g", f.mean, f.std), String(format: "%.4g ± %.4g", a.mean, a.std),
                                 String(format: "%.1f", cpuMedian)])
                    // Mean curves over the evaluation seeds, against gradients and against CPU seconds.
                    if let first = runs.first, let last = Self.pointIndex(first, budget: b) {
                        let n = min(last + 1, runs.map(\.records.count).min() ?? 0)
                        let ys = (0..<n).map { i in runs.map { Self.metric($0.records[i].last) }.reduce(0, +) / Double(runs.count) }
                        if ys.allSatisfy(\.isFinite) && n > 0 {
                            byGradients.append(LinePlot.Series(name: m.name, x: (0..<n).map { first.records[$0].oracleCalls * 2 }, y: ys))
                            let cpuMeans = (0..<n).map { i in runs.map { i < $0.cpuSeconds.count ? $0.cpuSeconds[i] : .nan }.reduce(0, +) / Double(runs.count) }
                            if cpuMeans.allSatisfy(\.isFinite) { byCPU.append(LinePlot.Series(name: m.name, x: cpuMeans, y: ys)) }
                        }
                    }
                }
                report.table(header: ["method", "chosen setting", "quality per seed", "quality (mean ± std)", "speed (mean ± std)", "CPU s per run (median)"], rows: rows)
                let yLabel = cell.dataset == "mnist" ? "Fréchet distance" : "sliced Wasserstein"
                for (suffix, series, xLabel) in [("gradients", byGradients, "minibatch gradients"), ("cpu", byCPU, "CPU seconds")] where !series.isEmpty {
                    let plot = LinePlot(title: "\(label), \(b) gradients: \(yLabel) of the last generator (mean over evaluation seeds)",
                                        xLabel: xLabel, yLabel: yLabel, logY: true, series: series)
                    let figure = plot.figure(), svg = figure.svg()
                    let name = "\(cell.dataset)-\(cell.objective.rawValue)-\(b)-\(suffix)"
                    try atomicWrite(svg, to: path + "/plots/\(name).svg")
                    try atomicWrite(figure.png(), to: path + "/plots/\(name).png")
                    try atomicWrite(figure.pdf(), to: path + "/plots/\(name).pdf")
                    report.figure(svg: svg)
                }
            }
        }
        for (d, why) in result.skipped.sorted(by: { $0.key < $1.key }) { report.paragraph("\(d): not run — \(why)") }
        report.paragraph("Every run: table.csv (tuning and evaluation); per method and budget: summary.csv; the tests' numbers: verdicts.json.")
        try atomicWrite(table, to: path + "/table.csv")
        try atomicWrite(summary, to: path + "/summary.csv")
        try atomicWrite(report.html(), to: path + "/report.html")
        try atomicWrite(verdictsJSON(result).text(indent: 2, sortedKeys: true) + "\n", to: path + "/verdicts.json")
    }

    /// verdicts.json: the protocol, each claim with its per-seed scores and p-values, each
    /// method's tuning table and choices. No times (it is the same on any host and rank count).
    public func verdictsJSON(_ result: Result) -> JSONValue {
        func number(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .string("\(x)") }
        let claims = JSONValue.array(result.claims.map { c in
            .object([
                ("dataset", .string(c.dataset)), ("objective", .string(c.objective.rawValue)), ("budget", .number(Double(c.budget))),
                ("method", .string(c.method)), ("criterion", .string(c.criterion)), ("claim", .string(c.test.claim)),
                ("verdict", .string(c.test.verdict.rawValue)), ("alpha", .number(c.test.alpha)),
                ("comparisons", .array(c.test.comparisons.map { k in
                    .object([("comparator", .string(k.comparator)), ("method_scores", .array(k.method.map(number))),
                             ("comparator_scores", .array(k.other.map(number))), ("p_better", .number(k.pBetter)),
                             ("p_worse", .number(k.pWorse)), ("holm_p_better", .number(k.adjustedBetter)),
                             ("holm_p_worse", .number(k.adjustedWorse))])
                })),
            ])
        })
        let tuning = JSONValue.array(result.cells.flatMap { cell in
            cell.methods.map { m in
                .object([
                    ("dataset", .string(cell.dataset)), ("objective", .string(cell.objective.rawValue)), ("method", .string(m.name)),
                    ("settings", .array(m.settings.map { .string($0.label) })),
                    ("scores", .object(cell.budgets.map { b in ("\(b)", .array(m.tuningScores(budget: b).map { .array($0.map(number)) })) })),
                    ("chosen", .object(cell.budgets.map { b in ("\(b)", .string(m.settings[m.chosen[b]!].label)) })),
                ])
            }
        })
        let p = comparisonProtocol
        return .object([
            ("protocol", .object([("tuning_seeds", .array(p.tuningSeeds.map { .number(Double($0)) })),
                                  ("evaluation_seeds", .array(p.evaluationSeeds.map { .number(Double($0)) })),
                                  ("alpha", .number(p.alpha)),
                                  ("test", .string("one-sided exact permutation test of the mean difference, Holm over each claim's comparisons; lower scores are better"))])),
            ("claims", claims),
            ("tuning", tuning),
            ("not_evaluated", .object(result.skipped.map { ($0.key, .string($0.value)) })),
        ])
    }
}
