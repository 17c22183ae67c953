import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// SRFB's two regimes on the finite-sum bilinear game (SPEC §6, paper 3): growing batches converge
/// towards the solution; a fixed batch stalls at a noise floor, which the averaged iterate lowers.
@Suite("SRFB regimes on the finite-sum bilinear game")
struct StochasticRegimeTests {
    static let game = FiniteSumBilinearGame(terms: 50, dimension: 5, offsetScale: 1, seed: 3)

    @Test func theExactFieldVanishesAtTheStatedSolution() {
        #expect(Self.game.exactField(at: Self.game.equilibrium!).norm() < 1e-12)
        // The minibatch field is unbiased: the average over many draws approaches the exact field.
        var F = Oracle(Self.game, seed: 1, batchSize: 50)
        let w = BlockVector(generator: [0.1, -0.2, 0.3, 0, 0.5], discriminator: [0.2, 0.2, -0.1, 0.4, 0])
        var sum = BlockVector.zeros(like: w)
        for _ in 0..<2000 { sum.axpy(1.0 / 2000, F.field(at: w)) }
        #expect(sum.distance(to: Self.game.exactField(at: w)) < 0.05 * Self.game.exactField(at: w).norm())
    }

    @Test func growingBatchesConvergeAndAFixedBatchStalls() throws {
        let lambda = 0.5 / (2 * RelaxedForwardBackward.inverseGoldenRatio * Self.game.lipschitzConstant!)
        func run(_ schedule: BatchSchedule, averaged: Bool = false) throws -> SolveResult {
            try solve(Self.game, with: try RelaxedForwardBackward(stepSize: PerPlayer(lambda), batchSchedule: schedule, averaged: averaged),
                      seed: 5, stopping: StoppingRule(iterations: 300))
        }
        let growing = try run(.growing(c: 1, k0: 1, a: 0.5))
        let fixed = try run(.constant(1))
        let averaged = try run(.constant(1), averaged: true)
        let dg = growing.final.distance!, df = fixed.final.distance!, da = averaged.final.distance!
        print("finite-sum bilinear, SRFB 300 iterations: growing batches \(dg) (\(growing.counter.samples) samples), "
              + "fixed N = 1: last iterate \(df), averaged \(da)")
        #expect(dg < 0.05 * growing.initial.distance!)
        #expect(dg < 0.1 * df)
        #expect(da < df)
    }
}
