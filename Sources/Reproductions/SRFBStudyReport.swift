import Foundation
import Formats
import Reports
import Solvers
import Metrics

/// The study's output folder: plots (SVG and PNG), `table.csv`, `trajectories.csv`, `verdicts.json`,
/// a self-contained `report.html`.
extension SRFBStudy {
    /// The files written by ``write(to:force:)``, in order.
    public static let plotNames = ["distance-finite-sum", "gap-finite-sum", "distance-additive-noise", "gap-additive-noise",
                                   "distance-multiplicative-noise", "gap-multiplicative-noise", "floor"]
    /// Claim (e)'s learning curves, written when the claim was evaluated (MNIST data present).
    public static let ganPlotNames = ["gan-frechet-gradients", "gan-frechet-cpu"]
    /// The files every study writes; with claim (e) evaluated, also ``ganPlotNames``' figures.
    public static var fileNames: [String] {
        ["table.csv", "trajectories.csv", "verdicts.json", "report.html"] + plotNames.flatMap { ["\($0).svg", "\($0).png", "\($0).pdf"] }
    }

    /// Checks that `dir` can receive the study: a file in its place, or (without `force`) a non-empty
    /// folder, is a one-line error naming `flag` and the path; creates the folder.
    public static func prepareOutput(_ dir: String, force: Bool, flag: String = "--out") throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if dir.isEmpty { throw SRFBStudyError("\(flag) needs a folder name") }
        if fm.fileExists(atPath: dir, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw SRFBStudyError("\(flag) \(dir): exists and is not a folder") }
            let contents = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if !contents.isEmpty && !force {
                throw SRFBStudyError("\(flag) \(dir): folder exists and is not empty; choose another folder or pass --force to overwrite its files")
            }
        }
        do { try makeFolders(dir) } catch { throw SRFBStudyError("\(flag) \(dir): cannot create the folder (\(error))") }
        guard fm.isWritableFile(atPath: dir) else { throw SRFBStudyError("\(flag) \(dir): the folder is not writable") }
    }

    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }

    static func meanOf(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    static func short(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "–" }
        if x == x.rounded(), abs(x) < 1e7 { return String(Int(x)) }
        return String(format: "%.3g", x)
    }

    static func scheduleText(_ s: BatchSchedule) -> String {
        switch s {
        case .constant(let n): return "N=\(n)"
        case .growing(let c, let k0, let a, let cap):
            return "ceil(\(short(c))*(k+\(short(k0)))^\(short(a + 1)))" + (cap.map { " cap \($0)" } ?? "")
        }
    }

    static let tableHeader = ["problem", "method", "run", "batch_schedule", "step_size", "sample_budget", "iterations", "oracle_calls",
                              "samples", "final_distance", "min_distance", "floor_mean_sq_distance", "final_gap", "tail_mean_gap",
                              "samples_to_1e-2", "samples_to_1e-3", "samples_to_1e-6"]

    /// One row per run; the floor columns are second-half means.
    public var tableRows: [[String]] {
        runs.map { r in
            [r.problem.rawValue, r.method, r.name, Self.scheduleText(r.schedule), Self.number(r.stepSize),
             r.sampleBudget.map(String.init) ?? "", String(r.iterations), Self.number(r.oracleCalls), String(r.totalSamples),
             Self.number(r.finalDistance), Self.number(r.minDistance), Self.number(r.tailMeanSquaredDistance),
             Self.number(r.finalGap), Self.number(r.tailMeanGap),
             r.samplesToReach(1e-2).map(String.init) ?? "", r.samplesToReach(1e-3).map(String.init) ?? "",
             r.samplesToReach(1e-6).map(String.init) ?? ""]
        }
    }

    public var tableCSV: String {
        ([Self.tableHeader] + tableRows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Each run's records, thinned (``thinned(_:to:)``): about 400 log-spaced iterations plus 100 evenly spaced ones.
    public var trajectoriesCSV: String {
        var s = "problem,run,iteration,samples,batch,distance,gap\n"
        for r in runs {
            for t in Self.thinned(r.iterations + 1, to: 400) {
                s += "\(r.problem.rawValue),\(r.name),\(t),\(r.samples[t]),\(r.batch[t]),\(Self.number(r.distance[t])),\(Self.number(r.gap[t]))\n"
            }
        }
        return s
    }

    /// Indices 0..<count, all of them when few, else about `limit` log-spaced ones (always the last).
    static func thinned(_ count: Int, to limit: Int) -> [Int] {
        if count <= limit { return Array(0..<count) }
        var out = Set<Int>([0, count - 1])
        let ratio = Foundation.pow(Double(count - 1), 1 / Double(limit - 2))
        var x = 1.0
        while x < Double(count - 1) { out.insert(Int(x)); x *= ratio }
        for i in stride(from: 0, to: count, by: max(1, count / (limit / 4))) { out.insert(i) }
        return out.sorted()
    }

    /// verdicts.json: one object per claim (id, claim, verdict — PASS, FAIL, UNDECIDED or NOT
    /// EVALUATED —, pass or null when undecided or not evaluated, the numbers, the note); claim (e)
    /// adds its comparison: each method's tuning grid and scores, chosen setting and evaluation
    /// scores, the test's p-values, and the reference line's scores.
    public var verdictsJSON: String {
        JSONValue.array(verdicts.map { v in
            var fields: [(String, JSONValue)] = [
                ("id", .string(v.id)), ("claim", .string(v.claim)), ("verdict", .string(v.status)), ("pass", v.pass.map { .bool($0) } ?? .null),
                ("numbers", .object(v.numbers.map { ($0.name, .optional($0.value)) })), ("note", .string(v.note))]
            if let o = v.comparison { fields.append(("comparison", Self.comparisonJSON(o))) }
            return .object(fields)
        }).text(indent: 2) + "\n"
    }

    static func comparisonJSON(_ o: SRFBGANClaim.Outcome) -> JSONValue {
        func numbers(_ x: [Double]) -> JSONValue { .array(x.map { .optional($0.isFinite ? $0 : nil) }) }
        var fields: [(String, JSONValue)] = []
        fields.append(("tuning_seeds", .array(o.tuningSeeds.map { .unsigned($0) })))
        fields.append(("evaluation_seeds", .array(o.evaluationSeeds.map { .unsigned($0) })))
        fields.append(("methods", .array(o.tuned.map { t in
            .object([("method", .string(t.method)),
                      ("tuning", .array(zip(t.settings, t.tuningScores).map { s, row in .object([("setting", .string(s.label)), ("scores", numbers(row))]) })),
                      ("chosen", .string(t.chosenSetting.label)),
                      ("evaluation_scores", numbers(t.evaluationScores))])
        })))
        if let test = o.test {
            fields.append(("test", .object([
                ("claim", .string(test.claim)), ("lower_is_better", .bool(test.lowerIsBetter)), ("alpha", .number(test.alpha)),
                ("verdict", .string(test.verdict.rawValue)),
                ("comparisons", .array(test.comparisons.map { c in
                    .object([("comparator", .string(c.comparator)), ("p_better", .number(c.pBetter)), ("p_worse", .number(c.pWorse)),
                             ("holm_adjusted_p_better", .number(c.adjustedBetter)), ("holm_adjusted_p_worse", .number(c.adjustedWorse))])
                }))])))
        }
        fields.append(("reference", .object([("method", .string(SRFBGANClaim.referenceName)), ("evaluation_scores", numbers(o.reference))])))
        return .object(fields)
    }

    /// The plots: distance and gap against log₁₀ samples for each problem; floors against N; with
    /// claim (e) evaluated, its mean Fréchet curves against gradients and against CPU seconds.
    public var plots: [(String, LinePlot)] {
        var out: [(String, LinePlot)] = []
        for p in SRFBStudyProblem.allCases {
            let rs = runs.filter { $0.problem == p }
            for (metric, label) in [("distance", "distance to the solution"), ("gap", "restricted gap")] {
                let series = rs.map { r -> LinePlot.Series in
                    let idx = Self.thinned(r.iterations + 1, to: 400).filter { r.samples[$0] > 0 }
                    return LinePlot.Series(name: r.name, x: idx.map { Foundation.log10(Double(r.samples[$0])) },
                                           y: idx.map { metric == "distance" ? r.distance[$0] : r.gap[$0] })
                }
                out.append(("\(metric)-\(p.rawValue)", LinePlot(title: "\(p.rawValue): \(label)", xLabel: "log10(samples drawn)",
                                                               yLabel: label, logY: true, series: series)))
            }
        }
        var floors: [LinePlot.Series] = []
        for p in SRFBStudyProblem.allCases {
            let rs = configuration.batchMultiples.compactMap { run(p, "SRFB N=\(configuration.fixedBatch * $0)") }
            guard let first = rs.first else { continue }
            let x = rs.map { Foundation.log2(Double($0.schedule.size(at: 0))) }
            floors.append(LinePlot.Series(name: "\(p.rawValue)", x: x, y: rs.map(\.tailMeanSquaredDistance)))
            floors.append(LinePlot.Series(name: "\(p.rawValue) ∝ 1/N", x: x,
                                          y: rs.map { first.tailMeanSquaredDistance * Double(first.schedule.size(at: 0)) / Double($0.schedule.size(at: 0)) }))
        }
        out.append(("floor", LinePlot(title: "fixed-batch SRFB: floor against N", xLabel: "log2 N", yLabel: "mean squared distance (2nd half)",
                                      logY: true, series: floors)))
        // Claim (e): mean Fréchet distance over the evaluation seeds against gradients and CPU seconds.
        if let curves = verdicts.first(where: { $0.comparison != nil })?.comparison?.curves.filter({ !$0.frechet.isEmpty }), !curves.isEmpty {
            for (name, xLabel) in zip(Self.ganPlotNames, ["minibatch gradients", "process CPU seconds"]) {
                let series = curves.map { c in LinePlot.Series(name: c.name, x: name == Self.ganPlotNames[0] ? c.gradients : c.cpuSeconds, y: c.frechet) }
                out.append((name, LinePlot(title: "claim (e): Fréchet distance of the last generator (mean over evaluation seeds)",
                                           xLabel: xLabel, yLabel: "Fréchet distance", logY: true, series: series)))
            }
        }
        return out
    }

    public func reportHTML(plots rendered: [(String, String)], timing: String?) -> String {
        let c = configuration
        var h = HTMLReport(title: "saddle reproduce srfb\(quick ? " --quick" : "")")
        h.paragraph("SRFB's stochastic regimes (Franci & Grammatico, arXiv:2003.13637, 2010.10013): growing batches converge to the solution, a fixed batch stalls at a floor ∝ 1/N, averaged SRFB's restricted gap decays to that floor; SRFB against extragradient per sample drawn.")
        h.paragraph("Problems: finite-sum bilinear game, n = \(c.terms) terms, d = \(c.dimension) per player, box [−1, 1]^d, offset spread \(c.offsetScale), minibatches of terms drawn with replacement; additive-noise oracle F(ω) + σ ξ̄ on the same game's exact operator (σ = \(c.noiseLevel), ξ̄ the mean of N standard normal vectors; same solution and L). Seed \(c.seed). L = " + SRFBStudyProblem.allCases.map { "\($0.rawValue): \(Self.short(lipschitz[$0]))" }.joined(separator: ", ") + ".")
        h.paragraph("Methods: SRFB (δ = 1/golden ratio, λ = 1/(2δL)) with growing batches \(Self.scheduleText(c.growingSchedule)) up to \(c.sampleBudget) samples, and with fixed N = " + c.batchMultiples.map { String(c.fixedBatch * $0) }.joined(separator: ", ") + " for \(c.fixedIterations) iterations; averaged SRFB (ergodic average of ω_1..ω_K) with N = \(c.fixedBatch); EG (α = 0.5/L, two calls of N_k samples per iteration) with the same growing schedule and budget, and with N = \(c.fixedBatch). Distances are to the known solution; the restricted gap sup_{z∈S} ⟨F(z), ω − z⟩ equals the duality gap for bilinear games on a box.")
        h.paragraph("Multiplicative-noise game (claim (a)'s exactness part): F(ω, ξ) = (J + σ G_ξ)(ω − ω*), J = [[0, A], [−Aᵀ, 0]] of a random bilinear game with an orthogonal coupling (A = Q Haar-distributed, so L = 1; d = \(c.dimension), ω* uniform in [−0.5, 0.5]^2d, box [−1, 1]^2d), G_ξ with i.i.d. N(0, 1) entries, σ = \(c.multiplicativeNoiseLevel): E[F] is the bilinear game's operator and F(ω*, ξ) = 0 for every ξ. Growing-batch SRFB and EG only.")
        h.heading("Verdicts")
        h.table(header: ["claim", "verdict", "numbers", "note"], rows: verdicts.map { v in
            [v.id + ": " + v.claim, v.status,
             v.numbers.map { "\($0.name) = \(Self.short($0.value))" }.joined(separator: "; "), v.note]
        })
        if let o = verdicts.first(where: { $0.comparison != nil })?.comparison {
            h.heading("Claim (e): tuning, evaluation and test")
            h.paragraph("Tuning grid: the same settings for SRFB and extragradient, each on the same tuning seeds; Fréchet distance of the last generator (lower is better; – = diverged); * = chosen (lowest mean).")
            h.table(header: ["method", "setting"] + o.tuningSeeds.map { "seed \($0)" } + ["mean", "chosen"],
                    rows: o.tuned.flatMap { t in
                        t.settings.indices.map { i in
                            let row = t.tuningScores[i]
                            let mean = row.allSatisfy(\.isFinite) ? row.reduce(0, +) / Double(max(row.count, 1)) : Double.infinity
                            return [t.method, t.settings[i].label] + row.map { Self.short($0) } + [Self.short(mean), i == t.chosen ? "*" : ""]
                        }
                    })
            h.paragraph("Evaluation: the chosen settings on the evaluation seeds (Fréchet distance per seed); Extra-Adam is an untuned reference line, in no test.")
            h.table(header: ["method", "chosen setting"] + o.evaluationSeeds.map { "seed \($0)" } + ["mean"],
                    rows: o.tuned.map { t in [t.method, t.chosenSetting.label] + t.evaluationScores.map { Self.short($0) } + [Self.short(Self.meanOf(t.evaluationScores))] }
                        + [[SRFBGANClaim.referenceName + " (reference)", "untuned"] + o.reference.map { Self.short($0) } + [Self.short(Self.meanOf(o.reference))]])
            if let test = o.test {
                h.paragraph("Test: \(test.claim); one-sided exact permutation tests at α = \(test.alpha), Holm-corrected; verdict \(test.verdict.rawValue).")
                h.table(header: ["comparator", "p (SRFB better)", "p (SRFB worse)", "Holm p (better)", "Holm p (worse)"],
                        rows: test.comparisons.map { [$0.comparator, Self.short($0.pBetter), Self.short($0.pWorse), Self.short($0.adjustedBetter), Self.short($0.adjustedWorse)] })
            }
        }
        h.heading("Runs")
        h.table(header: Self.tableHeader, rows: tableRows.map { $0.map { Double($0).map { Self.short($0) } ?? $0 } })
        h.heading("Figures")
        for (_, svg) in rendered { h.figure(svg: svg) }
        if let timing { h.heading("Timing"); h.paragraph(timing) }
        return h.html()
    }

    /// Writes every file of ``fileNames`` into `dir` (which ``prepareOutput(_:force:flag:)`` checked).
    public func write(to dir: String, timing: String? = nil) throws {
        func put(_ bytes: [UInt8], _ name: String) throws {
            try atomicWrite(bytes, to: dir + "/" + name, kind: .output)
        }
        var rendered: [(String, String)] = []
        for (name, plot) in plots {
            let figure = plot.figure(), svg = figure.svg()
            rendered.append((name, svg))
            try put(Array(svg.utf8), name + ".svg")
            try put(figure.png(), name + ".png")
            try put(figure.pdf(), name + ".pdf")
        }
        try put(Array(tableCSV.utf8), "table.csv")
        try put(Array(trajectoriesCSV.utf8), "trajectories.csv")
        try put(Array(verdictsJSON.utf8), "verdicts.json")
        try put(Array(reportHTML(plots: rendered, timing: timing).utf8), "report.html")
    }
}
