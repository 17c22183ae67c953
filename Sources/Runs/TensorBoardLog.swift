import Formats
import Foundation

/// A run folder's TensorBoard log, `tb/` (config key `tensorboard`, flag `--no-tensorboard` to
/// turn it off): one event file per session, `tb/events.out.tfevents.<seconds>.<host>`
/// (``TensorBoardEventWriter``), so `tensorboard --logdir runs/` shows every run of `runs/`.
///
/// At every log interval, right after `metrics.jsonl`'s line, one event at step k (the iteration)
/// holds every number of that line as a scalar (``scalars(of:)``: `loss/generator`,
/// `loss/discriminator`, `field_norm`, `oracle_calls`, `wall_seconds`, `step_size/generator`,
/// `step_size/discriminator`, and `metrics/last/<key>`, `metrics/ema/<key>` for each metric of the
/// two generators, named by its key in `metrics.jsonl`), and, when the run draws its PNGs at that
/// interval (the first of a session, then at most every ``GANTraining/rasterInterval`` seconds, and
/// the last), the two sample plots as images (`samples/last`, `samples/ema`). Scalars are float32,
/// as TensorBoard stores them.
///
/// A resumed session (``init(directory:continuingAfter:log:)`` with the checkpoint's iteration
/// k) first cuts the earlier event files to steps ≤ k — as `metrics.jsonl` is cut to its lines
/// up to k — and drops a record that a crash cut short; then its new file starts with a
/// `session_log` START at step k + 1, from which TensorBoard's readers also purge earlier files'
/// events at steps > k on their own. Either way each step is shown once, with the values of the
/// session that wrote `metrics.jsonl`'s line.
public final class TensorBoardLog {
    public static let folderName = "tb"
    public let writer: TensorBoardEventWriter

    /// Opens a new event file in `directory`'s `tb/` for a session that continues after
    /// `iteration` (0 for a new run), first trimming earlier files (see the type's notes; `log`
    /// hears what was dropped).
    public init(directory: RunDirectory, continuingAfter iteration: Int, log: (String) -> Void = { _ in }) throws {
        let folder = directory.path + "/" + Self.folderName
        try makeFolders(folder)
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(TensorBoardEventWriter.namePrefix) }.sorted()
        for name in existing {
            let path = folder + "/" + name
            do {
                guard let t = try TensorBoardEventWriter.trimmed(path, keepingStepsThrough: Int64(iteration)) else { continue }
                try atomicWrite(t.bytes, to: path, kind: .tensorboard)
                var parts: [String] = []
                if t.droppedEvents > 0 { parts.append("\(t.droppedEvents) event(s) past iteration \(iteration)") }
                if t.droppedBytes > 0 { parts.append("\(t.droppedBytes) byte(s) of a record a crash cut short or damaged") }
                log("\(Self.folderName)/\(name): dropped " + parts.joined(separator: " and "))
            } catch let e as FormatError {
                if case .unwritable = e { throw e }
                // An unreadable or oversized file is left as it is: the START event below still
                // makes TensorBoard drop its later steps.
                log("\(Self.folderName)/\(name): left as it is (\(e))")
            }
        }
        let now = Date().timeIntervalSince1970
        let name = TensorBoardEventWriter.newFileName(existing: existing, now: now, host: TensorBoardEventWriter.hostName())
        writer = try TensorBoardEventWriter(path: folder + "/" + name, wallTime: now)
        if !existing.isEmpty {
            try writer.append([TensorBoardEvent(wallTime: now, step: Int64(iteration) + 1, .sessionLog(status: TensorBoardEvent.sessionStart))])
        }
    }

    /// Writes the event of one log interval: ``scalars(of:)`` of `record` and the `images`, PNG
    /// files (those that are not PNG are left out).
    public func write(_ record: MetricsRecord, images: [(tag: String, png: [UInt8])] = []) throws {
        var values = Self.scalars(of: record).map { TensorBoardValue.scalar($0.tag, Float($0.value)) }
        for i in images { if let image = TensorBoardImage(png: i.png) { values.append(TensorBoardValue(tag: i.tag, .image(image))) } }
        try writer.append([TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: Int64(record.iteration), .summary(values))])
    }

    /// The tags of `metrics.jsonl`'s top-level numbers.
    public static let topLevelTags: [(key: String, tag: String)] = [
        ("lossGenerator", "loss/generator"), ("lossDiscriminator", "loss/discriminator"), ("fieldNorm", "field_norm"),
        ("oracleCalls", "oracle_calls"), ("wallSeconds", "wall_seconds"),
        ("stepSizeGenerator", "step_size/generator"), ("stepSizeDiscriminator", "step_size/discriminator"),
    ]

    /// Every number of `record`'s line in `metrics.jsonl`, as (tag, value): the top-level ones under
    /// ``topLevelTags``, and each number of `last` and `ema` as `metrics/last/<key>` and
    /// `metrics/ema/<key>`. Taken from the ``JSONValue`` that the line is written from
    /// (``JSONValueEncoder``), so the values are the line's own, bit for bit, and a metric added to
    /// ``GeneratorMetrics`` is logged without a change here; lists (the image metrics'
    /// `classCounts`) are left to `metrics.jsonl`, and the iteration is the event's step.
    public static func scalars(of record: MetricsRecord) -> [(tag: String, value: Double)] {
        guard let line = try? JSONValueEncoder().encode(record) else { return [] }
        func number(_ v: JSONValue?) -> Double? {
            switch v {
            case .number(let x)?: return x
            case .integer(let i)?: return Double(i)
            case .unsigned(let u)?: return Double(u)
            default: return nil
            }
        }
        var out: [(tag: String, value: Double)] = []
        for (key, tag) in topLevelTags { if let v = number(line[key]) { out.append((tag, v)) } }
        for generator in ["last", "ema"] {
            guard case .object(let members)? = line[generator] else { continue }
            for key in Set(members.map(\.0)).sorted() { if let v = number(line[generator]?[key]) { out.append(("metrics/\(generator)/\(key)", v)) } }
        }
        return out
    }
}
