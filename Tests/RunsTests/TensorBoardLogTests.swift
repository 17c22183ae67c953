import Formats
import Games
import Foundation
import Runs
import Testing
import TestSupport

/// The run folder's TensorBoard log: the scalars of a `metrics.jsonl` line, exact; the config key;
/// and a resumed session's trimming and START event, read back with Saddle's own reader.
@Suite("TensorBoard log of a run folder")
struct TensorBoardLogTests {
    /// Values whose shortest decimal form Foundation's JSONSerialization on Linux reads back a bit
    /// off (seen while writing this): the scalars must be the record's doubles, bit for bit.
    @Test func scalarsAreTheRecordsNumbersExactly() {
        var last = GeneratorMetrics(), ema = GeneratorMetrics()
        last.slicedWasserstein = 0.16096673473824374
        ema.slicedWasserstein = .nan
        let record = MetricsRecord(iteration: 140, wallSeconds: 2.3280712198514406, oracleCalls: 141, lossGenerator: 1.7772645981937008,
                                   lossDiscriminator: -0.25, fieldNorm: 3e-9, last: last, ema: ema,
                                   stepSizes: PerPlayer(generator: 0.003, discriminator: 1e-4))
        let s = TensorBoardLog.scalars(of: record)
        let expected: [(String, Double)] = [("loss/generator", 1.7772645981937008), ("loss/discriminator", -0.25), ("field_norm", 3e-9),
                                            ("oracle_calls", 141), ("wall_seconds", 2.3280712198514406), ("step_size/generator", 0.003),
                                            ("step_size/discriminator", 1e-4), ("metrics/last/slicedWasserstein", 0.16096673473824374),
                                            ("metrics/ema/slicedWasserstein", .nan)]
        #expect(s.map(\.tag) == expected.map(\.0))
        for (a, b) in zip(s, expected) { #expect(a.value.bitPattern == b.1.bitPattern, "\(a.tag): \(a.value) against \(b.1)") }
        // Without step sizes (a caller's own solver) the tags are left out.
        let bare = MetricsRecord(iteration: 1, wallSeconds: 0, oracleCalls: 1, lossGenerator: 0, lossDiscriminator: 0, fieldNorm: 0, last: last, ema: last)
        #expect(!TensorBoardLog.scalars(of: bare).contains { $0.tag.hasPrefix("step_size/") })
    }

    @Test func configKeyReadsWritesAndValidates() throws {
        var c = TrainingConfiguration()
        #expect(c.tensorboard && c.yaml.contains("\ntensorboard: true\n"))
        try c.apply(yaml: "tensorboard: false\n", file: "c.yaml")
        #expect(!c.tensorboard && c.yaml.contains("\ntensorboard: false\n"))
        var read = TrainingConfiguration()
        try read.apply(yaml: c.yaml, file: "c.yaml")
        #expect(read == c)
        #expect(throws: ConfigError.self) { try read.apply(yaml: "tensorboard: yes\n", file: "c.yaml") }
        // A format-3 config (before the key) reads, with TensorBoard on.
        var old = TrainingConfiguration()
        try old.apply(yaml: "format_version: 3\nseed: 4\n", file: "old.yaml")
        #expect(old.tensorboard && old.seed == 4)
    }

    /// A second session after iteration 40 cuts the first file to steps ≤ 40 and starts its own
    /// with a START event at 41.
    @Test func aResumedSessionTrimsAndStartsAfterTheCheckpoint() throws {
        let folder = try makeScratchFolder("tblog")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dir = try RunDirectory(creating: folder + "/run", defaultPrefix: "ring", force: false)
        func record(_ k: Int) -> MetricsRecord {
            MetricsRecord(iteration: k, wallSeconds: Double(k), oracleCalls: Double(k), lossGenerator: 1, lossDiscriminator: 2, fieldNorm: 3,
                          last: GeneratorMetrics(), ema: GeneratorMetrics())
        }
        let first = try TensorBoardLog(directory: dir, continuingAfter: 0)
        for k in [20, 40, 60] { try first.write(record(k)) }
        first.writer.close()
        var notes: [String] = []
        let second = try TensorBoardLog(directory: dir, continuingAfter: 40) { notes.append($0) }
        try second.write(record(60))
        second.writer.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/run/tb").sorted()
        #expect(names.count == 2 && names[0] < names[1] && notes.count == 1 && notes[0].contains("dropped 1 event(s) past iteration 40"), "\(names) \(notes)")
        func events(_ name: String) throws -> [TensorBoardEvent] {
            try TensorBoardEvent.events([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/run/tb/" + name))), file: name)
        }
        #expect(try events(names[0]).map(\.step) == [0, 20, 40])
        let resumed = try events(names[1])
        #expect(resumed.map(\.step) == [0, 41, 60] && resumed[1].content == .sessionLog(status: TensorBoardEvent.sessionStart))
    }
}
