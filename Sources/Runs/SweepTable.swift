import Foundation
import Formats
import Metrics
import Reports

/// What `saddle sweep --gather DIR` reads and writes: one row per run of the sweep in DIR (its
/// `sweep.yaml` and `runs/<name>/summary.json`), as `sweep.csv` and a `report.html` with the final
/// metrics grouped over seeds (mean ± sample sd, n) and every run's curves overlaid.
public struct SweepTable {
    public struct Row {
        public let run: Sweep.Run
        /// How the run last ended ("completed", "interrupted", "time-limit", "diverged", "failed"), or
        /// "unfinished" (started, never ended: killed) or "not run".
        public let status: String
        public let iterations: Int?
        public let oracleCalls: Double?
        public let wallSeconds: Double?
        /// Final metrics by name (``SweepTable/metricNames``).
        public let metrics: [String: Double]
        /// (iteration, metric name → value) from metrics.jsonl.
        public let curve: [(iteration: Int, values: [String: Double])]
    }

    public let sweep: Sweep
    public let folder: String
    public let rows: [Row]
    /// The metric columns, `last_…` then `ema_…`, of the data the runs trained on.
    public let metricNames: [String]

    /// The metrics of one generator, named as the CSV's columns (without the last_/ema_ prefix).
    static func values(_ m: GeneratorMetrics) -> [(String, Double)] {
        var v: [(String, Double)] = []
        if let x = m.mixture {
            v += [("modes_covered", Double(x.modesCovered)), ("high_quality_percent", x.highQualityPercent), ("kl_to_uniform", x.klToUniform),
                  ("smallest_mode_share", x.smallestModeShare)]
        }
        if let x = m.images {
            v += [("classes_covered", Double(x.classesCovered)), ("class_kl", x.classHistogramKL), ("frechet_distance", x.frechetDistance)]
        }
        if let sw = m.slicedWassersteinDistance { v.append(("sliced_wasserstein", sw)) }
        return v
    }

    public init(folder: String) throws {
        self.folder = folder
        sweep = try Sweep(file: folder + "/sweep.yaml")
        var rows: [Row] = []
        var names: [String] = []
        let decoder = RunDirectory.decoder
        for run in sweep.runs {
            let dir = folder + "/runs/" + run.name
            guard let outcome = RunDirectory.lastOutcome(at: dir) else {
                let started = FileManager.default.fileExists(atPath: dir + "/config.yaml")
                rows.append(Row(run: run, status: started ? "unfinished" : "not run", iterations: nil, oracleCalls: nil, wallSeconds: nil,
                                metrics: [:], curve: []))
                continue
            }
            guard let s = outcome.summary else {
                rows.append(Row(run: run, status: outcome.status, iterations: nil, oracleCalls: nil, wallSeconds: nil, metrics: [:], curve: []))
                continue
            }
            var metrics: [String: Double] = [:]
            for (prefix, m) in [("last_", s.last), ("ema_", s.ema)] {
                for (k, v) in Self.values(m) {
                    metrics[prefix + k] = v
                    if !names.contains(prefix + k) { names.append(prefix + k) }
                }
            }
            var curve: [(Int, [String: Double])] = []
            if let bytes = try? readFileBytes(dir + "/metrics.jsonl", limit: 256 << 20) {
                for line in bytes.split(separator: UInt8(ascii: "\n")) {
                    guard let r = try? decoder.decode(MetricsRecord.self, from: Data(line)) else { continue }
                    var v: [String: Double] = [:]
                    for (prefix, m) in [("last_", r.last), ("ema_", r.ema)] { for (k, x) in Self.values(m) { v[prefix + k] = x } }
                    curve.append((r.iteration, v))
                }
            }
            rows.append(Row(run: run, status: s.exitStatus, iterations: s.iterations, oracleCalls: s.oracleCalls, wallSeconds: s.wallSeconds,
                            metrics: metrics, curve: curve))
        }
        self.rows = rows
        metricNames = names.filter { $0.hasPrefix("last_") } + names.filter { $0.hasPrefix("ema_") }
    }

    static func cell(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }

    /// One row per run: its name, axis values, status, iterations, oracle calls, wall seconds, metrics.
    public var csv: String {
        let header = ["run"] + sweep.axes.map(\.key) + ["status", "iterations", "oracle_calls", "wall_seconds"] + metricNames
        var out = header.map(Self.cell).joined(separator: ",") + "\n"
        for r in rows {
            let cells = [r.run.name] + r.run.assignments.map(\.value) + [r.status, r.iterations.map { "\($0)" } ?? "", Self.number(r.oracleCalls),
                                                                          Self.number(r.wallSeconds)] + metricNames.map { Self.number(r.metrics[$0]) }
            out += cells.map(Self.cell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// Runs grouped by every axis but `seed`: (group name, rows).
    public var groups: [(name: String, rows: [Row])] {
        var order: [String] = []
        var members: [String: [Row]] = [:]
        for r in rows {
            let key = r.run.assignments.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let name = key.isEmpty ? "all runs" : key
            if members[name] == nil { order.append(name) }
            members[name, default: []].append(r)
        }
        return order.map { ($0, members[$0]!) }
    }

    /// "mean ± sd (n)" over the rows that have the metric (sample sd; "—" for none).
    public static func summary(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "—" }
        let (mean, sd) = meanAndStandardDeviation(values)
        return values.count > 1 ? String(format: "%.4g ± %.2g (%d)", mean, sd, values.count) : String(format: "%.4g (1)", mean)
    }

    public func report() -> String {
        var r = HTMLReport(title: "Sweep \((folder as NSString).lastPathComponent)")
        let done = rows.filter { TrainingSummary.isFinished($0.status) }.count
        r.paragraph("\(rows.count) runs (\(sweep.combine.rawValue) over \(sweep.axes.map { "\($0.key) (\($0.values.count))" }.joined(separator: ", "))); \(done) completed. Final metrics over seeds: mean ± sample standard deviation (number of completed runs with the metric).")
        r.heading("Final metrics by group")
        let shown = metricNames.filter { $0.hasPrefix("ema_") } + metricNames.filter { $0.hasPrefix("last_") }
        r.table(header: ["group", "runs"] + shown, rows: groups.map { g in
            let completed = g.rows.filter { TrainingSummary.isFinished($0.status) }
            return [g.name, "\(completed.count)/\(g.rows.count)"] + shown.map { m in Self.summary(completed.compactMap { $0.metrics[m] }) }
        })
        r.heading("Every run")
        r.table(header: ["run", "status", "iterations", "wall s"] + shown, rows: rows.map { row in
            [row.run.name, row.status, row.iterations.map { "\($0)" } ?? "", row.wallSeconds.map { String(format: "%.1f", $0) } ?? ""]
                + shown.map { m in row.metrics[m].map { String(format: "%.4g", $0) } ?? "" }
        })
        r.heading("Curves")
        for m in shown.prefix(4) {
            let series = rows.compactMap { row -> LinePlot.Series? in
                let points = row.curve.compactMap { p in p.values[m].map { (Double(p.iteration), $0) } }
                return points.isEmpty ? nil : LinePlot.Series(name: row.run.name, x: points.map(\.0), y: points.map(\.1))
            }
            guard !series.isEmpty else { continue }
            r.figure(svg: LinePlot(title: m, xLabel: "iteration", yLabel: m, logY: false, series: series).svg())
        }
        return r.html()
    }

    /// Writes `sweep.csv` and `report.html` into the sweep's folder (atomically); returns their paths.
    @discardableResult
    public func write() throws -> [String] {
        let csvPath = folder + "/sweep.csv", htmlPath = folder + "/report.html"
        try atomicWrite(csv, to: csvPath)
        try atomicWrite(report(), to: htmlPath)
        return [csvPath, htmlPath]
    }
}
