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
/// Past-Extra-Adam (ours), at an equal budget of minibatch gradients, over seeds, on the ring, the
/// grid and MNIST-5k.
///
/// Every method trains the same GAN (the data set's networks, non-saturating losses, R1 with the
/// data set's default weight) with the step-size decay off (a schedule in absolute iterations
/// would favour methods with more iterations per gradient). Step sizes are fixed per method in
/// ``methods`` — common defaults of each method, not tuned for this study (said so in the report).
public struct MixedNashStudy: Sendable {
    public var datasets: [String]
    public var seeds: [UInt64]
    /// Minibatch gradients per run, per data set.
    public var budgets: [String: Int]
    public var points = 10
    public var dataFile = "data/mnist_5k.csv.gz"

    /// The full study: ring, grid and MNIST, seeds 0–2.
    public static var full: MixedNashStudy {
        MixedNashStudy(datasets: ["ring", "grid", "mnist"], seeds: [0, 1, 2], budgets: ["ring": 10_000, "grid": 10_000, "mnist": 4_000])
    }
    /// `--quick`: the ring only, 2,000 gradients per run.
    public static var quick: MixedNashStudy {
        MixedNashStudy(datasets: ["ring"], seeds: [0, 1, 2], budgets: ["ring": 2_000])
    }

    public init(datasets: [String], seeds: [UInt64], budgets: [String: Int]) {
        self.datasets = datasets
        self.seeds = seeds
        self.budgets = budgets
    }

    /// The compared methods and their settings (the data set's defaults otherwise).
    public static func methods(for dataset: String) -> [(name: String, configure: (inout TrainingConfiguration) -> Void)] {
        func step(_ a: Double) -> (inout TrainingConfiguration) -> Void {
            { $0.generatorStepSize = a; $0.discriminatorStepSize = a }
        }
        return [
            ("mirror-gan", { c in c.method = .mirrorGAN; step(3e-3)(&c); c.preconditioned = true; c.sgldSteps = 5; c.thermalNoise = 1e-3; c.damping = 0.9 }),
            ("mirror-prox-gan", { c in c.method = .mirrorProxGAN; step(3e-3)(&c); c.preconditioned = true; c.sgldSteps = 5; c.thermalNoise = 1e-3; c.damping = 0.9 }),
            ("sgd", { c in c.method = .sgd; step(2e-2)(&c) }),
            ("adam", { c in c.method = .adam; step(2e-3)(&c); c.beta1 = 0.5; c.beta2 = 0.99 }),
            ("rmsprop", { c in c.method = .rmsprop; step(1e-3)(&c); c.beta2 = 0.99 }),
            ("past-extra-adam", { c in c.method = .pastExtraAdam; step(3e-3)(&c); c.beta1 = 0.5; c.beta2 = 0.99 }),
        ]
    }

    /// The comparison for one data set.
    public func comparison(for dataset: String) throws -> GANComparison {
        var base = TrainingConfiguration()
        if let preset = TrainingConfiguration.presets[dataset] { try base.apply(yaml: preset, file: "preset \(dataset)") }
        base.dataFile = dataFile
        base.stepSizeDecayFinal = 1
        if dataset == "mnist" { base.evaluationSamples = 1000 }
        let entries = Self.methods(for: dataset).map { m -> GANComparison.Entry in
            var c = base
            m.configure(&c)
            return GANComparison.Entry(name: m.name, configuration: c)
        }
        return GANComparison(entries: entries, seeds: seeds, budget: budgets[dataset] ?? 10_000, points: points)
    }

    public struct Result: Sendable {
        public var runs: [String: [GANComparison.Run]]
        /// Data sets left out, with the reason (MNIST without its data file).
        public var skipped: [String: String]
        public var verdicts: [Verdict]
        public var wallSeconds: Double
    }

    public struct Verdict: Sendable {
        public var claim: String
        /// nil: not evaluated.
        public var pass: Bool?
        public var criterion: String
        public var numbers: [String: Double]
    }

    /// The quality score of a run's metrics: % high-quality samples (mixtures), −Fréchet (MNIST);
    /// higher is better.
    public static func quality(_ m: GeneratorMetrics) -> Double? {
        if let x = m.mixture { return x.highQualityPercent }
        if let x = m.images { return -x.frechetDistance }
        return nil
    }

    /// Runs every data set; `progress` hears each finished run.
    public func run(group: any ProcessGroup = SingleProcess.shared, progress: (String, GANComparison.Run) -> Void = { _, _ in }) throws -> Result {
        let start = Date()
        var runs: [String: [GANComparison.Run]] = [:], skipped: [String: String] = [:]
        for d in datasets {
            if d == "mnist" && !FileManager.default.fileExists(atPath: dataFile) {
                skipped[d] = "no \(dataFile) (run scripts/fetch-mnist5k)"
                continue
            }
            runs[d] = try comparison(for: d).run(group: group) { progress(d, $0) }
        }
        var result = Result(runs: runs, skipped: skipped, verdicts: [], wallSeconds: 0)
        result.verdicts = Self.verdicts(runs: runs, skipped: skipped)
        result.wallSeconds = Date().timeIntervalSince(start)
        return result
    }

    /// Per run: the final quality (last iterate) and the mean quality over the curve's points
    /// ("speed": the area under the quality curve against gradients, normalized).
    static func scores(_ r: GANComparison.Run) -> (final: Double, area: Double) {
        let finals = r.summary.flatMap { quality($0.last) } ?? (r.records.last.flatMap { quality($0.last) } ?? -.infinity)
        let curve = r.records.compactMap { quality($0.last) }
        let area = curve.isEmpty ? -.infinity : curve.reduce(0, +) / Double(curve.count)
        return (r.failure == nil ? finals : -.infinity, r.failure == nil ? area : -.infinity)
    }

    /// The paper's claim, per data set and overall: the better mirror method beats each of SGD,
    /// Adam and RMSProp in final quality and in speed (mean over seeds).
    public static func verdicts(runs: [String: [GANComparison.Run]], skipped: [String: String]) -> [Verdict] {
        var out: [Verdict] = []
        var all: [Bool] = []
        for d in runs.keys.sorted() {
            let rs = runs[d]!
            func mean(_ name: String, _ pick: ((final: Double, area: Double)) -> Double) -> Double {
                let xs = rs.filter { $0.entry == name }.map { pick(scores($0)) }
                return meanAndStandardDeviation(xs).mean
            }
            var numbers: [String: Double] = [:]
            for name in Set(rs.map(\.entry)) {
                numbers[name + ".final_quality"] = mean(name, { $0.final })
                numbers[name + ".mean_quality_over_budget"] = mean(name, { $0.area })
            }
            let mirror = ["mirror-gan", "mirror-prox-gan"].max { mean($0, { $0.final }) < mean($1, { $0.final }) }!
            let baselines = ["sgd", "adam", "rmsprop"]
            let beatsFinal = baselines.allSatisfy { mean(mirror, { $0.final }) > mean($0, { $0.final }) }
            let beatsSpeed = baselines.allSatisfy { mean(mirror, { $0.area }) > mean($0, { $0.area }) }
            let pass = beatsFinal && beatsSpeed
            all.append(pass)
            let unit = d == "mnist" ? "quality = −Fréchet distance" : "quality = % high-quality samples"
            out.append(Verdict(claim: "\(d): Mirror-GAN / Mirror-Prox-GAN beat SGD, Adam and RMSProp in speed and quality",
                               pass: pass,
                               criterion: "\(mirror) (the better mirror method by final quality) has a higher mean final quality AND a higher mean quality over the budget's curve points than each of sgd, adam, rmsprop (means over seeds; \(unit); last iterate)",
                               numbers: numbers))
        }
        for (d, why) in skipped.sorted(by: { $0.key < $1.key }) {
            out.append(Verdict(claim: "\(d): Mirror-GAN / Mirror-Prox-GAN beat SGD, Adam and RMSProp in speed and quality", pass: nil,
                               criterion: "not evaluated: \(why)", numbers: [:]))
        }
        out.insert(Verdict(claim: "overall: the mirror methods beat SGD, Adam and RMSProp in speed and quality (paper 2)",
                           pass: all.isEmpty ? nil : all.allSatisfy { $0 },
                           criterion: "every evaluated data set's verdict passes", numbers: [:]), at: 0)
        return out
    }

    // MARK: Output

    /// Refuses an existing folder unless `force`.
    public static func checkOutput(_ path: String, force: Bool) throws {
        if FileManager.default.fileExists(atPath: path) && !force {
            throw RunError.runFolder(path: path, problem: "already exists; choose another --out or pass --force to overwrite it")
        }
    }

    public static let tableHeader = ["dataset", "method", "seed", "iterations", "minibatch_gradients", "status",
                                     "final_quality", "mean_quality_over_budget", "modes_or_classes", "hq_percent", "kl", "frechet", "sliced_wasserstein",
                                     "ema_quality"]

    static func cell(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "\($0)" } ?? "" }

    /// table.csv, summary.csv, verdicts.json, curves (SVG, PNG), report.html.
    public func write(_ result: Result, to path: String, force: Bool) throws {
        try Self.checkOutput(path, force: force)
        try makeFolders(path + "/plots")
        var table = Self.tableHeader.joined(separator: ",") + "\n"
        var summary = "dataset,method,runs,final_quality_mean,final_quality_std,mean_quality_over_budget_mean,mean_quality_over_budget_std\n"
        var report = HTMLReport(title: "saddle reproduce mixed-nash")
        report.paragraph("Paper 2 (Hsieh, Liu & Cevher, ICML 2019): Mirror-GAN and Mirror-Prox-GAN against SGD, Adam and RMSProp, and Past-Extra-Adam, at an equal budget of minibatch gradients (one player's gradient on one minibatch), seeds \(seeds.map(String.init).joined(separator: ", ")). Same GAN, losses and R1 for every method; step-size decay off; step sizes are each method's common default, not tuned for this study. \(String(format: "%.0f", result.wallSeconds)) s in all.")
        report.heading("Verdicts")
        report.table(header: ["claim", "pass", "criterion"], rows: result.verdicts.map { [$0.claim, $0.pass.map { $0 ? "PASS" : "FAIL" } ?? "not evaluated", $0.criterion] })
        for d in result.runs.keys.sorted() {
            let rs = result.runs[d]!
            var plotSeries: [LinePlot.Series] = []
            report.heading("\(d) — budget \(budgets[d] ?? 0) minibatch gradients")
            var rows: [[String]] = []
            for name in Self.methods(for: d).map(\.name) {
                let mine = rs.filter { $0.entry == name }
                for r in mine {
                    let s = Self.scores(r)
                    let last = r.summary?.last ?? r.records.last?.last
                    let m = last?.mixture, im = last?.images
                    let cells: [String] = [d, name, "\(r.seed)", "\(r.iterations)", "\(r.gradients)", r.failure == nil ? (r.summary?.exitStatus ?? "?") : "diverged",
                                           Self.cell(s.final), Self.cell(s.area),
                                           m.map { "\($0.modesCovered)/\($0.modes)" } ?? im.map { "\($0.classesCovered)/10" } ?? "",
                                           Self.cell(m?.highQualityPercent), Self.cell(m?.klToUniform ?? im?.classHistogramKL), Self.cell(im?.frechetDistance),
                                           Self.cell(last?.slicedWassersteinDistance), Self.cell(r.summary.flatMap { Self.quality($0.ema) })]
                    table += cells.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n"
                }
                let f = meanAndStandardDeviation(mine.map { Self.scores($0).final })
                let a = meanAndStandardDeviation(mine.map { Self.scores($0).area })
                summary += "\(d),\(name),\(mine.count),\(Self.cell(f.mean)),\(Self.cell(f.std)),\(Self.cell(a.mean)),\(Self.cell(a.std))\n"
                rows.append([name, String(format: "%.2f ± %.2f", f.mean, f.std), String(format: "%.2f ± %.2f", a.mean, a.std)])
                // The mean curve over seeds, against gradients.
                if let first = mine.first {
                    let n = mine.map(\.records.count).min() ?? 0
                    let xs = (0..<n).map { first.records[$0].oracleCalls * 2 }
                    let ys = (0..<n).map { i in mine.compactMap { Self.quality($0.records[i].last) }.reduce(0, +) / Double(mine.count) }
                    plotSeries.append(LinePlot.Series(name: name, x: xs, y: ys))
                }
            }
            report.table(header: ["method", "final quality (mean ± std)", "mean quality over the budget (mean ± std)"], rows: rows)
            let plot = LinePlot(title: "\(d): \(d == "mnist" ? "−Fréchet distance" : "% high-quality samples") (last iterate, mean over seeds)",
                                xLabel: "minibatch gradients", yLabel: d == "mnist" ? "−FD" : "HQ %", logY: false, series: plotSeries)
            let figure = plot.figure(), svg = figure.svg()
            try atomicWrite(svg, to: path + "/plots/\(d)-quality.svg")
            try atomicWrite(figure.png(), to: path + "/plots/\(d)-quality.png")
            try atomicWrite(figure.pdf(), to: path + "/plots/\(d)-quality.pdf")
            report.figure(svg: svg)
        }
        for (d, why) in result.skipped { report.paragraph("\(d): not run — \(why)") }
        report.paragraph("Per-run numbers: table.csv; means and standard deviations: summary.csv; the verdicts' numbers: verdicts.json.")
        try atomicWrite(table, to: path + "/table.csv")
        try atomicWrite(summary, to: path + "/summary.csv")
        try atomicWrite(report.html(), to: path + "/report.html")
        let verdicts = JSONValue.array(result.verdicts.map { v in
            ["claim": .string(v.claim), "pass": v.pass.map { .bool($0) } ?? .null, "criterion": .string(v.criterion),
             "numbers": .object(v.numbers.map { ($0.key, .number($0.value)) })]
        })
        try atomicWrite(verdicts.text(indent: 2, sortedKeys: true) + "\n", to: path + "/verdicts.json")
    }
}
