import Foundation
import Formats
import Metrics
import Runs
import Reproductions
import Tensors
import Testing
import TestSupport

/// The study journal (`<out>/journal/`): runs read back to the same bits, a line cut by a kill is
/// dropped, anything else that is not a record is refused naming its file and line, and runs of
/// another build are not reused.
@Suite("Study journal: record, reread, resume")
struct RunJournalTests {
    /// A run with awkward numbers: a value that prints with 17 digits, a subnormal, +∞ and NaN.
    static func run(_ entry: String, seed: UInt64) -> GANComparison.Run {
        var m = GeneratorMetrics()
        m.slicedWasserstein = 0.1 + 0.2
        var odd = GeneratorMetrics()
        odd.slicedWasserstein = .nan
        let records = [
            MetricsRecord(iteration: 1, wallSeconds: .leastNonzeroMagnitude, oracleCalls: 2, lossGenerator: -.infinity, lossDiscriminator: 1 / 3,
                          fieldNorm: .nan, last: m, ema: odd),
            MetricsRecord(iteration: 2, wallSeconds: 1, oracleCalls: 4, lossGenerator: 0.7, lossDiscriminator: -0.0, fieldNorm: 1e300, last: odd, ema: m),
        ]
        return GANComparison.Run(entry: entry, seed: seed, iterations: 2, records: records, summary: nil, failure: seed == 1 ? "diverged" : nil,
                                 cpuSeconds: [0.25, 0.5])
    }

    static func bytes(_ r: GANComparison.Run) throws -> [UInt8] { try JSON.bytes(r) }

    static func key(_ entry: String, _ seed: UInt64) throws -> String {
        var c = TrainingConfiguration()
        c.seed = seed
        return try RunJournal.key(entry: entry, configuration: c)
    }

    @Test func runsReadBackBitForBitAndKeysFollowTheConfiguration() throws {
        let dir = try makeScratchFolder("journal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = dir + "/journal"
        let writer = try RunJournal(folder: folder, reuse: true, origin: "build A")
        #expect(writer.count == 0)
        for seed: UInt64 in [0, 1] { try writer.record(Self.run("adam#2", seed: seed), key: try Self.key("adam#2", seed)) }
        // A key changes with the entry and with any field of the configuration.
        #expect(try Self.key("adam#2", 0) != Self.key("adam#3", 0))
        #expect(try Self.key("adam#2", 0) != Self.key("adam#2", 1))
        #expect(try Self.key("adam#2", 0) == Self.key("adam#2", 0))

        let reader = try RunJournal(folder: folder, reuse: true, origin: "build A")
        #expect(reader.count == 2 && reader.tornLines == 0 && reader.ignoredOtherOrigin == 0)
        for seed: UInt64 in [0, 1] {
            let back = try #require(reader.storedRun(forKey: try Self.key("adam#2", seed)))
            #expect(try Self.bytes(back) == Self.bytes(Self.run("adam#2", seed: seed)))
            #expect(back.records[0].wallSeconds.bitPattern == Double.leastNonzeroMagnitude.bitPattern)
            #expect(back.records[1].lossDiscriminator.sign == .minus && back.records[0].fieldNorm.isNaN)
        }
        let missing = try Self.key("adam#9", 0)
        #expect(reader.storedRun(forKey: missing) == nil)
        // Without reuse nothing is read (and nothing earlier is touched).
        let fresh = try RunJournal(folder: folder, reuse: false, origin: "build A")
        #expect(fresh.count == 0)
        // Another build's runs are not reused, only counted.
        let other = try RunJournal(folder: folder, reuse: true, origin: "build B")
        #expect(other.count == 0 && other.ignoredOtherOrigin == 2)
        // Each process writes its own file; the reader's record went to a second one.
        try reader.record(Self.run("sgd#0", seed: 0), key: try Self.key("sgd#0", 0))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count == 2, "\(files)")
        #expect(try RunJournal(folder: folder, reuse: true, origin: "build A").count == 3)
    }

    /// `--reuse-build`: another build's runs are reused only when named, and only from this CPU kind;
    /// this build's own run of a key wins over an accepted build's.
    @Test func anotherBuildsRunsAreReusedOnlyWhenNamedAndOnlyFromThisCPUKind() throws {
        let dir = try makeScratchFolder("journal-builds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = dir + "/journal"
        let old = try RunJournal(folder: folder, reuse: true, origin: "92aa2286b48c on Cooperlake")
        try old.record(Self.run("adam#2", seed: 0), key: try Self.key("adam#2", 0))
        try old.record(Self.run("adam#2", seed: 1), key: try Self.key("adam#2", 1))
        let elsewhere = try RunJournal(folder: folder, reuse: true, origin: "92aa2286b48c on Zen")
        try elsewhere.record(Self.run("sgd#0", seed: 0), key: try Self.key("sgd#0", 0))
        let mine = "0123456789ab on Cooperlake"
        #expect(try RunJournal(folder: folder, reuse: true, origin: mine).count == 0)
        let named = try RunJournal(folder: folder, reuse: true, origin: mine, acceptedBuilds: ["92aa228"])
        #expect(named.count == 2 && named.countFromAcceptedBuilds == 2 && named.ignoredOtherOrigin == 1)
        #expect(named.storedRun(forKey: try Self.key("adam#2", 0)) != nil)
        #expect(named.storedRun(forKey: try Self.key("sgd#0", 0)) == nil)  // recorded on another CPU kind
        #expect(try RunJournal(folder: folder, reuse: true, origin: mine, acceptedBuilds: ["92aa229"]).count == 0)
        // This build's own record of a key comes first, whatever the file order.
        var own = Self.run("adam#2", seed: 0)
        own.cpuSeconds = [9, 9]
        try named.record(own, key: try Self.key("adam#2", 0))
        let both = try RunJournal(folder: folder, reuse: true, origin: mine, acceptedBuilds: ["92aa228"])
        #expect(both.count == 2 && both.countFromAcceptedBuilds == 1)
        #expect(both.storedRun(forKey: try Self.key("adam#2", 0))?.cpuSeconds == [9, 9])
        // A legacy key (an older build's MNIST key, without the data and classifier hashes) finds
        // only an accepted build's run, and is counted; this build's runs need their full key.
        var c = TrainingConfiguration()
        c.dataset = "mnist"
        let legacy = try RunJournal.key(entry: "sgd#1", configuration: c)
        let full = try RunJournal.key(entry: "sgd#1", configuration: c, inputs: "data_sha256=a classifier_sha256=b")
        try old.record(Self.run("sgd#1", seed: 0), key: legacy)
        let again = try RunJournal(folder: folder, reuse: true, origin: mine, acceptedBuilds: ["92aa228"])
        #expect(again.storedRun(forKey: full) == nil && again.takenByLegacyKey == 0)
        #expect(again.storedRun(forKey: full, legacyKey: legacy) != nil && again.takenByLegacyKey == 1)
        try again.record(Self.run("sgd#2", seed: 0), key: try RunJournal.key(entry: "sgd#2", configuration: c))
        let mineOnly = try RunJournal(folder: folder, reuse: true, origin: mine)
        #expect(mineOnly.storedRun(forKey: full, legacyKey: legacy) == nil)
        #expect(mineOnly.storedRun(forKey: try RunJournal.key(entry: "sgd#2", configuration: c, inputs: "x"),
                                   legacyKey: try RunJournal.key(entry: "sgd#2", configuration: c)) == nil)
    }

    @Test func aTornLastLineIsDroppedAndAnyOtherBadLineIsRefused() throws {
        let dir = try makeScratchFolder("journal-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = dir + "/journal"
        let writer = try RunJournal(folder: folder, reuse: true, origin: "o")
        try writer.record(Self.run("adam#0", seed: 0), key: try Self.key("adam#0", 0))
        try writer.record(Self.run("adam#0", seed: 1), key: try Self.key("adam#0", 1))
        let file = folder + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first))
        let whole = try Data(contentsOf: URL(fileURLWithPath: file))
        let lines = whole.split(separator: 0x0a)
        #expect(lines.count == 2)

        // A kill in the middle of the second line: the first run is kept, the cut one dropped.
        try Data(whole.prefix(lines[0].count + 1 + lines[1].count / 2)).write(to: URL(fileURLWithPath: file))
        let cut = try RunJournal(folder: folder, reuse: true, origin: "o")
        #expect(cut.count == 1 && cut.tornLines == 1)
        let (k0, k1) = (try Self.key("adam#0", 0), try Self.key("adam#0", 1))
        #expect(cut.storedRun(forKey: k0) != nil && cut.storedRun(forKey: k1) == nil)

        func refused(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            do {
                _ = try RunJournal(folder: folder, reuse: true, origin: "o")
                Issue.record("accepted: \(text.prefix(80))", sourceLocation: sourceLocation)
            } catch let e as JournalError {
                #expect(e.description.contains(file) && e.description.contains(expected), "\(e.description)", sourceLocation: sourceLocation)
            }
        }
        let good = String(decoding: lines[0], as: UTF8.self)
        // A cut line followed by more lines is not a kill's trace: refused, with its line number.
        try refused(String(decoding: lines[1].prefix(100), as: UTF8.self) + "\n" + good + "\n", "line 1")
        try refused(good + "\n{\"format\":\"saddle-run-journal\"}\n", "line 2: not a journal record")
        try refused(good.replacingOccurrences(of: "saddle-run-journal", with: "something-else") + "\n", "format is 'something-else'")
        try refused(good.replacingOccurrences(of: "\"version\":1", with: "\"version\":7") + "\n", "journal version 7")
        try refused(good.replacingOccurrences(of: "{\"entry\":\"adam#0\"", with: "{\"entry\":\"sgd#0\"") + "\n", "entry and seed")
        // A file that is not a folder where the journal should be.
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/notafolder"))
        #expect(throws: JournalError.self) { _ = try RunJournal(folder: dir + "/notafolder", reuse: true, origin: "o") }
    }

    /// An MNIST run's key also holds the data file's and the classifier's bytes: the same
    /// configuration scored by another classifier cache (here one weight changed, its metadata
    /// the same — as a cache trained at another BLAS thread count looks) is not taken from the
    /// journal, and the same cache is.
    @Test func mnistRunsAreReusedOnlyWithTheSameDataAndClassifier() throws {
        let dir = try makeScratchFolder("journal-mnist")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The classifier holds out 100 images per class, so 110 per class leave 100 to train on.
        let file = dir + "/digits.csv.gz"
        try atomicWrite(Gzip.compress(Array(mnistCSV(syntheticDigits(perClass: 110)).utf8)), to: file)
        var c = TrainingConfiguration()
        c.dataset = "mnist"
        c.dataFile = file
        c.hidden = 8
        c.batchSize = 16
        c.evaluationSamples = 200
        let inputs = try #require(try TrainingData.scoringInputs(of: c))
        #expect(inputs.hasPrefix("data_sha256=") && inputs.contains(" classifier_sha256="))
        #expect(try TrainingData.scoringInputs(of: c) == inputs)
        #expect(try RunJournal.key(entry: "adam#0", configuration: c, inputs: inputs) != RunJournal.key(entry: "adam#0", configuration: c))
        // The mixtures' scores depend on the configuration alone; a missing file is left to the run.
        #expect(try TrainingData.scoringInputs(of: TrainingConfiguration()) == nil)
        var missing = c
        missing.dataFile = dir + "/absent.csv.gz"
        #expect(try TrainingData.scoringInputs(of: missing) == nil)

        let comparison = GANComparison(entries: [.init(name: "adam#0", configuration: c)], seeds: [0], budget: 4, points: 2)
        let journal = try RunJournal(folder: dir + "/journal", reuse: true, origin: "build A")
        var taken: [Bool] = []
        _ = try comparison.run(journal: journal) { taken.append($1) }
        _ = try comparison.run(journal: try RunJournal(folder: dir + "/journal", reuse: true, origin: "build A")) { taken.append($1) }
        #expect(taken == [false, true])
        // Another cache with the same metadata: a new key, so the run trains again.
        let cachePath = MNISTClassifier.defaultCachePath(forDataFile: file)
        let classifier = try MNISTClassifier.loadOrTrain(dataFile: file)
        let weights = classifier.network.parameters.flat
        weights[0] = weights[0] + 0.25
        try classifier.save(to: cachePath)
        let moved = try #require(try TrainingData.scoringInputs(of: c))
        #expect(moved != inputs && moved.hasPrefix(String(inputs.prefix(while: { $0 != " " }))))
        _ = try comparison.run(journal: try RunJournal(folder: dir + "/journal", reuse: true, origin: "build A")) { taken.append($1) }
        #expect(taken == [false, true, false])
    }

    /// Rank r of R in task I of N trains item i exactly when i mod (N·R) = I·R + r: every item of a
    /// batch by exactly one (task, rank), and only by the rank that ``ProcessGroup/distribute(_:_:)``
    /// hands it to (i mod R).
    @Test func aJobArraysSharesCoverEveryRunOnce() {
        for tasks in 1...4 {
            for ranks in 1...3 {
                for i in 0..<50 {
                    var owners: [(Int, Int)] = []
                    for task in 0..<tasks {
                        for rank in 0..<ranks where MixedNashStudy.Share(task: task, of: tasks).trains(i, rank: rank, ranks: ranks) { owners.append((task, rank)) }
                    }
                    #expect(owners.count == 1 && owners[0].1 == i % ranks, "item \(i), \(tasks) tasks × \(ranks) ranks: \(owners)")
                }
            }
        }
    }

    /// `saddle reproduce mixed-nash --task-index I --task-count N --resume` (a job array): two tasks
    /// in two passes train disjoint halves of a small study through one journal — the first pass
    /// the tuning runs (the second task, started after the first had recorded its half, also its
    /// half of the evaluation runs), the second pass the rest — and the study written from that
    /// journal trains nothing and has the uninterrupted study's claims, bit for bit.
    @Test func aJobArraysTasksTrainDisjointSharesAndTheirJournalGivesTheUninterruptedStudy() throws {
        var study = MixedNashStudy(datasets: ["ring"], objectives: [.wganGP], budgets: ["ring": [40, 80]],
                                   comparisonProtocol: ComparisonProtocol(tuningSeeds: [100], evaluationSeeds: [0, 1, 2], alpha: 0.05))
        study.reducedGrid = true
        study.points = 2
        let dir = try makeScratchFolder("study-share")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The runs' bits depend on OpenBLAS's thread count (docs/metrics.md), and other tests in
        // this process set it to 1 at any moment (never back): train everything at saddle's 1, or
        // the reference and the array's runs may see different counts (CI of 742930f).
        BLAS.threads = 1
        let reference = try study.run(journal: try RunJournal(folder: dir + "/reference/journal", reuse: true))
        let evaluationRuns = reference.cells[0].methods.reduce(0) { n, m in n + Set(m.chosen.values).count } * 3
        let folder = dir + "/array/journal"
        func pass(_ task: Int) throws -> (outcome: MixedNashStudy.ShareOutcome, trained: [String]) {
            var trained: [String] = []
            let outcome = try study.runShare(.init(task: task, of: 2), journal: try RunJournal(folder: folder, reuse: true)) { p, _ in
                if !p.fromJournal { trained.append("\(p.phase) \(p.index)") }
            }
            #expect(outcome.trained == trained.count)
            return (outcome, trained)
        }
        let tuning = (1...12).map { "tuning \($0)" }, evaluation = (1...evaluationRuns).map { "evaluation \($0)" }
        func half(_ items: [String], _ task: Int) -> [String] { items.enumerated().filter { $0.offset % 2 == task }.map(\.element) }

        let first = try pass(0)
        #expect(first.trained == half(tuning, 0))
        #expect(first.outcome.missing == 6 && first.outcome.waiting == ["ring / wgan-gp"] && !first.outcome.isComplete)
        let second = try pass(1)
        #expect(second.trained == half(tuning, 1) + half(evaluation, 1))
        #expect(second.outcome.missing == evaluationRuns - evaluationRuns / 2 && second.outcome.waiting.isEmpty)
        let third = try pass(0)
        #expect(third.trained == half(evaluation, 0) && third.outcome.isComplete)
        let fourth = try pass(1)
        #expect(fourth.trained.isEmpty && fourth.outcome.isComplete)

        var trainedAtTheEnd = 0
        let assembled = try study.run(journal: try RunJournal(folder: folder, reuse: true)) { p, _ in if !p.fromJournal { trainedAtTheEnd += 1 } }
        #expect(trainedAtTheEnd == 0)
        #expect(assembled.claims.count == reference.claims.count && !reference.claims.isEmpty)
        for (a, b) in zip(assembled.claims, reference.claims) {
            #expect(try JSON.bytes(a.test) == JSON.bytes(b.test), "\(a.test.claim)")
        }
        #expect(assembled.cells[0].methods.map(\.chosen) == reference.cells[0].methods.map(\.chosen))
    }
}
