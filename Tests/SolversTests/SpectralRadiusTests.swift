import Foundation
import Games
import Solvers
import Testing
import TestSupport

/// SPEC §2's closed forms on θφ: spectral radii of the linearized iterations, to 1e-6 relative.
/// Each matrix is built by stepping the basis vectors of (ω, state) through the solver itself.
@Suite("Spectral radii on θφ (SPEC §2)")
struct SpectralRadiusTests {
    static let steps = [0.25, 0.4, 0.5, 0.6]

    @Test("FB: ρ = √(1 + α²)", arguments: steps)
    func forwardBackward(alpha: Double) throws {
        let solver = ForwardBackward(rule: try GradientStep(stepSize: alpha))
        let m = try LinearIteration.matrix(dimension: 2) { v in
            var F = Oracle(rotation()); var w = point(v[...])
            var s = try solver.makeState(at: w, &F)
            try solver.step(&w, &s, &F)
            return w.scalars
        }
        #expect(relativeError(LinearIteration.spectralRadius(m), (1 + alpha * alpha).squareRoot()) < 1e-6)
    }

    @Test("EG: ρ = √(1 − α² + α⁴)", arguments: steps)
    func extraGradient(alpha: Double) throws {
        let solver = ExtraGradient(rule: try GradientStep(stepSize: alpha))
        let m = try LinearIteration.matrix(dimension: 2) { v in
            var F = Oracle(rotation()); var w = point(v[...])
            var s = try solver.makeState(at: w, &F)
            try solver.step(&w, &s, &F)
            return w.scalars
        }
        let a2 = alpha * alpha
        #expect(relativeError(LinearIteration.spectralRadius(m), (1 - a2 + a2 * a2).squareRoot()) < 1e-6)
    }

    /// The largest root modulus of r² − (1 − 2a)r − a = 0 with a = ±iα (SPEC §2), by the quadratic formula.
    static func eftpRootModulus(_ alpha: Double) -> Double {
        // a = iα: b = 1 − 2iα; disc = b² + 4a = 1 − 4α² − 4iα + 4iα = 1 − 4α² (real).
        let disc = 1 - 4 * alpha * alpha
        var best = 0.0
        for sign in [1.0, -1.0] {
            let (sr, si) = disc >= 0 ? (disc.squareRoot(), 0.0) : (0.0, (-disc).squareRoot())
            let re = (1 + sign * sr) / 2, im = (-2 * alpha + sign * si) / 2
            best = max(best, (re * re + im * im).squareRoot())
        }
        return best
    }

    static let eftpSpecValues: [Double: Double] = [0.25: 0.9659258263, 0.4: 0.8944271910, 0.5: 0.7071067812, 0.6: 1.0573528147]

    @Test("EFTP: roots of r² − (1 − 2a)r − a, state g included", arguments: steps)
    func extrapolationFromThePast(alpha: Double) throws {
        let solver = ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha))
        let m = try LinearIteration.matrix(dimension: 4) { v in
            var F = Oracle(rotation()); var w = point(v[0..<2])
            var s = try solver.makeState(at: w, &F)
            s.previousField = point(v[2..<4])
            try solver.step(&w, &s, &F)
            return w.scalars + s.previousField!.scalars
        }
        let rho = LinearIteration.spectralRadius(m)
        #expect(relativeError(Self.eftpRootModulus(alpha), Self.eftpSpecValues[alpha]!) < 1e-9)
        #expect(relativeError(rho, Self.eftpSpecValues[alpha]!) < 1e-6, "α = \(alpha): ρ = \(rho)")
        #expect((rho < 1) == (alpha < 1 / 3.0.squareRoot()))
    }

    static let srfbSpecValues: [(Double, Double)] = [(0.1, 0.9983638618), (0.3, 0.9849060352), (0.5, 0.9558332219),
                                                     (0.809, 0.8675222177), (0.9, 0.8295183149)]

    static func srfbMatrix(_ lambda: Double) throws -> [[Double]] {
        let solver = try RelaxedForwardBackward(relaxation: RelaxedForwardBackward.inverseGoldenRatio, stepSize: PerPlayer(lambda))
        return try LinearIteration.matrix(dimension: 4) { v in
            var F = Oracle(rotation()); var w = point(v[0..<2])
            var s = try solver.makeState(at: w, &F)
            s.relaxedPoint = point(v[2..<4])
            try solver.step(&w, &s, &F)
            return w.scalars + s.relaxedPoint.scalars
        }
    }

    @Test("SRFB (δ = 1/golden ratio): map (ω_k, ω̄_{k−1}) ↦ (ω_{k+1}, ω̄_k)", arguments: srfbSpecValues)
    func relaxedForwardBackward(lambda: Double, expected: Double) throws {
        let rho = LinearIteration.spectralRadius(try Self.srfbMatrix(lambda))
        #expect(relativeError(rho, expected) < 1e-6, "λ = \(lambda): ρ = \(rho)")
    }

    @Test("SRFB diverges beyond λ = 2 sin 36° = 1.1755705046")
    func relaxedForwardBackwardDiverges() throws {
        #expect(LinearIteration.spectralRadius(try Self.srfbMatrix(1.2)) > 1)
        #expect(LinearIteration.spectralRadius(try Self.srfbMatrix(1.17)) < 1)
        // At the threshold the radius is 1.
        #expect(abs(LinearIteration.spectralRadius(try Self.srfbMatrix(2 * sin(36 * Double.pi / 180))) - 1) < 1e-6)
    }

    /// Alternating GDA with k discriminator steps: [[1 − kα², −α], [kα, 1]], det 1 (SPEC §2).
    @Test("Alternating GDA: eigenvalues on the unit circle for α < 2/√k, outside beyond", arguments: [1, 2, 5])
    func alternating(k: Int) throws {
        for (factor, bounded) in [(0.3, true), (0.9, true), (1.1, false)] {
            let alpha = factor * 2 / Double(k).squareRoot()
            let solver = try AlternatingGradient(stepSize: PerPlayer(alpha), discriminatorSteps: k)
            let m = try LinearIteration.matrix(dimension: 2) { v in
                var F = Oracle(rotation()); var w = point(v[...])
                var s = try solver.makeState(at: w, &F)
                try solver.step(&w, &s, &F)
                return w.scalars
            }
            // The closed form, entry by entry.
            let expected = [[1 - Double(k) * alpha * alpha, -alpha], [Double(k) * alpha, 1]]
            for i in 0..<2 { for j in 0..<2 { #expect(abs(m[i][j] - expected[i][j]) < 1e-12) } }
            let moduli = LinearIteration.eigenvalues(m).map { ($0.0 * $0.0 + $0.1 * $0.1).squareRoot() }
            if bounded {
                for r in moduli { #expect(abs(r - 1) < 1e-9, "k = \(k), α = \(alpha): |λ| = \(r)") }
            } else {
                #expect(moduli.max()! > 1 + 1e-3)
            }
        }
    }
}
