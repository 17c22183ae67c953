import Data
import Formats
import Foundation
import Reports
import Tensors

/// What a run folder's metrics say, read back from its files: `metrics.jsonl` (one record per log
/// interval), `summary.json` (absent while a run is still going) and `config.yaml`. Records are kept
/// as JSON objects, so every metric group a record holds (mixture, image, …) is plotted and
/// tabulated without this type knowing it.
public struct RunHistory {
    /// The folder's name (its last path component).
    public var name: String
    public var path: String
    /// The lines of `metrics.jsonl`, in order.
    public var records: [[String: Any]]
    /// `summary.json`, when the run has finished (completed, stopped at its time limit, or diverged).
    public var summary: [String: Any]?
    /// `config.yaml`'s text.
    public var configuration: String?

    /// Reads the run folder at `path`; a folder that is not a run folder (no `config.yaml`, no
    /// `metrics.jsonl`) is an error naming it. Unreadable lines of `metrics.jsonl` (a line being
    /// written) are skipped.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunError.runFolder(path: path, problem: "no such run folder")
        }
        let config = (try? readFileBytes(path + "/config.yaml", limit: TrainingConfiguration.maximumConfigFileByteCount)).map { String(decoding: $0, as: UTF8.self) }
        let metrics = (try? readFileBytes(path + "/metrics.jsonl", limit: RunDirectory.maximumMetricsByteCount)).map { String(decoding: $0, as: UTF8.self) }
        guard config != nil || metrics != nil else {
            throw RunError.runFolder(path: path, problem: "not a run folder (no config.yaml or metrics.jsonl)")
        }
        self.path = path
        name = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
        configuration = config
        records = (metrics ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Foundation.Data($0.utf8)) as? [String: Any]
        }
        if let data = try? Data(readFileBytes(path + "/summary.json", limit: RunDirectory.maximumSummaryByteCount)) {
            summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
    }

    /// The final metrics of the `last` or `ema` generator: from `summary.json`, else from the last
    /// line of `metrics.jsonl` (then `fromSummary` is false).
    public func finalMetrics(_ generator: String) -> (metrics: [String: Any], iteration: Int?, fromSummary: Bool)? {
        if let s = summary, let m = s[generator] as? [String: Any] { return (m, s["iterations"] as? Int, true) }
        if let r = records.last, let m = r[generator] as? [String: Any] { return (m, r["iteration"] as? Int, false) }
        return nil
    }

    /// (iteration, value) of a top-level key of the records (`lossGenerator`, `fieldNorm`, …), or of
    /// a metric of `generator` (`last`, `ema`) when given.
    public func series(_ key: String, generator: String? = nil) -> (x: [Double], y: [Double]) {
        var xs: [Double] = [], ys: [Double] = []
        for r in records {
            guard let k = RunPlots.number(r["iteration"] as Any) else { continue }
            let holder = generator.flatMap { r[$0] as? [String: Any] } ?? (generator == nil ? r : [:])
            guard let v = holder[key].flatMap(RunPlots.number) else { continue }
            xs.append(k); ys.append(v)
        }
        return (xs, ys)
    }
}

/// The plots of a run folder and of `saddle report`: generated samples (a scatter over the
/// mixture's modes, or an image grid under its caption) and loss and metric curves, as SVG, PNG
/// and PDF.
public enum RunPlots {
    /// Metric keys that describe the evaluation rather than measure it (not plotted).
    static let bookkeeping: Set<String> = ["samples", "modes", "fairShare", "referenceSamples", "confidenceThreshold"]
    /// Known metrics first, in this order; others follow alphabetically.
    static let preferred = ["modesCovered", "highQualityPercent", "klToUniform", "smallestModeShare",
                            "classesCovered", "classHistogramKL", "frechetDistance", "meanConfidence", "slicedWasserstein", "mmd"]
    static let labels = [
        "modesCovered": "modes covered", "highQualityPercent": "high quality %", "klToUniform": "KL to uniform",
        "smallestModeShare": "smallest mode's share", "classesCovered": "classes covered", "classHistogramKL": "class-histogram KL",
        "frechetDistance": "Fréchet distance", "meanConfidence": "mean confidence", "slicedWasserstein": "sliced Wasserstein",
        "lossGenerator": "L_G", "lossDiscriminator": "L_D", "fieldNorm": "‖F‖",
    ]

    /// A JSON number (or the strings `NaN`, `Infinity`, `-Infinity` the run files write for them).
    static func number(_ v: Any) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let s = v as? String { return Double(s) }
        return nil
    }

    /// The name a metric key is shown under.
    public static func label(_ key: String) -> String { labels[key] ?? key }

    /// The plottable metric keys of some metric objects, known ones first.
    public static func metricKeys(_ objects: [[String: Any]]) -> [String] {
        var keys = Set<String>()
        for o in objects { for (k, v) in o where !bookkeeping.contains(k) && number(v) != nil { keys.insert(k) } }
        return preferred.filter { keys.contains($0) } + keys.subtracting(preferred).sorted()
    }

    /// A metric's value for a table: counts as `8 / 8`, percentages with one decimal, others with 4 digits.
    public static func format(_ key: String, in metrics: [String: Any]) -> String {
        guard let v = metrics[key].flatMap(number) else { return "–" }
        if key == "modesCovered", let m = metrics["modes"].flatMap(number) { return "\(Int(v)) / \(Int(m))" }
        if key == "classesCovered", let counts = metrics["classCounts"] as? [Any] { return "\(Int(v)) / \(counts.count)" }
        if key.hasSuffix("Percent") { return String(format: "%.1f", v) }
        if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4g", v)
    }

    static let plotWidth = 520.0, plotHeight = 320.0

    /// Curves of one or more runs: losses (L_G, L_D), ‖F‖ (log scale), and one plot per metric with
    /// the last and the EMA generator. Series are named by run when there are several runs.
    public static func curves(_ runs: [RunHistory]) -> (losses: [LinePlot], metrics: [LinePlot]) {
        func prefix(_ run: RunHistory) -> String { runs.count > 1 ? run.name + " " : "" }
        func plot(_ title: String, _ y: String, logY: Bool = false, _ series: [LinePlot.Series]) -> LinePlot {
            var p = LinePlot(title: title, xLabel: "iteration", yLabel: y, logY: logY, series: series)
            p.width = plotWidth; p.height = plotHeight
            return p
        }
        var losses: [LinePlot.Series] = [], field: [LinePlot.Series] = []
        for r in runs {
            for key in ["lossGenerator", "lossDiscriminator"] {
                let s = r.series(key)
                losses.append(.init(name: prefix(r) + label(key), x: s.x, y: s.y))
            }
            let f = r.series("fieldNorm")
            field.append(.init(name: prefix(r) + "‖F‖", x: f.x, y: f.y))
        }
        let lossPlots = [plot("losses", "loss", losses), plot("‖F(ω)‖ on the evaluation batch", "‖F‖", logY: true, field)]
        let keys = metricKeys(runs.flatMap { r in r.records.flatMap { record in ["last", "ema"].compactMap { record[$0] as? [String: Any] } } })
        let metricPlots = keys.map { key in
            plot(label(key), label(key), runs.flatMap { r in
                [("last", "last"), ("ema", "EMA")].map { g, name in
                    let s = r.series(key, generator: g)
                    return LinePlot.Series(name: prefix(r) + name, x: s.x, y: s.y)
                }
            })
        }
        return (lossPlots, metricPlots)
    }

    /// Axis range for a mixture's scatter: its means' extent plus half of it (at least 1) on each side.
    static func range(of mixture: GaussianMixture) -> ClosedRange<Double> {
        let m = mixture.means.map { max(abs($0.0), abs($0.1)) }.max() ?? 1
        let r = m + max(1, 0.5 * m)
        return -r...r
    }

    /// A scatter plot of 2-D samples ([n, 2]) over the mixture's modes (circles of 3 std).
    public static func scatter(_ samples: Tensor, mixture: GaussianMixture?, title: String, name: String = "generated") -> ScatterPlot {
        var p = ScatterPlot(title: title, series: [.init(name: name, points: samples)])
        if let mixture {
            p.references = mixture.means
            p.referenceRadius = 3 * mixture.standardDeviation
            p.referenceName = "modes (3 std)"
            p.xRange = range(of: mixture); p.yRange = p.xRange
        }
        return p
    }

    /// A grid of the first `columns`² square grayscale images ([n, side²], values in [0, 1]), `columns` per row.
    public static func imageGrid(_ samples: Tensor, columns: Int = 8) -> Bitmap {
        let side = Int(Double(samples.shape[1]).squareRoot().rounded())
        ensure(side * side == samples.shape[1], "RunPlots.imageGrid: \(samples.shape[1]) pixels is not a square image")
        return ImageGrid.raster(samples, height: side, width: side, columns: columns, count: columns * columns, scale: 2)
    }

    /// The grid of ``imageGrid(_:columns:)`` under a caption, as a figure (SVG, PNG and PDF alike).
    public static func imageFigure(_ samples: Tensor, title: String, columns: Int = 8) -> Figure {
        let side = Int(Double(samples.shape[1]).squareRoot().rounded())
        ensure(side * side == samples.shape[1], "RunPlots.imageFigure: \(samples.shape[1]) pixels is not a square image")
        return ImageGrid.figure(samples, height: side, width: side, columns: columns, count: columns * columns, title: title)
    }

    /// A figure of samples: a scatter plot for 2-D samples, a captioned image grid (at most 256)
    /// for square images (8 per row up to 64 images, then 16 per row).
    public static func samplesFigure(_ samples: Tensor, mixture: GaussianMixture?, title: String) -> Figure {
        if samples.shape[1] == 2 { return scatter(samples, mixture: mixture, title: title).figure() }
        return imageFigure(samples, title: title, columns: samples.shape[0] <= 64 ? 8 : 16)
    }

    /// A PNG of ``samplesFigure(_:mixture:title:)``.
    public static func samplesPNG(_ samples: Tensor, mixture: GaussianMixture?, title: String) throws -> [UInt8] {
        try samplesFigure(samples, mixture: mixture, title: title).png()
    }

    /// Whether samples of this width can be drawn (2-D points or square images).
    public static func canDraw(width: Int) -> Bool {
        let side = Int(Double(width).squareRoot().rounded())
        return width == 2 || (width > 1 && side * side == width)
    }
}

/// The plot files of a run folder.
extension RunDirectory {
    /// Writes `NAME.svg`, `NAME.png` and `NAME.pdf` of one figure, each through a temporary file
    /// and a rename (readers never see half a plot), without `fsync`: plots are redrawn at the next
    /// interval.
    /// `png`: the PNG too, drawn here unless `drawnPNG` holds it already; `pdf`: the PDF too.
    func writePlot(_ name: String, _ figure: Figure, png: Bool, pdf: Bool, drawnPNG: [UInt8]? = nil) throws {
        try atomicWrite(Array(figure.svg().utf8), to: path + "/" + name + ".svg", kind: .plot, durable: false)
        if png { try atomicWrite(try drawnPNG ?? figure.png(), to: path + "/" + name + ".png", kind: .plot, durable: false) }
        if pdf { try atomicWrite(figure.pdf(), to: path + "/" + name + ".pdf", kind: .plot, durable: false) }
    }
}

extension GANTraining {
    /// How many images an image grid shows (8 × 8).
    static let gridImages = 64

    /// The fewest seconds between two redraws of the PNGs during a run (the SVGs are redrawn at
    /// every log interval; at the end all formats are). Rasterizing and compressing the four PNGs
    /// took about 0.11 s per log interval in the default run, 9.7% of its time when done at all 20
    /// intervals (docs/training.md).
    public static let rasterInterval: Double = 10

    /// Writes the run folder's plots, each as SVG, as PNG when `png`, and as PDF when `pdf` (when
    /// the run ends: print copies are not watched during a run): `samples-last` and `samples-ema` (a scatter over the modes, or an 8×8
    /// image grid under its caption), `losses` and `metrics` (curves from `metrics.jsonl`). Called
    /// at every log interval, overwriting the previous files; a plot that cannot be written never
    /// stops training (errors are ignored).
    ///
    /// `evaluated`: the two generators' evaluation samples when the caller has just scored them
    /// (the scatter plots draw exactly those, so they are not generated a second time).
    /// Returns the PNGs of the two sample plots when it drew them (`png`), for TensorBoard's images.
    @discardableResult
    public func writePlots(_ dir: RunDirectory, theta: Tensor, ema: Tensor, evaluated: (last: Tensor, ema: Tensor)? = nil,
                           png: Bool = true, pdf: Bool = false) -> [(name: String, png: [UInt8])] {
        let width = data.width
        var pngs: [(name: String, png: [UInt8])] = []
        guard RunPlots.canDraw(width: width) else { return pngs }
        for (name, parameters, label, drawn, standing) in [("samples-last", theta, "last iterate", evaluated?.last, false),
                                                           ("samples-ema", ema, "EMA", evaluated?.ema, true)] {
            let figure: Figure
            if width == 2 {
                figure = RunPlots.scatter(drawn ?? samples(of: parameters, standingStatistics: standing), mixture: data.mixture,
                                          title: "\(label) generator, \(configuration.evaluationSamples) samples").figure()
            } else {
                figure = RunPlots.imageFigure(samples(of: parameters, count: Self.gridImages, standingStatistics: standing), title: "\(label) generator, \(Self.gridImages) samples")
            }
            let picture = png ? try? figure.png() : nil
            if let picture { pngs.append((name, picture)) }
            try? dir.writePlot(name, figure, png: png, pdf: pdf, drawnPNG: picture)
        }
        guard let history = try? RunHistory(path: dir.path) else { return pngs }
        let curves = RunPlots.curves([history])
        for (name, plots) in [("losses", curves.losses), ("metrics", curves.metrics)] where !plots.isEmpty {
            try? dir.writePlot(name, Figure.grid(plots.map { $0.figure() }, columns: 2), png: png, pdf: pdf)
        }
        return pngs
    }

    /// Writes the plots (with their PDFs) and then `report.html` (see ``RunReport``); called when a
    /// run ends, whether at its last iteration or between log intervals (time limit, divergence).
    public func writeReport(_ dir: RunDirectory, theta: Tensor, ema: Tensor) {
        guard var history = try? RunHistory(path: dir.path) else { return }
        // A run that completed drew its final plots, PDFs too, at its last iteration; one that
        // ended between log intervals (time limit, divergence, a stop) draws them here.
        let ended = history.summary?["iterations"] as? Int, logged = history.records.last?["iteration"] as? Int
        let drewFinal = ended == configuration.iterations && logged == ended
        if !drewFinal || !FileManager.default.fileExists(atPath: dir.path + "/samples-ema.pdf") {
            writePlots(dir, theta: theta, ema: ema, pdf: true)
            history = (try? RunHistory(path: dir.path)) ?? history
        }
        try? atomicWrite(RunReport.html(history), to: dir.path + "/report.html", kind: .report)
    }
}
