import Foundation
import Testing
import Reproductions
import Metrics
import Games
import Solvers
import Tensors

/// Issue 19, item 3: the multiplicative-noise game F(ω, ξ) = (J + σ G_ξ)(ω − ω*) — its exact
/// solution, its mean and variance against closed forms, growing-batch SRFB reaching 1e-6 on it —
/// and claim (e)'s decision rule on synthetic scores (fast tier).
@Suite("SRFB multiplicative noise and claim (e)'s protocol")
struct SRFBMultiplicativeNoiseTests {
    static func point(_ rng: inout RandomGenerator, _ d: Int) -> BlockVector {
        BlockVector(generator: Tensor.uniform([d], low: -1, high: 1, dtype: .float64, using: &rng),
                    discriminator: Tensor.uniform([d], low: -1, high: 1, dtype: .float64, using: &rng))
    }

    /// J(ω − ω*) by hand from A's entries: (A(φ − φ*), −Aᵀ(θ − θ*)).
    static func closedForm(_ g: MultiplicativeNoiseGame, _ w: BlockVector) -> [Double] {
        let a = g.base.matrix, d = g.sizes.generator
        let e = (w - g.equilibrium!).scalars
        var f = [Double](repeating: 0, count: 2 * d)
        for i in 0..<d {
            for j in 0..<d {
                f[i] += a[i, j] * e[d + j]
                f[d + j] -= a[i, j] * e[i]
            }
        }
        return f
    }

    static func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// F(ω*, ξ) = 0 for every sample, batch and block set; the solution is the base game's
    /// equilibrium, which solves Aφ* = −b, Aᵀθ* = −c.
    @Test func theSolutionZeroesEverySample() {
        let game = MultiplicativeNoiseGame.random(dimension: 5, noiseLevel: 0.7, seed: 3)
        let star = game.equilibrium!
        // Independent check that ω* is the bilinear game's solution: Aφ* + b = 0 and Aᵀθ* + c = 0.
        let a = game.base.matrix, b = game.base.offsets.generator.scalars, c = game.base.offsets.discriminator.scalars
        let th = star[.generator].scalars, ph = star[.discriminator].scalars
        for i in 0..<5 {
            #expect(abs((0..<5).reduce(b[i]) { $0 + a[i, $1] * ph[$1] }) < 1e-12)
            #expect(abs((0..<5).reduce(c[i]) { $0 + a[$1, i] * th[$1] }) < 1e-12)
        }
        for seed: UInt64 in [0, 1, 99, 12345] {
            for n in [1, 7, 1_000_000] {
                for blocks in [Player.both, [.generator], [.discriminator]] as [Set<Player>] {
                    #expect(game.field(at: star, blocks: blocks, sample: .minibatch(size: n, seed: seed)).norm() < 1e-12)
                }
            }
        }
        // Away from ω* the samples differ (the noise is there).
        var rng = RandomGenerator(seed: 5)
        let w = Self.point(&rng, 5)
        let f1 = game.field(at: w, blocks: Player.both, sample: .minibatch(size: 1, seed: 1))
        let f2 = game.field(at: w, blocks: Player.both, sample: .minibatch(size: 1, seed: 2))
        #expect(f1.distance(to: f2) > 0.1)
    }

    /// The exact field is J(ω − ω*) computed by hand; the mean of many one-sample fields approaches
    /// it within its standard error; E‖F̂ − F‖² = σ² m ‖ω − ω*‖² / N for batches N = 1 and 16.
    @Test func meanAndVarianceMatchTheClosedForms() {
        let d = 4, m = 8, sigma = 0.5
        let game = MultiplicativeNoiseGame.random(dimension: d, noiseLevel: sigma, seed: 11)
        var rng = RandomGenerator(seed: 2)
        let w = Self.point(&rng, d)
        let exact = Self.closedForm(game, w)
        let errorSquared = pow(Self.norm((w - game.equilibrium!).scalars), 2)
        #expect(errorSquared > 0.1)
        #expect(Self.norm(zip(game.exactField(at: w).scalars, exact).map { $0 - $1 }) < 1e-12)
        // Blocks: only the requested player's part.
        let g = game.field(at: w, blocks: [.generator], sample: .minibatch(size: 3, seed: 4))
        #expect(g[.discriminator].scalars.allSatisfy { $0 == 0 } && g[.generator].scalars.contains { $0 != 0 })
        for n in [1, 16] {
            let k = 4000
            var mean = [Double](repeating: 0, count: m), squared = 0.0
            for s in 0..<k {
                let f = game.field(at: w, blocks: Player.both, sample: .minibatch(size: n, seed: UInt64(1000 * n + s))).scalars
                for i in 0..<m { mean[i] += f[i] / Double(k) }
                squared += pow(Self.norm(zip(f, exact).map { $0 - $1 }), 2) / Double(k)
            }
            let variance = sigma * sigma * Double(m) * errorSquared / Double(n)
            // Relative error of a mean of k χ²-like terms: about √(2/(k m)) ≈ 0.8%; allow 5%.
            #expect(abs(squared / variance - 1) < 0.05, "N = \(n): E‖F̂ − F‖² = \(squared), closed form \(variance)")
            // ‖mean − F‖² has expectation variance/k; allow 4× (a χ²_8 exceeds 4× its mean with probability < 1e-4).
            let bias = pow(Self.norm(zip(mean, exact).map { $0 - $1 }), 2)
            #expect(bias < 4 * variance / Double(k), "N = \(n): ‖mean − F‖² = \(bias)")
        }
    }

    /// Growing-batch SRFB (N_k = (k + 1)³, λ = 1/(2δL)) reaches ‖ω − ω*‖ ≤ 1e-6 on the
    /// multiplicative-noise game in 150 iterations (the deterministic factor is ≈ 0.87 per
    /// iteration); with N = 1 throughout it does not converge, and on the additive-noise game with
    /// the same operator, schedule and iterations it stays far above (distance² ≈ C/N_k there).
    @Test func growingBatchSRFBReachesTheSolution() throws {
        let d = 6
        let game = MultiplicativeNoiseGame.random(dimension: d, noiseLevel: 0.3, seed: 7)
        let base = game.base
        // The coupling is orthogonal: QᵀQ = I, so L = 1.
        for i in 0..<d {
            for j in 0..<d {
                let dot = (0..<d).reduce(0.0) { $0 + base.matrix[$1, i] * base.matrix[$1, j] }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
            }
        }
        #expect(abs(base.lipschitzConstant! - 1) < 1e-9)
        let delta = RelaxedForwardBackward.inverseGoldenRatio
        let lambda = 1 / (2 * delta * base.lipschitzConstant!)
        let schedule = BatchSchedule.growing(c: 1, k0: 1, a: 2)
        let solver = try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(lambda), batchSchedule: schedule)
        let iterations = 150
        let multiplicative = try solve(game, with: solver, seed: 1, stopping: StoppingRule(iterations: iterations))
        let distance = multiplicative.records.map { $0.distance! }
        #expect(distance.last! <= 1e-6, "final distance \(distance.last!)")
        #expect(distance[0] > 0.5)
        // The samples drawn are Σ_{k<K} (k + 1)³ = (K(K + 1)/2)².
        #expect(multiplicative.counter.samples == (iterations * (iterations + 1) / 2) * (iterations * (iterations + 1) / 2))
        // The growth matters at this noise level (σ²m = 1.08): one sample per iteration does not converge.
        let single = try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(lambda), batchSchedule: .constant(1))
        let one = try solve(game, with: single, seed: 1, stopping: StoppingRule(iterations: iterations))
        #expect(one.records.last!.distance! > 1e-2, "N = 1: final distance \(one.records.last!.distance!)")
        let additive = try solve(NoisyGame(base, noiseLevel: 0.3), with: solver, seed: 1, stopping: StoppingRule(iterations: iterations))
        #expect(additive.records.last!.distance! > 1e-4, "additive-noise final distance \(additive.records.last!.distance!)")
    }

    /// 2σ²‖A⁻¹‖²_F by hand: A = [[2, 1], [0, 1]] has A⁻¹ = [[0.5, −0.5], [0, 1]], ‖·‖²_F = 1.5;
    /// a permuted diagonal (pivoting needed) [[0, 1, 0], [0, 0, 2], [4, 0, 0]] has ‖A⁻¹‖²_F =
    /// 1 + 1/4 + 1/16; a singular matrix has none.
    @Test func statisticalFloorIsTwoSigmaSquaredTimesTheInverseFrobenius() {
        #expect(abs(SRFBStudy.statisticalFloor(matrix: [[2, 1], [0, 1]], noiseLevel: 0.5)! - 2 * 0.25 * 1.5) < 1e-14)
        #expect(abs(SRFBStudy.statisticalFloor(matrix: [[0, 1, 0], [0, 0, 2], [4, 0, 0]], noiseLevel: 1)! - 2 * 1.3125) < 1e-14)
        #expect(SRFBStudy.statisticalFloor(matrix: [[1, 2], [2, 4]], noiseLevel: 1) == nil)
    }

    // MARK: claim (e)'s decision (ComparisonProtocol over a λ grid)

    @Test func lambdaGridAndTheDecisionFollowTheScores() {
        #expect(ComparisonProtocol.grid(stepSizes: ComparisonProtocol.stepSizes) == ComparisonProtocol.grid(mirror: false))
        #expect(ComparisonProtocol.grid(stepSizes: [0.01, 0.3]).map(\.label)
                == ["generator_step_size=0.01, discriminator_step_size=0.01", "generator_step_size=0.3, discriminator_step_size=0.3"])
        let claim = SRFBGANClaim.study(quick: false)
        #expect(claim.stepSizes == [0.01, 0.02, 0.05, 0.1, 0.2, 0.3])
        #expect(claim.comparison.tuningSeeds == [100, 101] && claim.comparison.evaluationSeeds == [0, 1, 2, 3, 4])
        // Tuning tables: SRFB best at λ = 0.2 (index 4; index 5 diverged on one seed), EG at 0.02 (index 1).
        let inf = Double.infinity
        let srfb = [[90, 80], [70, 72], [60, 61], [50, 52], [40, 41], [10, inf]]
        let eg = [[inf, inf], [55, 57], [56, 58], [inf, 30], [80, 80], [inf, inf]]
        var asked: [(Int, Int)] = []
        func run(_ srfbScores: [Double], _ egScores: [Double]) -> ([ComparisonProtocol.Tuned], ClaimTest) {
            asked = []
            return claim.decide(tuning: [srfb, eg]) { m, s in asked.append((m, s)); return m == 0 ? srfbScores : egScores }
        }
        // SRFB lower on every seed: p = 1/C(10, 5) = 1/252 → PASS.
        let (tuned, pass) = run([30, 31, 32, 33, 34], [40, 41, 42, 43, 44])
        #expect(tuned.map(\.chosen) == [4, 1] && asked.map { $0.1 } == [4, 1] && asked.map { $0.0 } == [0, 1])
        #expect(tuned[0].chosenSetting.label.hasPrefix("generator_step_size=0.2,"))
        #expect(pass.verdict == .pass && abs(pass.comparisons[0].pBetter - 1.0 / 252) < 1e-12)
        // EG lower on every seed → FAIL; interleaved → UNDECIDED; a diverged SRFB evaluation loses.
        #expect(run([40, 41, 42, 43, 44], [30, 31, 32, 33, 34]).1.verdict == .fail)
        #expect(run([30, 41, 32, 43, 34], [40, 31, 42, 33, 44]).1.verdict == .undecided)
        #expect(run([inf, inf, inf, inf, inf], [30, 31, 32, 33, 34]).1.verdict == .fail)
    }
}
