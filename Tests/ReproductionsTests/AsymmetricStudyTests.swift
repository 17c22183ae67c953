import Foundation
import Testing
import Experiments
import Reproductions
import Games
import Tensors

/// `saddle reproduce asymmetric`'s library pieces: the closed-form zeros of the regularized operators,
/// the linear theory against SPEC §2–3's closed forms, the study's converged points against
/// independently computed shifted points, and the verdict logic on small grids.
@Suite("Asymmetric study: closed forms, runs and verdicts")
struct AsymmetricStudyTests {
    typealias Study = AsymmetricStudy

    func vector(_ v: [Double], _ sizes: PerPlayer<Int>) -> BlockVector {
        BlockVector(generator: Array(v[0..<sizes.generator]), discriminator: Array(v[sizes.generator...]))
    }

    /// Every closed-form zero is a zero of the regularized field as the Games module computes it.
    @Test func closedFormZerosAreZerosOfTheRegularizedField() throws {
        let study = Study(.full)
        for game in Study.GameKind.allCases {
            let base = study.makeGame(game)
            for reg in Study.regularizations(for: game) {
                for gamma in reg == .none ? [0.0] : [0.1, 0.5, 1, 1.7] {
                    let problem = try Regularized(base, by: Study.regularizers(reg, gamma: gamma))
                    let z = study.regularizedZero(game: game, regularization: reg, gamma: gamma)
                    let f = problem.exactField(at: vector(z, base.sizes)).norm()
                    #expect(f <= 1e-12, "\(game.rawValue) \(reg.rawValue) γ=\(gamma): ‖F(z)‖ = \(f)")
                }
            }
        }
    }

    /// SPEC §3: m = 1, symmetric Tikhonov moves θ to 0.99800 at ε = 0.1 and 0.94952 at ε = 0.5; at
    /// ε = 1 the cubic 2θ³ − 1 = 0 gives θ = 2^(−1/3). Bisection on the cubic as an independent check.
    @Test func gaussianLocationShiftedTheta() {
        func bisect(_ eps: Double) -> Double {
            var lo = 0.0, hi = 2.0
            for _ in 0..<200 {
                let mid = (lo + hi) / 2
                if 2 * mid * mid * mid + (1 - 2 + eps * eps) * mid - 1 < 0 { lo = mid } else { hi = mid }
            }
            return lo
        }
        for (eps, spec) in [(0.1, 0.99800), (0.5, 0.94952), (1.0, pow(2.0, -1.0 / 3))] {
            let theta = Study.gaussianLocationSymmetricTikhonovTheta(mean: 1, epsilon: eps)
            #expect(abs(theta - spec) < 5e-6, "ε = \(eps): \(theta) vs SPEC \(spec)")
            #expect(abs(theta - bisect(eps)) < 1e-12)
        }
        // Three real roots (m = 2, ε small): the one nearest m, and a root.
        let t = Study.gaussianLocationSymmetricTikhonovTheta(mean: 2, epsilon: 0.1)
        #expect(abs(2 * t * t * t + (1 - 8 + 0.01) * t - 2) < 1e-10 && abs(t - 2) < 0.5)
    }

    /// Discriminator-only Tikhonov on the offset game: Aᵀ(θ_z − θ*) = γφ* and φ_z = φ*, i.e. θ shifted
    /// by γA⁻ᵀφ* (checked by multiplying, not by solving).
    @Test func offsetBilinearShiftIsGammaAInverseTransposePhiStar() {
        let study = Study(.full)
        let game = study.makeGame(.matrixBilinear) as! BilinearGame
        let n = game.sizes.generator
        let star = game.equilibrium!.scalars
        for gamma in [0.1, 0.5, 1.0] {
            let z = study.regularizedZero(game: .matrixBilinear, regularization: .discriminatorTikhonov, gamma: gamma)
            for j in 0..<n {
                let lhs = (0..<n).reduce(0.0) { $0 + game.matrix[$1, j] * (z[$1] - star[$1]) }
                #expect(abs(lhs - gamma * star[n + j]) < 1e-12)
                #expect(abs(z[n + j] - star[n + j]) < 1e-12)
            }
            #expect(zip(z, star).contains { abs($0 - $1) > 1e-3 }, "the zero moves")
        }
    }

    /// The linear theory on θφ equals SPEC §2–3's closed forms to 1e-9: FB 1 + α², EG 1 − α² + α⁴,
    /// EFTP cos²15° at 0.25, 4/5 at 0.4, 1.0573528147² at 0.6, alternating GDA 1 (α < 2), and FB with
    /// discriminator-only Tikhonov 1 − αγ + α².
    @Test func linearTheoryMatchesSPECOnThetaPhi() {
        let sizes = PerPlayer(1)
        let j = [0.0, 1, -1, 0]
        for a in [0.1, 0.3, 0.5, 0.9] {
            #expect(abs(Study.linearFactor(method: .fb, alpha: a, jacobian: j, sizes: sizes) - (1 + a * a)) < 1e-9)
            #expect(abs(Study.linearFactor(method: .eg, alpha: a, jacobian: j, sizes: sizes) - (1 - a * a + a * a * a * a)) < 1e-9)
            #expect(abs(Study.linearFactor(method: .alternatingGDA, alpha: a, jacobian: j, sizes: sizes) - 1) < 1e-9)
        }
        let cos15 = cos(15 * Double.pi / 180)
        for (a, modulus) in [(0.25, cos15), (0.4, 2 / 5.0.squareRoot()), (0.6, 1.0573528147)] {
            #expect(abs(Study.linearFactor(method: .eftp, alpha: a, jacobian: j, sizes: sizes) - modulus * modulus) < 1e-9)
        }
        for gamma in [0.1, 0.5, 1.0] {
            let jg = [0.0, 1, -1, gamma]
            for a in [gamma / 2, 2 * gamma] {
                #expect(abs(Study.linearFactor(method: .fb, alpha: a, jacobian: jg, sizes: sizes) - (1 - a * gamma + a * a)) < 1e-9)
            }
        }
    }

    /// A small grid (θφ and the offset game, γ = 0.5): every claim that those games decide passes,
    /// the converged points are the closed-form shifted points, and a falsified row flips the verdict.
    @Test func smallBilinearGridAndVerdictLogic() throws {
        var c = Study.Configuration(gammas: [0.5], fixedSteps: [0.3], iterations: 800, plottedGamma: 0.5)
        c.games = [.scalarBilinear, .matrixBilinear]
        let result = try Study(c).run()
        let byID = Dictionary(uniqueKeysWithValues: result.verdicts.map { ($0.id, $0) })
        #expect(result.verdicts.map(\.id) == ["a", "b", "c", "d", "e"])
        for id in ["a", "b", "c", "d", "e"] {
            #expect(byID[id]!.pass, "claim (\(id)): \(byID[id]!.json.text())")
            #expect(!byID[id]!.numbers.isEmpty)
        }
        // θφ, FB, discriminator-only Tikhonov: the observed rates are SPEC §3's 1 − αγ + α².
        for r in result.rows where r.game == .scalarBilinear && r.regularization == .discriminatorTikhonov && r.method == .fb {
            let want = 1 - r.stepSize * 0.5 + r.stepSize * r.stepSize
            #expect(abs(r.observedFactor! - want) <= 1e-3 * want, "α = \(r.stepSize): \(r.observedFactor!) vs \(want)")
        }
        // The symmetric-Tikhonov zero of the offset game, solved independently by Cramer's rule on
        // (AᵀA + ε²I)φ = εc − Aᵀb, θ = −(Aφ + b)/ε (n = 2).
        let game = Study(c).makeGame(.matrixBilinear) as! BilinearGame
        let a = game.matrix, b = game.offsets[.generator].scalars, cc = game.offsets[.discriminator].scalars, eps = 0.5
        var m = [[0.0, 0], [0, 0]], rhs = [0.0, 0]
        for i in 0..<2 {
            for j in 0..<2 { m[i][j] = (0..<2).reduce(0.0) { $0 + a[$1, i] * a[$1, j] } + (i == j ? eps * eps : 0) }
            rhs[i] = eps * cc[i] - (0..<2).reduce(0.0) { $0 + a[$1, i] * b[$1] }
        }
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
        let phi = [(rhs[0] * m[1][1] - m[0][1] * rhs[1]) / det, (m[0][0] * rhs[1] - m[1][0] * rhs[0]) / det]
        let theta = (0..<2).map { i in -((0..<2).reduce(0.0) { $0 + a[i, $1] * phi[$1] } + b[i]) / eps }
        let converged = result.rows.filter { $0.game == .matrixBilinear && $0.regularization == .symmetricTikhonov }
            .min { $0.finalResidual < $1.finalResidual }!
        for (got, want) in zip(converged.finalPoint, theta + phi) { #expect(abs(got - want) < 1e-9) }

        // Verdict logic: a converging FB row on the unregularized θφ breaks (a); an observed rate above
        // the prediction breaks (e).
        var rows = result.rows
        let i = rows.firstIndex { $0.game == .scalarBilinear && $0.regularization == .none && $0.method == .fb }!
        rows[i].observedFactor = 0.9
        rows[i].finalDistanceToZero = 0
        let k = rows.firstIndex { $0.predictedFactor != nil }!
        rows[k].observedFactor = rows[k].predictedFactor! + 1e-6
        let broken = Study.verdicts(rows: rows, operators: result.operators, configuration: c)
        #expect(!broken[0].pass && broken[1].pass && !broken[4].pass)
    }

    /// The GANs at γ = 0.5: SGP converges to (m, 0, 0), symmetric Tikhonov to θ = 0.94952…; claim (d)
    /// passes on them and the calculator gives no rate for the discriminator-only operators (μ = 0).
    @Test func gaussianLocationConvergedPoints() throws {
        var c = Study.Configuration(gammas: [0.5], fixedSteps: [0.3], iterations: 1500, plottedGamma: 0.5)
        c.games = [.gaussianLocation]
        let result = try Study(c).run()
        for reg in [Study.Regularization.r1, .r2, .r1r2] {
            let best = result.rows.filter { $0.regularization == reg }.min { $0.finalResidual < $1.finalResidual }!
            #expect(abs(best.finalPoint[0] - 1) < 1e-8 && abs(best.finalPoint[1]) < 1e-8 && abs(best.finalPoint[2]) < 1e-8, "\(reg)")
        }
        let sym = result.rows.filter { $0.regularization == .symmetricTikhonov }.min { $0.finalResidual < $1.finalResidual }!
        #expect(abs(sym.finalPoint[0] - 0.94952) < 5e-6)
        #expect(result.verdicts.first { $0.id == "d" }!.pass)
        for op in result.operators where op.regularization.isDiscriminatorOnly { #expect(op.predictedFactor == nil) }
        #expect(result.operators.first { $0.regularization == .symmetricTikhonov }!.predictedFactor != nil)
    }

    /// No randomness beyond the offset game's seed: two runs write the same table and verdicts, byte for byte.
    @Test func sameGridGivesTheSameBytes() throws {
        var c = Study.Configuration(gammas: [0.5], fixedSteps: [0.3], iterations: 300, plottedGamma: 0.5)
        c.games = [.matrixBilinear, .diracGAN]
        let a = try Study(c).run(), b = try Study(c).run()
        #expect(Study.table(a.rows) == Study.table(b.rows))
        #expect(Study.verdictsJSON(a.verdicts) == Study.verdictsJSON(b.verdicts))
    }

    /// The folder: table, verdicts (valid JSON, numbers in every entry), plots, report; an existing
    /// folder is refused without `force`.
    @Test func writesTheFolderAndRefusesToOverwrite() throws {
        var c = Study.Configuration(gammas: [0.5], fixedSteps: [0.3], iterations: 200, plottedGamma: 0.5)
        c.games = [.scalarBilinear, .gaussianLocation]   // between them, rows for every claim
        let result = try Study(c).run()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asym-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Study.write(result, to: dir, force: false)
        let table = try String(contentsOfFile: dir + "/table.csv", encoding: .utf8).split(separator: "\n")
        #expect(table.count == result.rows.count + 1 && table[0] == Study.tableHeader.joined(separator: ","))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/verdicts.json"))) as! [[String: Any]]
        #expect(json.count == 5 && json.allSatisfy { ($0["numbers"] as? [Any])?.isEmpty == false && $0["pass"] is Bool })
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("<table>") && !html.contains("src=\""))
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/plots/gaussian-location-sgp-r1-trajectory.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(throws: AsymmetricStudyError.exists(dir)) { try Study.write(result, to: dir, force: false) }
        try Study.write(result, to: dir, force: true)
    }
}
