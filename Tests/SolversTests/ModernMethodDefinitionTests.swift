import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// Iterates against their definitions, written out here, and a pull-back weight other than 1/2: each test
/// fails under a one-line mutation that the closed-form and bound tests let through (issue 16, acceptance 3).
@Suite("Issue 16: iterates against their definitions")
struct ModernMethodDefinitionTests {
    /// M3: x̄^k = ((φ − 1)x^k + x̄^{k−1})/φ with x̄¹ = x¹, so after three steps x̄² = ((φ − 1)x² + x¹)/φ.
    @Test func adaptiveGoldenRatioAverageWeights() throws {
        let phi = 1.5
        var loop = try IterationLoop(try AdaptiveGoldenRatio(firstStep: 0.1, phi: phi), on: rotation())
        try loop.run(until: 1); let x1 = loop.omega.copy()
        try loop.run(until: 2); let x2 = loop.omega.copy()
        try loop.run(until: 3)
        let expected = BlockVector.linearCombination((phi - 1) / phi, x2, 1 / phi, x1)
        #expect(try #require(loop.state.average).distance(to: expected) <= 1e-14)
    }

    /// M4: EAG-C's iterates against its definition, β_k = 1/(k + 2), a_k = α_k = α.
    @Test func anchoredExtraGradientIteratesMatchTheirDefinition() throws {
        let game = rotation(), alpha = 0.125
        let z0 = game.initialPoint.copy()
        var z = z0.copy()
        var loop = try IterationLoop(try AnchoredExtraGradient(.constant, stepSize: alpha), on: game)
        for k in 0..<5 {
            let beta = 1 / Double(k + 2)
            let anchored = BlockVector.linearCombination(beta, z0, 1 - beta, z)
            var half = anchored.copy(); half.axpy(-alpha, game.exactField(at: z))
            var next = anchored.copy(); next.axpy(-alpha, game.exactField(at: half))
            z = next
            try loop.run(until: k + 1)
            #expect(loop.omega.distance(to: z) <= 1e-14, "k = \(k)")
        }
    }

    /// M11: Lookahead at α = 0.3 (not the symmetric 0.5): ρ = |(1 − α) + α(1 − iη)⁵|.
    @Test func lookaheadPullBackIsNotSymmetric() throws {
        let eta = 0.3, alpha = 0.3
        let solver = try Lookahead(ForwardBackward(rule: try GradientStep(stepSize: eta)), period: 5, pullBack: alpha)
        let rho = LinearIteration.spectralRadius(try ModernFixtures.map(solver, on: rotation(), steps: 5))
        let p = ModernFixtures.power((1, -eta), 5)
        let closed = ModernFixtures.modulus((1 - alpha + alpha * p.0, alpha * p.1))
        #expect(relativeError(rho, closed) < 1e-6, "ρ = \(rho) vs \(closed)")
    }
}
