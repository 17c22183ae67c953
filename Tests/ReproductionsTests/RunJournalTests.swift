import Foundation
import Formats
import Runs
import Reproductions
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
}
