import Formats
import Metrics
import Foundation
import Games

extension AsymmetricStudy {
    /// verdicts.json's values: Formats' ``Formats/JSONValue`` (members in order).
    public typealias JSONValue = Formats.JSONValue

    /// One claim of issue 4, decided from rows of the table: the claim, whether it held, and the numbers.
    public struct Verdict: Sendable {
        /// "a" … "e".
        public var id: String
        public var claim: String
        public var pass: Bool
        /// One line on how the numbers decide it.
        public var criterion: String
        /// The rows (and derived quantities) behind the verdict.
        public var numbers: [JSONValue]
        /// The deciding numbers in one line (ranges, medians, worst cases), computed from ``numbers``' rows.
        public var summary = ""

        public var json: JSONValue {
            .object([("id", .string(id)), ("claim", .string(claim)), ("pass", .bool(pass)), ("summary", .string(summary)),
                     ("criterion", .string(criterion)), ("numbers", .array(numbers))])
        }
    }
}

extension AsymmetricStudy.Row {
    typealias JSONValue = AsymmetricStudy.JSONValue
    /// The row's identity and measurements, for a verdict's numbers.
    func evidence(_ extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("game", .string(game.rawValue)), ("regularization", .string(regularization.rawValue)), ("gamma", .number(gamma)),
                 ("method", .string(method.rawValue)), ("step", .string(step.description)), ("alpha", .number(stepSize)),
                 ("observed_rate", .optional(observedFactor)), ("linear_theory_rate", .number(linearFactor)),
                 ("initial_distance", .number(initialDistance)), ("final_distance_to_zero", .number(finalDistanceToZero)),
                 ("final_distance_to_equilibrium", .number(finalDistanceToEquilibrium)), ("oracle_calls", .number(oracleCalls))]
                + extra)
    }

    /// Converges to z: the observed squared-distance factor is below 1 and the run ended closer to z
    /// than it started.
    var approachesZero: Bool { (observedFactor ?? 2) < 1 && finalDistanceToZero < initialDistance }
}

extension AsymmetricStudy {
    /// |x − y| ≤ tol·|y|.
    static func close(_ x: Double?, _ y: Double, _ tol: Double) -> Bool { x.map { abs($0 - y) <= tol * abs(y) } ?? false }

    static func median(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : Metrics.median(xs) }

    /// The claims (a)–(e) of issue 4, each computed from `rows` (and the operators' calculator values).
    public static func verdicts(rows: [Row], operators: [Operator], configuration: Configuration) -> [Verdict] {
        [claimA(rows), claimB(rows, operators), claimC(rows, operators), claimD(rows, operators, configuration), claimE(rows)]
    }

    static let rateTolerance = 1e-3

    /// "[min, max]" of `xs` with 6 significant digits ("none" when empty).
    static func range(_ xs: [Double]) -> String {
        guard let lo = xs.min(), let hi = xs.max() else { return "none" }
        return "[\(g(lo)), \(g(hi))]"
    }

    static func g(_ x: Double) -> String { String(format: "%.6g", x) }

    static func relativeError(_ r: Row, _ reference: Double) -> Double {
        r.observedFactor.map { abs($0 - reference) / abs(reference) } ?? .infinity
    }

    static func claimA(_ rows: [Row]) -> Verdict {
        let bilinear = rows.filter { $0.game.isBilinear && $0.regularization == .none }
        var numbers: [JSONValue] = []
        var pass = !bilinear.isEmpty
        for r in bilinear {
            let ok: Bool
            switch r.method {
            case .fb:
                ok = r.diverged
            case .eg, .eftp:
                ok = r.approachesZero && close(r.observedFactor, r.linearFactor, rateTolerance)
            case .alternatingGDA:
                ok = close(r.observedFactor, 1, rateTolerance) && r.maxDistance <= 10 * r.initialDistance
                    && r.minDistanceSecondHalf >= 0.1 * r.initialDistance
            }
            pass = pass && ok
            var extra: [(String, JSONValue)] = [("holds", .bool(ok))]
            if r.method == .alternatingGDA {
                extra += [("max_distance", .number(r.maxDistance)), ("min_distance_second_half", .number(r.minDistanceSecondHalf))]
            }
            numbers.append(r.evidence(extra))
        }
        let fb = bilinear.filter { $0.method == .fb }, extra = bilinear.filter { $0.method == .eg || $0.method == .eftp }
        let alt = bilinear.filter { $0.method == .alternatingGDA }
        var v = Verdict(id: "a", claim: "(a) Unregularized FB diverges on the bilinear games; EG and EFTP converge at SPEC §2's rates; alternating GDA cycles.",
                       pass: pass,
                       criterion: "every unregularized bilinear run: FB observed squared-distance factor > 1 and final distance > initial; EG/EFTP observed factor < 1 within \(rateTolerance) (relative) of the linear theory (squared spectral radius of the iteration: 1 − α² + α⁴ for EG on θφ, the roots of r² − (1 − 2αλ)r − αλ for EFTP) and final < initial; alternating GDA observed factor within \(rateTolerance) of 1 with the distance staying in [0.1, 10]× the initial one",
                       numbers: numbers)
        v.summary = "FB observed factors \(range(fb.compactMap(\.observedFactor))) (\(fb.count) runs); EG/EFTP \(range(extra.compactMap(\.observedFactor))), "
            + "largest relative gap to the linear theory \(g(extra.map { relativeError($0, $0.linearFactor) }.max() ?? .nan)) (\(extra.count) runs); "
            + "alternating GDA \(range(alt.compactMap(\.observedFactor))), distance/initial within \(range(alt.flatMap { [$0.minDistanceSecondHalf / $0.initialDistance, $0.maxDistance / $0.initialDistance] }))"
        return v
    }

    static func claimB(_ rows: [Row], _ operators: [Operator]) -> Verdict {
        var numbers: [JSONValue] = []
        var pass = true
        // Part 1: FB on θφ with discriminator-only Tikhonov, α = γ/2 (converges) and α = 2γ (diverges).
        let threshold = rows.filter { $0.game == .scalarBilinear && $0.regularization == .discriminatorTikhonov && $0.method == .fb
            && ($0.step == .halfGamma || $0.step == .twiceGamma) }
        for r in threshold {
            let a = r.stepSize, g = r.gamma
            let closedForm = 1 - a * g + a * a   // SPEC §3: spectral radius² of I − αJ, J = [[0, 1], [−1, γ]], γ < 2
            let ok = a < g ? (r.approachesZero && close(r.observedFactor, closedForm, rateTolerance))
                           : (r.diverged && closedForm > 1)
            pass = pass && ok
            numbers.append(r.evidence([("part", .string("FB on θφ: converges iff α < γ")), ("closed_form_rate", .number(closedForm)),
                                       ("alpha_below_gamma", .bool(a < g)), ("holds", .bool(ok))]))
        }
        if threshold.isEmpty { pass = false }
        // Part 2: discriminator-only regularization stabilizes FB (α = γ/2 on the bilinear games), EG and
        // EFTP everywhere, although the calculator finds μ ≤ 0 (no guaranteed rate).
        let stabilized = rows.filter { r in
            r.regularization.isDiscriminatorOnly && (
                (r.method == .eg && (r.step == .quarterInverseLipschitz || r.step == .halfInverseLipschitz))
                || (r.method == .eftp && r.step == .quarterInverseLipschitz)
                || (r.method == .fb && r.step == .halfGamma))
        }
        for r in stabilized {
            let op = operators.first { $0.game == r.game && $0.regularization == r.regularization && $0.gamma == r.gamma }
            let noGuarantee = op?.predictedFactor == nil
            let ok = r.approachesZero && noGuarantee
            pass = pass && ok
            numbers.append(r.evidence([("part", .string("stabilized although μ = 0")), ("mu_lower_bound", .number(r.mu)),
                                       ("calculator_guarantees_rate", .bool(!noGuarantee)), ("holds", .bool(ok))]))
        }
        if stabilized.isEmpty { pass = false }
        let below = threshold.filter { $0.stepSize < $0.gamma }, above = threshold.filter { $0.stepSize >= $0.gamma }
        var v = Verdict(id: "b", claim: "(b) Discriminator-only regularization makes FB converge on θφ iff α < γ, and stabilizes FB, EG and EFTP even though μ = 0 (convergence to the regularized operator's zero, which on offset games is not ω*).",
                       pass: pass,
                       criterion: "θφ, discriminator-only Tikhonov: FB at α = γ/2 has observed factor < 1 within \(rateTolerance) of 1 − αγ + α² and ends closer to the zero, at α = 2γ it diverges; every discriminator-only operator (Tikhonov, SGP R1/R2/R1+R2): EG at 1/(4L) and 1/(2L), EFTP at 1/(4L) and FB at γ/2 (bilinear games) have observed factor < 1 and end closer to the regularized zero z than they started, while the calculator's μ bound is ≤ 0",
                       numbers: numbers)
        v.summary = "θφ FB at α = γ/2: observed \(range(below.compactMap(\.observedFactor))), largest relative gap to 1 − αγ + α² "
            + "\(g(below.map { relativeError($0, 1 - $0.stepSize * $0.gamma + $0.stepSize * $0.stepSize) }.max() ?? .nan)); at α = 2γ: observed \(range(above.compactMap(\.observedFactor))); "
            + "stabilized: \(stabilized.filter(\.approachesZero).count) of \(stabilized.count) runs converge to z (observed \(range(stabilized.compactMap(\.observedFactor))), "
            + "final/initial distance ≤ \(g(stabilized.map { $0.finalDistanceToZero / $0.initialDistance }.max() ?? .nan)))"
        return v
    }

    static func claimC(_ rows: [Row], _ operators: [Operator]) -> Verdict {
        func find(_ op: Operator, _ m: Method, _ s: Step) -> Row? {
            rows.first { $0.game == op.game && $0.regularization == op.regularization && $0.gamma == op.gamma && $0.method == m && $0.step == s }
        }
        var equal: [Double] = [], largest: [Double] = []
        var numbers: [JSONValue] = []
        var unreached = 0
        for op in operators {
            guard let eftp = find(op, .eftp, .quarterInverseLipschitz), let egSame = find(op, .eg, .quarterInverseLipschitz),
                  let egLarge = find(op, .eg, .halfInverseLipschitz) else { continue }
            let damped = op.regularization != .none
            var entry: [(String, JSONValue)] = [("game", .string(op.game.rawValue)), ("regularization", .string(op.regularization.rawValue)),
                                                ("gamma", .number(op.gamma)), ("counted", .bool(damped)),
                                                ("eftp_alpha", .number(eftp.stepSize)), ("eftp_calls", .optional(eftp.callsToAccuracy)),
                                                ("eg_equal_step_alpha", .number(egSame.stepSize)), ("eg_equal_step_calls", .optional(egSame.callsToAccuracy)),
                                                ("eg_largest_step_alpha", .number(egLarge.stepSize)), ("eg_largest_step_calls", .optional(egLarge.callsToAccuracy))]
            if let e = eftp.callsToAccuracy, let a = egSame.callsToAccuracy {
                entry.append(("ratio_equal_step", .number(e / a)))
                if damped { equal.append(e / a) }
            } else if damped { unreached += 1 }
            if let e = eftp.callsToAccuracy, let b = egLarge.callsToAccuracy {
                entry.append(("ratio_largest_step", .number(e / b)))
                if damped { largest.append(e / b) }
            } else if damped { unreached += 1 }
            numbers.append(.object(entry))
        }
        let mEqual = median(equal), mLargest = median(largest)
        let pass = mEqual.map { $0 >= 0.4 && $0 <= 0.6 } == true && mLargest.map { $0 >= 0.75 && $0 <= 4.0 / 3 } == true
        numbers.insert(.object([("summary", .string("regularized operators (rotation damped)")),
                                ("median_ratio_equal_step", .optional(mEqual)), ("min_ratio_equal_step", .optional(equal.min())),
                                ("max_ratio_equal_step", .optional(equal.max())), ("median_ratio_largest_step", .optional(mLargest)),
                                ("min_ratio_largest_step", .optional(largest.min())), ("max_ratio_largest_step", .optional(largest.max())),
                                ("operators_counted", .number(Double(equal.count))), ("runs_not_reaching_accuracy", .number(Double(unreached)))]), at: 0)
        var v = Verdict(id: "c", claim: "(c) At equal step size EFTP reaches a given accuracy with about half of EG's oracle calls; at each method's largest admissible step the two need about the same.",
                       pass: pass,
                       criterion: "oracle calls until ‖ω − z‖ ≤ 1e-6·‖ω₀ − z‖, EFTP over EG, on every regularized operator: equal step (both α = 1/(4L)) median ratio in [0.4, 0.6]; largest admissible steps (EFTP 1/(4L), EG 1/(2L): Gidel et al. 2019 Thm 1's steps, in the 1:2 ratio of their classical bounds 1/(2L) and 1/L) median ratio in [0.75, 1.33]; unregularized operators are listed with counted = false",
                       numbers: numbers)
        v.summary = "EFTP/EG oracle calls to 1e-6 over \(equal.count) regularized operators: equal step median \(mEqual.map(g) ?? "none") \(range(equal)); "
            + "largest admissible steps median \(mLargest.map(g) ?? "none") \(range(largest)); \(unreached) comparisons without a run reaching the accuracy"
        return v
    }

    static func claimD(_ rows: [Row], _ operators: [Operator], _ configuration: Configuration) -> Verdict {
        var numbers: [JSONValue] = []
        var pass = true
        var checked = 0
        let tol = 1e-6
        var thetas: [String] = [], sgpDistances: [Double] = [], offsetDistances: [Double] = [], shifts: [String] = []
        /// The operator's best-converged run: the smallest final residual ‖F_γ(ω_T)‖ (independent of z).
        func best(_ op: Operator) -> Row? {
            rows.filter { $0.game == op.game && $0.regularization == op.regularization && $0.gamma == op.gamma && $0.finalResidual.isFinite }
                .min { $0.finalResidual < $1.finalResidual }
        }
        func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
        for op in operators {
            guard let r = best(op) else { continue }
            let base: [(String, JSONValue)] = [("game", .string(op.game.rawValue)), ("regularization", .string(op.regularization.rawValue)),
                                               ("gamma", .number(op.gamma)), ("best_run", .string("\(r.method.rawValue) α=\(r.step)")),
                                               ("final_residual", .number(r.finalResidual)), ("final_point", .array(r.finalPoint.map { .number($0) })),
                                               ("closed_form_zero", .array(op.zero.map { .number($0) })),
                                               ("distance_to_closed_form", .number(distance(r.finalPoint, op.zero))),
                                               ("distance_to_equilibrium", .number(distance(r.finalPoint, op.equilibrium)))]
            switch (op.game, op.regularization) {
            case (.gaussianLocation, .symmetricTikhonov):
                let theta = r.finalPoint[0], closed = op.zero[0]
                var ok = abs(theta - closed) <= tol && r.finalResidual <= tol && distance(r.finalPoint, op.equilibrium) > 1e-3
                var extra: [(String, JSONValue)] = [("part", .string("Gaussian-location, symmetric Tikhonov: shifted θ")),
                                                    ("theta_run", .number(theta)), ("theta_closed_form", .number(closed))]
                if op.gamma == 0.5 {
                    ok = ok && abs(closed - 0.9495) <= 5e-5
                    extra.append(("theta_issue", .number(0.9495)))
                }
                pass = pass && ok; checked += 1
                thetas.append("ε=\(g(op.gamma)): θ=\(g(theta)) (closed form \(g(closed)))")
                numbers.append(.object(base + extra + [("holds", .bool(ok))]))
            case (.gaussianLocation, let reg) where reg.isGradientPenalty:
                let ok = distance(r.finalPoint, op.equilibrium) <= tol
                pass = pass && ok; checked += 1
                sgpDistances.append(distance(r.finalPoint, op.equilibrium))
                numbers.append(.object(base + [("part", .string("Gaussian-location, SGP: converges to (m, 0)")), ("holds", .bool(ok))]))
            case (.matrixBilinear, .discriminatorTikhonov):
                let n = op.sizes.generator
                let shift = distance(Array(op.zero[0..<n]), Array(op.equilibrium[0..<n]))
                let runShift = distance(Array(r.finalPoint[0..<n]), Array(op.equilibrium[0..<n]))
                let ok = distance(r.finalPoint, op.zero) <= tol && r.finalResidual <= tol && abs(runShift - shift) <= tol && shift > 1e-3
                pass = pass && ok; checked += 1
                offsetDistances.append(distance(r.finalPoint, op.zero))
                shifts.append("γ=\(g(op.gamma)): ‖θ − θ*‖=\(g(runShift)) (γ‖A⁻ᵀφ*‖=\(g(shift)))")
                numbers.append(.object(base + [("part", .string("offset bilinear, discriminator-only Tikhonov: θ shifted by γA⁻ᵀφ*")),
                                               ("shift_norm_closed_form", .number(shift)), ("shift_norm_run", .number(runShift)),
                                               ("holds", .bool(ok))]))
            case (.matrixBilinear, .symmetricTikhonov):
                let ok = distance(r.finalPoint, op.zero) <= tol && r.finalResidual <= tol && distance(r.finalPoint, op.equilibrium) > 1e-3
                pass = pass && ok; checked += 1
                offsetDistances.append(distance(r.finalPoint, op.zero))
                numbers.append(.object(base + [("part", .string("offset bilinear, symmetric Tikhonov: shifted point")), ("holds", .bool(ok))]))
            default:
                continue
            }
        }
        if checked == 0 { pass = false }
        let thetaText: String = thetas.isEmpty ? "none" : thetas.joined(separator: ", ")
        let shiftText: String = shifts.isEmpty ? "none" : shifts.joined(separator: ", ")
        let sgpText: String = range(sgpDistances), offsetText: String = range(offsetDistances)
        let summaryD = "Gaussian-location symmetric Tikhonov: \(thetaText); SGP distance to (m, 0, 0) \(sgpText); "
            + "offset bilinear distance to the closed-form zero \(offsetText); discriminator-only shifts \(shiftText)"
        var v = Verdict(id: "d", claim: "(d) On the Gaussian-location game symmetric Tikhonov converges to a shifted point (θ ≈ 0.9495 at ε = 0.5) while SGP converges to (m, 0); on offset bilinear games both Tikhonov variants converge to shifted points (discriminator-only: θ shifted by γA⁻ᵀφ*).",
                       pass: pass,
                       criterion: "per operator, the run with the smallest final ‖F_γ‖: Gaussian-location symmetric Tikhonov θ within \(tol) of the root of 2θ³ + (1 − 2m² + ε²)θ − m = 0 (and that root within 5e-5 of 0.9495 at ε = 0.5), residual ≤ \(tol), more than 1e-3 from (m, 0, 0); SGP within \(tol) of (m, 0, 0); offset bilinear: within \(tol) of the closed-form zero (θ* + γA⁻ᵀφ*, φ*) resp. the solution of [[εI, A], [−Aᵀ, εI]]ω = (−b, c), residual ≤ \(tol), and more than 1e-3 from ω*",
                       numbers: numbers)
        v.summary = summaryD
        return v
    }

    static func claimE(_ rows: [Row]) -> Verdict {
        let covered = rows.filter { $0.predictedFactor != nil }
        var numbers: [JSONValue] = []
        var pass = !covered.isEmpty
        for r in covered {
            let ok = r.observedFactor.map { $0 <= r.predictedFactor! } ?? false
            pass = pass && ok
            numbers.append(r.evidence([("predicted_rate", .optional(r.predictedFactor)), ("mu_lower_bound", .number(r.mu)),
                                       ("lipschitz_bound", .number(r.lipschitz)), ("holds", .bool(ok))]))
        }
        var v = Verdict(id: "e", claim: "(e) The predicted rate bounds the observed one wherever the strong-monotonicity hypothesis holds.",
                       pass: pass,
                       criterion: "every EFTP run at α = 1/(4L) on an operator whose calculator bound μ ≥ min{μθ, μφ + γλ0} (at the zero) is > 0: observed squared-distance factor ≤ 1 − μ/(4L)",
                       numbers: numbers)
        let margins = covered.compactMap { r in r.observedFactor.map { $0 / r.predictedFactor! } }
        v.summary = "\(covered.filter { r in r.observedFactor.map { $0 <= r.predictedFactor! } ?? false }.count) of \(covered.count) EFTP runs at 1/(4L) with μ > 0 "
            + "have observed ≤ predicted; observed/predicted \(range(margins)); μ \(range(covered.map(\.mu)))"
        return v
    }
}
