import Formats
import Foundation
import Games
import Reports

/// A study folder that could not be written.
public enum AsymmetricStudyError: Error, CustomStringConvertible, Equatable {
    case exists(String)
    case notADirectory(String)

    public var description: String {
        switch self {
        case .exists(let p): return "\(p) already exists; pass --force to write into it, or choose another --out"
        case .notADirectory(let p): return "\(p) exists and is not a folder"
        }
    }
}

/// The study's folder: plots (SVG and PNG), table.csv, operators.csv, verdicts.json, report.html.
extension AsymmetricStudy {
    /// The columns of table.csv, one row per run.
    public static let tableHeader = [
        "game", "regularization", "gamma", "method", "step", "alpha", "iterations", "stop_reason", "oracle_calls",
        "calls_to_accuracy", "initial_distance", "final_distance_to_zero", "final_distance_to_equilibrium", "final_residual",
        "observed_rate", "linear_theory_rate", "predicted_rate", "mu_lower_bound", "lipschitz_bound", "final_point",
    ]

    static func number(_ x: Double?) -> String {
        guard let x else { return "" }
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    static func point(_ v: [Double]) -> String { v.map { number($0) }.joined(separator: ";") }

    static func tableCells(_ r: Row) -> [String] {
        [r.game.rawValue, r.regularization.rawValue, number(r.gamma), r.method.rawValue, r.step.description, number(r.stepSize),
         "\(r.iterations)", r.stopReason, number(r.oracleCalls), number(r.callsToAccuracy), number(r.initialDistance),
         number(r.finalDistanceToZero), number(r.finalDistanceToEquilibrium), number(r.finalResidual), number(r.observedFactor),
         number(r.linearFactor), number(r.predictedFactor), number(r.mu), number(r.lipschitz), point(r.finalPoint)]
    }

    static func csvLine(_ cells: [String]) -> String {
        cells.map { c in c.contains(",") || c.contains("\"") ? "\"" + c.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : c }
            .joined(separator: ",") + "\n"
    }

    /// table.csv: one row per run (distances to z, the regularized operator's zero, and to ω*).
    public static func table(_ rows: [Row]) -> String {
        csvLine(tableHeader) + rows.map { csvLine(tableCells($0)) }.joined()
    }

    static let operatorHeader = ["game", "regularization", "gamma", "zero", "equilibrium", "lipschitz_bound", "mu_lower_bound",
                                 "predicted_rate", "calculator_verdict"]

    static func operatorCells(_ o: Operator) -> [String] {
        [o.game.rawValue, o.regularization.rawValue, number(o.gamma), point(o.zero), point(o.equilibrium), number(o.lipschitz),
         number(o.strongMonotonicity), number(o.predictedFactor), o.calculatorVerdict]
    }

    /// verdicts.json: an array of {id, claim, pass, criterion, numbers}.
    public static func verdictsJSON(_ verdicts: [Verdict]) -> String {
        JSONValue.array(verdicts.map(\.json)).text(indent: 2) + "\n"
    }

    /// Throws unless `path` can be written: it must not exist, or be a folder and `force` be set.
    /// Call before ``run(progress:)`` so a refusal costs no computation.
    public static func checkOutput(_ path: String, force: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw AsymmetricStudyError.notADirectory(path) }
            guard force else { throw AsymmetricStudyError.exists(path) }
        }
    }

    /// Writes the folder. Refuses an existing path unless `force` (then files are overwritten in place).
    public static func write(_ result: Result, to path: String, force: Bool) throws {
        try checkOutput(path, force: force)
        let plots = path + "/plots"
        try makeFolders(plots)
        try atomicWrite(table(result.rows), to: path + "/table.csv")
        try atomicWrite(csvLine(operatorHeader) + result.operators.map { csvLine(operatorCells($0)) }.joined(), to: path + "/operators.csv")
        try atomicWrite(verdictsJSON(result.verdicts), to: path + "/verdicts.json")

        var report = HTMLReport(title: "saddle reproduce asymmetric")
        report.paragraph("Paper 1's academic example (Giagtzoglou, Winands, Franci 2026, arXiv:2601.13920): FB, EG, EFTP and alternating GDA on θφ, an offset bilinear game, the Dirac-GAN and the Gaussian-location game (m = \(result.configuration.mean)), unregularized, with discriminator-only Tikhonov, symmetric Tikhonov and SGP (R1, R2, R1+R2; (γ/2) convention). γ ∈ \(result.configuration.gammas), \(result.configuration.iterations) iterations per run, \(result.rows.count) runs in \(String(format: "%.1f", result.wallSeconds)) s.")
        report.paragraph("Distances are to z, the zero of the regularized operator (closed form), unless said otherwise. Rates are SPEC §2's observed squared-distance factor per iteration (least squares on the log over the second half of the run, cut at 1e3·ε·max(1, ‖z‖)); the linear-theory rate is the squared spectral radius of the method's iteration linearized at z; the predicted rate is paper 1's calculator 1 − μ/(4L), shown only for EFTP at α = 1/(4L) where μ > 0.")
        report.heading("Verdicts")
        report.table(header: ["claim", "pass", "numbers", "criterion"],
                     rows: result.verdicts.map { [$0.claim, $0.pass ? "PASS" : "FAIL", $0.summary, $0.criterion] })
        report.paragraph("The numbers behind each verdict are in verdicts.json.")

        report.heading("Plots (γ = \(result.configuration.plottedGamma); every method at α = 1/(4L))")
        for group in plottedGroups(result) {
            let figures = try plotFigures(group, result)
            for (name, figure) in figures {
                let svg = SVG.render(figure)
                try atomicWrite(svg, to: "\(plots)/\(name).svg")
                try atomicWrite(figure.png(), to: "\(plots)/\(name).png")
                try atomicWrite(figure.pdf(), to: "\(plots)/\(name).pdf")
                report.figure(svg: svg)
            }
        }
        report.heading("Operators (calculator at the regularized zero)")
        report.table(header: operatorHeader, rows: result.operators.map(operatorCells))
        report.heading("Table")
        report.table(header: tableHeader, rows: result.rows.map(tableCells))
        try atomicWrite(report.html(), to: path + "/report.html")
    }

    struct PlotGroup {
        var op: Operator
        var rows: [Row]
    }

    static func plottedGroups(_ result: Result) -> [PlotGroup] {
        result.operators.compactMap { op in
            let rows = result.rows.filter { $0.game == op.game && $0.regularization == op.regularization && $0.gamma == op.gamma && $0.trace != nil }
            return rows.isEmpty ? nil : PlotGroup(op: op, rows: rows)
        }
    }

    /// Every k-th index so that a series has at most `limit` points (the last one always kept).
    static func thinned(_ count: Int, limit: Int = 600) -> [Int] {
        let k = max(1, (count + limit - 1) / limit)
        var idx = Array(stride(from: 0, to: count, by: k))
        if let last = idx.last, last != count - 1 { idx.append(count - 1) }
        return idx
    }

    struct FieldBox: @unchecked Sendable { let problem: Regularized; let z: [Double]; let sizes: PerPlayer<Int> }

    static func plotFigures(_ g: PlotGroup, _ result: Result) throws -> [(String, Figure)] {
        let op = g.op
        let label = op.regularization == .none ? "none" : "\(op.regularization.rawValue) γ=\(op.gamma)"
        let base = "\(op.game.rawValue)-\(op.regularization.rawValue)"
        func series(_ x: (Trace) -> [Double]) -> [LinePlot.Series] {
            g.rows.map { r in
                let t = r.trace!
                let idx = thinned(t.distance.count)
                let cap = 1e8 * max(r.initialDistance, 1)
                return LinePlot.Series(name: "\(r.method.rawValue) α=\(String(format: "%.3g", r.stepSize))",
                                       x: idx.map { x(t)[$0] }, y: idx.map { t.distance[$0] <= cap ? t.distance[$0] : .nan })
            }
        }
        let byIteration = LinePlot(title: "\(op.game.rawValue), \(label): distance to z", xLabel: "iteration",
                                   yLabel: "‖ω − z‖", logY: true, series: series { Array(0..<$0.distance.count).map(Double.init) })
        let byCalls = LinePlot(title: "\(op.game.rawValue), \(label): distance to z", xLabel: "oracle calls",
                               yLabel: "‖ω − z‖", logY: true, series: series { $0.oracleCalls })

        // The (θ₁, φ₁) plane through z; the field −F_γ there, other coordinates held at z.
        let n = op.sizes.generator
        let (zt, zp) = (op.zero[0], op.zero[n])
        let start = g.rows[0].trace!
        let (t0, p0) = (start.theta[0], start.phi[0])
        let reach = max(abs(t0 - zt), abs(p0 - zp), 0.5) * 1.4
        let xr = (zt - reach)...(zt + reach), yr = (zp - reach)...(zp + reach)
        let box = FieldBox(problem: try Regularized(makeBaseGame(op, result.configuration), by: regularizers(op.regularization, gamma: op.gamma)),
                           z: op.zero, sizes: op.sizes)
        let field: @Sendable (Double, Double) -> (Double, Double) = { x, y in
            var v = box.z
            v[0] = x; v[box.sizes.generator] = y
            let w = BlockVector(generator: Array(v[0..<box.sizes.generator]), discriminator: Array(v[box.sizes.generator...]))
            let f = box.problem.exactField(at: w)
            return (-f[.generator][0], -f[.discriminator][0])
        }
        let trajectories = g.rows.map { r -> LinePlot.Series in
            let t = r.trace!
            let idx = thinned(t.theta.count, limit: 1500)
            return LinePlot.Series(name: "\(r.method.rawValue) α=\(String(format: "%.3g", r.stepSize))", x: idx.map { t.theta[$0] }, y: idx.map { t.phi[$0] })
        }
        let plane = op.sizes.generator + op.sizes.discriminator > 2 ? " (θ₁, φ₁) slice through z" : ""
        let trajectory = TrajectoryPlot(title: "\(op.game.rawValue), \(label)\(plane)", trajectories: trajectories,
                                        xRange: xr, yRange: yr, field: field)
        return [("\(base)-trajectory", trajectory.figure()), ("\(base)-distance-iterations", byIteration.figure()),
                ("\(base)-distance-oracle-calls", byCalls.figure())]
    }

    static func makeBaseGame(_ op: Operator, _ c: Configuration) -> any Game {
        AsymmetricStudy(c).makeGame(op.game)
    }
}
