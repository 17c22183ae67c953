import Formats
import Foundation
import Reports

/// Self-contained HTML pages of runs: `report.html` in a run folder, and `saddle report`'s
/// side-by-side comparison of several runs. Plots are inline SVG, images PNG data URIs.
public enum RunReport {
    /// The final-metrics table: one row per (run, generator), a column per metric any row has.
    /// Runs without `summary.json` (still running, or killed) show their last `metrics.jsonl` line,
    /// labelled so in the status column.
    public static func metricsTable(_ runs: [RunHistory]) -> (header: [String], rows: [[String]]) {
        var entries: [(run: RunHistory, generator: String, metrics: [String: Any], iteration: Int?, fromSummary: Bool)] = []
        for r in runs {
            for (g, name) in [("last", "last"), ("ema", "EMA")] {
                if let f = r.finalMetrics(g) { entries.append((r, name, f.metrics, f.iteration, f.fromSummary)) }
            }
            // The untrained generator's metrics, when summary.json has them: the baseline.
            if let s = r.summary, let m = s["untrained"] as? [String: Any] { entries.append((r, "untrained (ω₀)", m, 0, true)) }
        }
        let keys = RunPlots.metricKeys(entries.map(\.metrics))
        var header = ["generator"] + keys.map(RunPlots.label)
        if runs.count > 1 { header = ["run", "iterations", "status"] + header }
        let rows = entries.map { e -> [String] in
            var row = [e.generator] + keys.map { RunPlots.format($0, in: e.metrics) }
            if runs.count > 1 {
                let status = e.fromSummary ? (e.run.summary?["exitStatus"] as? String ?? "?") : "no summary.json: last metrics.jsonl line"
                row = [e.run.name, e.iteration.map(String.init) ?? "?", status] + row
            }
            return row
        }
        return (header, rows)
    }

    /// One sentence on how a run ended, from `summary.json` (or its progress so far).
    public static func outcome(_ run: RunHistory) -> String {
        guard let s = run.summary else {
            let k = run.records.last.flatMap { $0["iteration"] as? Int }
            return "No summary.json yet (still running, or stopped without one)" + (k.map { "; metrics.jsonl reaches iteration \($0)." } ?? ".")
        }
        func n(_ key: String) -> Double { s[key].flatMap(RunPlots.number) ?? .nan }
        var text = "\(s["exitStatus"] as? String ?? "?") after \(s["iterations"] as? Int ?? 0) iterations"
        text += String(format: " (%.0f oracle calls) in %.1f s", n("oracleCalls"), n("wallSeconds"))
        text += "; Saddle \(s["saddleVersion"] as? String ?? "?")"
        if let c = s["gitCommit"] as? String { text += " (commit \(c))" }
        text += ", BLAS core \(s["blasCore"] as? String ?? "?")"
        if let c = s["configuration"] as? [String: Any] {
            text += ", seed \(c["seed"].map { "\($0)" } ?? "?"), \(c["threads"].map { "\($0)" } ?? "?") thread(s)"
        }
        return text + "."
    }

    /// The run's sample plots from its folder: inline SVG when there is one, else the PNG.
    static func addSamples(_ run: RunHistory, to report: inout HTMLReport) -> Bool {
        var any = false
        for name in ["samples-last", "samples-ema"] {
            if let svg = (try? readFileBytes(run.path + "/" + name + ".svg", limit: 256 << 20)).map({ String(decoding: $0, as: UTF8.self) }) {
                report.figure(svg: svg); any = true
            } else if let png = try? Data(readFileBytes(run.path + "/" + name + ".png", limit: 256 << 20)) {
                report.image(png: [UInt8](png), alt: "\(run.name) \(name)"); any = true
            }
        }
        return any
    }

    static func addCurves(_ runs: [RunHistory], to report: inout HTMLReport) {
        let curves = RunPlots.curves(runs)
        if !curves.metrics.isEmpty {
            report.heading("Metrics over training (last and EMA generator)")
            for p in curves.metrics { report.figure(svg: p.svg()) }
        }
        report.heading("Losses and ‖F‖")
        for p in curves.losses { report.figure(svg: p.svg()) }
    }

    /// `report.html` of one run folder: outcome, final metrics (last and EMA), the latest samples,
    /// curves, and the configuration.
    public static func html(_ run: RunHistory) -> String {
        var r = HTMLReport(title: "Saddle run \(run.name)")
        r.paragraph(outcome(run))
        let table = metricsTable([run])
        r.heading("Final metrics")
        if table.rows.isEmpty { r.paragraph("No metrics recorded.") } else { r.table(header: table.header, rows: table.rows) }
        r.heading("Generated samples (last and EMA generator)")
        if !addSamples(run, to: &r) { r.paragraph("No sample plots in the run folder.") }
        addCurves([run], to: &r)
        if let c = run.configuration {
            r.heading("Configuration (config.yaml)")
            r.preformatted(c)
        }
        r.heading("Files")
        r.list(["config.yaml", "metrics.jsonl", "summary.json", "samples-last.{svg,png,pdf}, samples-ema.{svg,png,pdf}",
                "losses.{svg,png,pdf}, metrics.{svg,png,pdf}", "checkpoints/iteration-NNNNNNNN.safetensors"])
        return r.html()
    }

    /// `saddle report`: several runs side by side — overlaid curves and one table of final metrics.
    public static func comparison(_ runs: [RunHistory]) -> String {
        var r = HTMLReport(title: "Saddle runs: " + runs.map(\.name).joined(separator: ", "))
        r.heading("Runs")
        r.list(runs.map { "\($0.name) (\($0.path)): \(outcome($0))" })
        let table = metricsTable(runs)
        r.heading("Final metrics")
        if table.rows.isEmpty { r.paragraph("No metrics recorded.") } else { r.table(header: table.header, rows: table.rows) }
        addCurves(runs, to: &r)
        r.heading("Latest samples")
        for run in runs {
            r.paragraph(run.name)
            if !addSamples(run, to: &r) { r.paragraph("No sample plots in \(run.path).") }
        }
        return r.html()
    }
}
