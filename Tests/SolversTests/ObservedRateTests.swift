import Foundation
import Games
import Solvers
import Testing
import TestSupport

/// Runs `solver` on θφ from (2, 0.5) and returns SPEC §2's observed squared-distance factor.
func observedFactor<S: Solver>(_ solver: S, iterations: Int) throws -> Double {
    let result = try solve(rotation(), with: solver, stopping: StoppingRule(iterations: iterations))
    return try #require(result.observedRate(equilibriumNorm: 0, epsilon: Double.ulpOfOne)?.factor)
}

/// Observed rates over long runs against the spectral radii squared, to 1e-3 relative (SPEC §2).
/// EFTP at α = 0.5 (a double root) is checked by its spectral radius only.
@Suite("Observed rates on θφ over long runs (SPEC §2) — Thorough", .enabled(if: Tier.thorough))
struct ObservedRateThorough {
    @Test(arguments: [0.25, 0.4, 0.5, 0.6])
    func forwardBackwardAndExtraGradient(alpha: Double) throws {
        let a2 = alpha * alpha
        let fb = try observedFactor(ForwardBackward(rule: try GradientStep(stepSize: alpha)), iterations: 400)
        #expect(relativeError(fb, 1 + a2) < 1e-3, "FB α = \(alpha): \(fb)")
        let eg = try observedFactor(ExtraGradient(rule: try GradientStep(stepSize: alpha)), iterations: 20_000)
        #expect(relativeError(eg, 1 - a2 + a2 * a2) < 1e-3, "EG α = \(alpha): \(eg)")
    }

    @Test(arguments: [0.25, 0.4, 0.6])
    func extrapolationFromThePast(alpha: Double) throws {
        let rho = SpectralRadiusTests.eftpSpecValues[alpha]!
        let f = try observedFactor(ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha)), iterations: 4000)
        #expect(relativeError(f, rho * rho) < 1e-3, "EFTP α = \(alpha): \(f) vs \(rho * rho)")
    }

    @Test(arguments: SpectralRadiusTests.srfbSpecValues + [(1.2, 0)])
    func relaxedForwardBackward(lambda: Double, expected: Double) throws {
        let solver = try RelaxedForwardBackward(stepSize: PerPlayer(lambda))
        let f = try observedFactor(solver, iterations: lambda > 1 ? 2000 : 40_000)
        if lambda > 1.1755705046 {
            let rho = LinearIteration.spectralRadius(try SpectralRadiusTests.srfbMatrix(lambda))
            #expect(f > 1 && relativeError(f, rho * rho) < 1e-3, "SRFB λ = \(lambda): \(f) vs \(rho * rho)")
        } else {
            #expect(relativeError(f, expected * expected) < 1e-3, "SRFB λ = \(lambda): \(f) vs \(expected * expected)")
        }
    }

    @Test("Alternating GDA stays bounded and does not converge for α < 2/√k", arguments: [1, 2, 5])
    func alternatingBounded(k: Int) throws {
        let alpha = 0.9 * 2 / Double(k).squareRoot()
        let result = try solve(rotation(), with: try AlternatingGradient(stepSize: PerPlayer(alpha), discriminatorSteps: k),
                               stopping: StoppingRule(iterations: 20_000))
        let d = result.records.map { $0.distance! }, d0 = d[0]
        #expect(d.max()! < 50 * d0 && d.suffix(10_000).min()! > d0 / 50, "range \(d.min()!) … \(d.max()!)")
        let diverging = try solve(rotation(), with: try AlternatingGradient(stepSize: PerPlayer(1.1 * 2 / Double(k).squareRoot()), discriminatorSteps: k),
                                  stopping: StoppingRule(iterations: 2000))
        #expect(!(diverging.final.distance! < 1e6 * d0))
    }
}

/// The same facts on short runs, in the fast tier.
@Suite("Observed rates on θφ, short runs")
struct ObservedRateTests {
    @Test func extraGradientAndForwardBackwardAreExactPerStep() throws {
        // Both maps are scaled rotations on θφ, so the factor is exact from the first step.
        let eg = try observedFactor(ExtraGradient(rule: try GradientStep(stepSize: 0.6)), iterations: 200)
        #expect(relativeError(eg, 1 - 0.36 + 0.1296) < 1e-9)
        let fb = try observedFactor(ForwardBackward(rule: try GradientStep(stepSize: 0.5)), iterations: 100)
        #expect(relativeError(fb, 1.25) < 1e-9)
    }

    /// Acceptance 5's run, through the library: ≈ 0.507 (accept 0.49–0.53), final/initial < 1e-27.
    @Test func eftpAtTheDoubleRoot() throws {
        let result = try solve(rotation(), with: ExtrapolationFromThePast(rule: try GradientStep(stepSize: 0.5)),
                               stopping: StoppingRule(iterations: 200))
        let f = try #require(result.observedRate(equilibriumNorm: 0, epsilon: Double.ulpOfOne)?.factor)
        #expect(f > 0.49 && f < 0.53, "\(f)")
        #expect(result.final.distance! / result.initial.distance! < 1e-27)
        #expect(result.counter.oracleCalls == 201)
    }
}
