import Formats
import Foundation
import Saddle

/// How `saddle analyze` prints an ``OperatorAnalysis``: aligned text, or one JSON object.
enum AnalyzeOutput {
    static func json(_ a: OperatorAnalysis) throws -> String {
        try JSON.text(a, snakeCaseKeys: true)
    }

    static func f(_ x: Double?) -> String { x.map { String(format: "%.9g", $0) } ?? "—" }

    static func complex(_ z: ComplexValue) -> String {
        z.im == 0 ? f(z.re) : "\(f(z.re)) \(z.im < 0 ? "−" : "+") \(f(abs(z.im)))i"
    }

    static func text(_ a: OperatorAnalysis) -> String {
        var lines: [String] = []
        func row(_ k: String, _ v: String) { lines.append(k.padding(toLength: 34, withPad: " ", startingAt: 0) + v) }
        row("game", a.game)
        row("sizes (θ, φ)", "\(a.sizes["generator"]!), \(a.sizes["discriminator"]!)")
        if let p = a.point { row("point ω", p.map { f($0) }.joined(separator: ", ")) }
        row("Jacobian by", a.jacobianMethod)
        if let j = a.jacobian { for (i, r) in j.enumerated() { row(i == 0 ? "J" : "", "[" + r.map { f($0) }.joined(separator: ", ") + "]") } }
        if let e = a.eigenvalues { row("eigenvalues of J", e.map(complex).joined(separator: ", ")) }
        if let s = a.symmetricEigenvalues { row("eigenvalues of sym(J)", s.map { f($0) }.joined(separator: ", ")) }
        row("L = σmax(J) (power iteration)", "\(f(a.lipschitz))  (\(a.powerIterations) iterations)")
        row("μ = λmin(sym J) (Lanczos)", "\(f(a.strongMonotonicity))  (\(a.lanczosSteps) vectors)")
        row("μθ, μφ (blocks)", "\(f(a.muGenerator)), \(f(a.muDiscriminator))")
        for r in a.regularizers {
            row("regularizer", "\(r.name) on \(r.players.joined(separator: ", ")): κ = \(f(r.kappa)), λ0 = \(f(r.lambda0))")
            if let note = r.note { row("", note) }
            if let g = r.gramian {
                row("  Gauss–Newton Gramian", g.eigenvalues.map { f($0) }.joined(separator: ", ") + "  (\(g.expectation))")
                if let se = g.eigenvalueStandardError { row("  eigenvalue standard error ≤", "\(f(se)) (Weyl, batch estimate)") }
                row("  null space", "dimension \(g.nullDimension) (threshold \(f(g.nullThreshold)))")
                for s in g.nullSources { row("", s) }
            }
        }
        row("L0, μθ, μφ of the base operator", "\(f(a.bound.L0)), \(f(a.bound.muGenerator)), \(f(a.bound.muDiscriminator))")
        row("predicted L = L0 + Σγκ", f(a.predictedLipschitz))
        row("predicted μ ≥", f(a.predictedStrongMonotonicity))
        if let note = a.boundNote { row("", note) }
        row("recommended EFTP step 1/(4L)", f(a.recommendedStepSize))
        row("predicted squared-distance factor", a.predictedSquaredDistanceFactor.map { f($0) } ?? "none guaranteed")
        row("verdict", a.verdict)
        if let e = a.eftp {
            row("EFTP run", "α = \(f(e.stepSize)), \(e.iterations) iterations, stop: \(e.stopReason)")
            row("observed factor", "\(f(e.observedFactor)) (per iteration, \(e.observedOf ?? "—"))")
            if let b = e.predictionBoundsObserved { row("prediction bounds observed", b ? "yes" : "NO") }
            row("final distance, residual", "\(f(e.finalDistance)), \(f(e.finalResidual))")
        }
        return lines.joined(separator: "\n")
    }
}
