import Runs
import Tensors
import Foundation
import Metrics
import Games
import Solvers

/// Several training configurations run at an equal budget of minibatch gradients, over several
/// seeds: the shape of the papers' method comparisons (Mirror-GAN vs SGD/Adam/RMSProp, SRFB vs
/// Extra-Adam).
///
/// The budget is counted in **minibatch gradients**: one player's gradient on one minibatch, i.e.
/// one block evaluation of the oracle (a simultaneous method spends two per oracle call; Mirror-GAN
/// spends 2K per outer step). Each method gets `budget / (2 · cost per iteration)` iterations, its
/// metrics `points` times along the way, and its EMA and last generator scored at the end.
public struct GANComparison: Sendable {
    public struct Entry: Sendable {
        /// The label in tables and plots.
        public var name: String
        /// Everything but `iterations`, `seed` and `logEvery`, which the comparison sets.
        public var configuration: TrainingConfiguration
        public init(name: String, configuration: TrainingConfiguration) {
            self.name = name
            self.configuration = configuration
        }
    }

    public var entries: [Entry]
    public var seeds: [UInt64]
    /// Minibatch gradients per run.
    public var budget: Int
    /// Metric evaluations per run (the curves' points).
    public var points: Int

    public init(entries: [Entry], seeds: [UInt64], budget: Int, points: Int = 10) {
        self.entries = entries
        self.seeds = seeds
        self.budget = budget
        self.points = points
    }

    /// One run's outcome.
    public struct Run: Sendable, Codable {
        public var entry: String
        public var seed: UInt64
        public var iterations: Int
        public var records: [MetricsRecord]
        public var summary: TrainingSummary?
        /// Set when the run stopped on NaN/Inf (the records up to then are kept).
        public var failure: String?
        /// CPU seconds of this process (all its threads) from the run's start to each record, metric
        /// evaluations included: the cost axis of the curves (one run per process at a time).
        public var cpuSeconds: [Double]
        public init(entry: String, seed: UInt64, iterations: Int, records: [MetricsRecord], summary: TrainingSummary?, failure: String?,
                    cpuSeconds: [Double] = []) {
            self.entry = entry
            self.seed = seed
            self.iterations = iterations
            self.records = records
            self.summary = summary
            self.failure = failure
            self.cpuSeconds = cpuSeconds
        }
        /// Minibatch gradients spent (block evaluations).
        public var gradients: Int { Int(((summary?.oracleCalls ?? records.last?.oracleCalls ?? 0) * 2).rounded()) }
    }

    /// The configuration of `entry` for `seed`, with its iteration count for the budget.
    public func configuration(of entry: Entry, seed: UInt64) throws -> TrainingConfiguration {
        var c = entry.configuration
        c.seed = seed
        let solver = try c.solverConfiguration().makeSolver()
        let perIteration = 2 * solver.cost.perIteration
        let initial = 2 * solver.cost.initialization
        c.iterations = max(1, Int(((Double(budget) - initial) / perIteration).rounded(.down)))
        c.logEvery = max(1, c.iterations / max(points, 1))
        c.checkpointEvery = 0
        return c
    }

    /// The run of `entry` for `seed` that `journal` holds — the run ``run(group:journal:progress:)``
    /// would take from it instead of training — or nil.
    public func storedRun(of entry: Entry, seed: UInt64, in journal: RunJournal) throws -> Run? {
        let keys = try journalKeys(of: entry, configuration: try configuration(of: entry, seed: seed), in: journal)
        return journal.storedRun(forKey: keys.key, legacyKey: keys.legacy)
    }

    /// The journal key of a run, and the key an accepted older build filed it under (by its
    /// configuration alone, before MNIST keys recorded the data file and the classifier).
    private func journalKeys(of entry: Entry, configuration c: TrainingConfiguration, in journal: RunJournal) throws -> (key: String, legacy: String?) {
        let inputs = try TrainingData.scoringInputs(of: c)
        let key = try RunJournal.key(entry: entry.name, configuration: c, inputs: inputs)
        let legacy = journal.acceptedBuilds.isEmpty || inputs == nil ? nil : try RunJournal.key(entry: entry.name, configuration: c)
        return (key, legacy)
    }

    /// Runs every entry for every seed, one after the other — or, with a `group` of several
    /// processes (MPI ranks), spread over them, every rank returning all runs in the same order;
    /// `progress` hears each run this process finished, and whether it came from the `journal`
    /// instead of training. With a ``RunJournal``, a run it holds for the same entry and
    /// configuration is taken from it, and every run trained is recorded in it as soon as it ends.
    public func run(group: any ProcessGroup = SingleProcess.shared, journal: RunJournal? = nil,
                    progress: (Run, _ fromJournal: Bool) -> Void = { _, _ in }) throws -> [Run] {
        let cells = entries.flatMap { entry in seeds.map { (entry, $0) } }
        return try group.distribute(cells.count) { i in
            let (entry, seed) = cells[i]
            let c = try configuration(of: entry, seed: seed)
            let keys = try journal.map { try journalKeys(of: entry, configuration: c, in: $0) }
            if let journal, let keys, let stored = journal.storedRun(forKey: keys.key, legacyKey: keys.legacy) {
                progress(stored, true)
                return stored
            }
            var records: [MetricsRecord] = [], cpu: [Double] = []
            var run = Run(entry: entry.name, seed: seed, iterations: c.iterations, records: [], summary: nil, failure: nil)
            let start = CPUTime.process
            do {
                let training = try GANTraining(c)
                run.summary = try training.run(TrainingSession { records.append($0); cpu.append(CPUTime.process - start) })
            } catch let e as RunError {
                run.failure = e.description
            }
            run.records = records
            run.cpuSeconds = cpu
            if let journal, let keys { try journal.record(run, key: keys.key) }
            progress(run, false)
            return run
        }
    }
}
