import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// One test per place where the public codes differ (STYLE §2), each naming its SPEC section.
/// References are computed by hand from the update equations, in plain Doubles.
@Suite("Conventions (SPEC §2)")
struct ConventionTests {
    /// A scalar VI F(θ, φ) = (φ + 1, −θ + 0.5φ) that records where it is evaluated.
    final class Recorder: @unchecked Sendable { var points: [[Double]] = [] }
    static func recordingGame(_ recorder: Recorder) -> VectorFieldGame {
        VectorFieldGame(name: "recorded", start: BlockVector(generator: [2], discriminator: [0.5])) { w in
            recorder.points.append(w.scalars)
            let t = w[.generator][0], p = w[.discriminator][0]
            return BlockVector(generator: [p + 1], discriminator: [-t + 0.5 * p])
        }
    }
    static func F(_ w: [Double]) -> [Double] { [w[1] + 1, -w[0] + 0.5 * w[1]] }
    static func minus(_ a: [Double], _ s: Double, _ b: [Double]) -> [Double] { zip(a, b).map { $0 - s * $1 } }

    func run<S: Solver>(_ solver: S, steps: Int, recorder: Recorder) throws -> (iterates: [[Double]], state: S.State, calls: Double) {
        let game = Self.recordingGame(recorder)
        var F = Oracle(game)
        var w = game.initialPoint.copy()
        var s = try solver.makeState(at: w, &F)
        var out = [w.scalars]
        for _ in 0..<steps { try solver.step(&w, &s, &F); out.append(w.scalars) }
        return (out, s, F.counter.oracleCalls)
    }

    /// SPEC §2, EFTP: "first g := F(ω₀)" — one call at start, then ω̄₀ = ω₀ − αF(ω₀), ω₁ = ω₀ − αF(ω̄₀).
    @Test func eftpFirstStepUsesTheFieldAtTheStart() throws {
        let alpha = 0.3, w0 = [2.0, 0.5]
        let rec = Recorder()
        let r = try run(ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha)), steps: 2, recorder: rec)
        let bar0 = Self.minus(w0, alpha, Self.F(w0))
        let w1 = Self.minus(w0, alpha, Self.F(bar0))
        let bar1 = Self.minus(w1, alpha, Self.F(bar0))
        let w2 = Self.minus(w1, alpha, Self.F(bar1))
        #expect(rec.points == [w0, bar0, bar1])          // evaluated at ω₀ (start), then only at ω̄_k
        #expect(r.iterates[1] == w1 && r.iterates[2] == w2)
        #expect(r.calls == 3)
        // Gidel et al.'s code: no stored gradient, so the first iteration is a plain step, no start call.
        let rec2 = Recorder()
        let skip = try run(ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha), firstStep: .skipExtrapolation), steps: 1, recorder: rec2)
        #expect(skip.iterates[1] == Self.minus(w0, alpha, Self.F(w0)) && skip.calls == 1)
    }

    /// OGDA's first step: Δ₋₁ := Δ₀ (a plain step, default) or 0 (ω₁ = ω₀ − 2αF(ω₀)); then
    /// ω₂ = ω₁ − 2αF(ω₁) + αF(ω₀). Unconstrained, OGDA's iterates are EFTP's ω̄_k (SPEC §2).
    @Test func ogdaFirstStepAndItsEquivalenceWithEFTP() throws {
        let alpha = 0.2, w0 = [2.0, 0.5]
        let r = try run(OptimisticGradient(rule: try GradientStep(stepSize: alpha)), steps: 2, recorder: Recorder())
        let w1 = Self.minus(w0, alpha, Self.F(w0))
        let w2 = zip(Self.minus(w1, 2 * alpha, Self.F(w1)), Self.F(w0)).map { $0 + alpha * $1 }
        #expect(r.iterates[1] == w1)
        #expect(zip(r.iterates[2], w2).allSatisfy { abs($0 - $1) < 1e-15 })
        let z = try run(OptimisticGradient(rule: try GradientStep(stepSize: alpha), firstStep: .zero), steps: 1, recorder: Recorder())
        #expect(z.iterates[1] == Self.minus(w0, 2 * alpha, Self.F(w0)))
        let rec = Recorder()
        _ = try run(ExtrapolationFromThePast(rule: try GradientStep(stepSize: alpha)), steps: 10, recorder: rec)
        let ogda = try run(OptimisticGradient(rule: try GradientStep(stepSize: alpha)), steps: 10, recorder: Recorder())
        for k in 1...10 { #expect(zip(ogda.iterates[k], rec.points[k]).allSatisfy { abs($0 - $1) < 1e-13 }, "k = \(k)") }
    }

    /// Adam's moments after feeding g₁, g₂, …: returns the displacements −α m̂/(√v̂+ε) (scalar).
    static func adamDisplacements(_ gs: [Double], alpha: Double, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8) -> [Double] {
        var m = 0.0, v = 0.0, out: [Double] = []
        for (t, g) in gs.enumerated() {
            m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g * g
            let mh = m / (1 - pow(b1, Double(t + 1))), vh = v / (1 - pow(b2, Double(t + 1)))
            out.append(-alpha * mh / (vh.squareRoot() + eps))
        }
        return out
    }

    /// Adam's one-pass move (ω ← ω + Δ with Δ never stored) gives the bits of the displacement
    /// followed by an axpy, moments and clock included, in both dtypes and over several steps
    /// (so bias corrections other than the first are covered), with per-player step sizes.
    @Test(arguments: [DType.float32, .float64]) func adamMoveIsDisplacementThenAxpy(dtype: DType) throws {
        var rng = RandomGenerator(seed: 9)
        let adam = try Adam(stepSize: PerPlayer(generator: 3e-3, discriminator: 1e-2), beta1: 0.5, beta2: 0.99)
        let start = BlockVector(generator: Tensor.normal([37], dtype: dtype, using: &rng),
                                discriminator: Tensor.normal([70], dtype: dtype, using: &rng))
        var fused = start.copy(), unfused = start.copy()
        var sf = adam.makeState(like: start), su = adam.makeState(like: start)
        for _ in 0..<4 {
            let g = BlockVector(generator: Tensor.normal([37], dtype: dtype, using: &rng),
                                discriminator: Tensor.normal([70], dtype: dtype, using: &rng))
            adam.move(&fused, along: g, &sf)
            unfused.axpy(1, adam.displacement(for: g, &su))
        }
        func bits(_ b: BlockVector) -> [UInt64] { b.scalars.map(\.bitPattern) }
        #expect(bits(fused) == bits(unfused))
        #expect(bits(sf.firstMoment) == bits(su.firstMoment) && bits(sf.secondMoment) == bits(su.secondMoment))
        #expect(sf.count == su.count && bits(fused) != bits(start))
    }

    /// SPEC §2: Extra-Adam's moments advance at both half-steps (Gidel et al., Algorithm 4:
    /// bias-correction exponents 2t−1 and 2t). On the scalar game F = (φ, −θ) one EG step with
    /// Adam feeds g = F(ω₀) then g̃ = F(ω̄); the clock reads 2 after one iteration.
    @Test func extraAdamAdvancesTheMomentsAtBothHalfSteps() throws {
        let alpha = 0.1, b1 = 0.5, b2 = 0.9
        let adam = try Adam(stepSize: PerPlayer(alpha), beta1: b1, beta2: b2)
        var F = Oracle(rotation())
        let solver = ExtraGradient(rule: adam, kind: .extraAdam)
        var w = rotation().initialPoint.copy(), s = try solver.makeState(at: w, &F)
        try solver.step(&w, &s, &F)
        #expect(s.rule.count == 2)
        // By hand, per coordinate (the moments are entrywise): g = (0.5, −2).
        let g = [0.5, -2.0]
        let d1 = (0..<2).map { Self.adamDisplacements([g[$0]], alpha: alpha, b1: b1, b2: b2)[0] }
        let bar = [2 + d1[0], 0.5 + d1[1]]
        let gt = [bar[1], -bar[0]]
        let d2 = (0..<2).map { Self.adamDisplacements([g[$0], gt[$0]], alpha: alpha, b1: b1, b2: b2)[1] }
        #expect(abs(w[.generator][0] - (2 + d2[0])) < 1e-15 && abs(w[.discriminator][0] - (0.5 + d2[1])) < 1e-15)
        // A clock that advanced once per iteration (bias exponent 1 at the second half-step) differs.
        let once = (0..<2).map { i -> Double in
            let m = b1 * (1 - b1) * g[i] + (1 - b1) * gt[i], v = b2 * (1 - b2) * g[i] * g[i] + (1 - b2) * gt[i] * gt[i]
            return -alpha * (m / (1 - b1)) / ((v / (1 - b2)).squareRoot() + 1e-8)
        }
        #expect(abs(w[.generator][0] - (2 + once[0])) > 1e-6)
    }

    /// SPEC §2: Past-Extra-Adam reuses the stored gradient: one call per iteration, and the stored
    /// g_k enters the moments twice (at the step of iteration k and the extrapolation of k+1).
    @Test func pastExtraAdamReusesTheStoredGradient() throws {
        let alpha = 0.1
        let solver = ExtrapolationFromThePast(rule: try Adam(stepSize: PerPlayer(alpha)), kind: .pastExtraAdam)
        let rec = Recorder()
        let r = try run(solver, steps: 2, recorder: rec)
        #expect(r.calls == 3 && rec.points.count == 3)
        #expect(r.state.rule.count == 4)
        // By hand: fed sequence g₋₁ = F(ω₀), g₀ = F(ω̄₀), g₀ again, g₁ = F(ω̄₁).
        let w0 = [2.0, 0.5]
        func adam(_ seq: [[Double]]) -> [Double] { (0..<2).map { i in Self.adamDisplacements(seq.map { $0[i] }, alpha: alpha).last! } }
        let gm1 = Self.F(w0)
        let bar0 = zip(w0, adam([gm1])).map { $0 + $1 }
        let g0 = Self.F(bar0)
        let w1 = zip(w0, adam([gm1, g0])).map { $0 + $1 }
        let bar1 = zip(w1, adam([gm1, g0, g0])).map { $0 + $1 }
        let g1 = Self.F(bar1)
        let w2 = zip(w1, adam([gm1, g0, g0, g1])).map { $0 + $1 }
        #expect(zip(rec.points[2], bar1).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(zip(r.iterates[2], w2).allSatisfy { abs($0 - $1) < 1e-15 })
    }

    /// SPEC §2, Optimistic Adam: ω ← ω − 2α m̂_t/(√v̂_t+ε) + α m̂_{t−1}/(√v̂_{t−1}+ε) by default
    /// (bias-corrected previous moments, Gidel et al.'s omd.py); with `.raw`, Daskalakis et al.'s
    /// code: lr_t = α√(1−β₂ᵗ)/(1−β₁ᵗ), ω ← ω − 2lr_t m_t/(√v_t+ε) + lr_t m_{t−1}/(√v_{t−1}+ε).
    @Test func optimisticAdamPreviousMoments() throws {
        let alpha = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8
        let w0 = [2.0, 0.5]
        // Default.
        let def = try run(OptimisticGradient(rule: try Adam(stepSize: PerPlayer(alpha)), kind: .optimisticAdam), steps: 2, recorder: Recorder())
        let g0 = Self.F(w0)
        let d0 = (0..<2).map { Self.adamDisplacements([g0[$0]], alpha: alpha)[0] }
        let w1 = zip(w0, d0).map { $0 + $1 }                         // first step: Δ₋₁ := Δ₀
        let g1 = Self.F(w1)
        let d1 = (0..<2).map { Self.adamDisplacements([g0[$0], g1[$0]], alpha: alpha)[1] }
        let w2 = (0..<2).map { w1[$0] + 2 * d1[$0] - d0[$0] }
        #expect(zip(def.iterates[1], w1).allSatisfy { abs($0 - $1) < 1e-15 })
        #expect(zip(def.iterates[2], w2).allSatisfy { abs($0 - $1) < 1e-15 })
        // Raw.
        let raw = try run(OptimisticGradient(rule: try Adam(stepSize: PerPlayer(alpha), previousMoments: .raw), kind: .optimisticAdam),
                          steps: 2, recorder: Recorder())
        var expected = [w0]
        var m = [0.0, 0.0], v = [0.0, 0.0]
        for t in 1...2 {
            let w = expected.last!, g = Self.F(w)
            let lr = alpha * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            var next = w
            for i in 0..<2 {
                let mPrev = m[i], vPrev = v[i]
                m[i] = b1 * m[i] + (1 - b1) * g[i]; v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                next[i] = w[i] - 2 * lr * m[i] / (v[i].squareRoot() + eps) + lr * mPrev / (vPrev.squareRoot() + eps)
            }
            expected.append(next)
        }
        for k in 1...2 { #expect(zip(raw.iterates[k], expected[k]).allSatisfy { abs($0 - $1) < 1e-15 }, "raw step \(k)") }
        #expect(abs(raw.iterates[2][0] - def.iterates[2][0]) > 1e-6)   // the two conventions differ
    }

    /// SPEC §2, SRFB: F is evaluated at ω_k, the step starts from ω̄_k = (1−δ)ω_k + δω̄_{k−1}, ω̄₋₁ := ω₀.
    @Test func srfbEvaluatesAtOmegaAndStepsFromOmegaBar() throws {
        let delta = 0.7, lambda = 0.2, w0 = [2.0, 0.5]
        let rec = Recorder()
        let r = try run(try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(lambda)), steps: 3, recorder: rec)
        var w = w0, bar = w0
        var expected = [w0], evaluated: [[Double]] = []
        for _ in 0..<3 {
            bar = zip(w, bar).map { (1 - delta) * $0 + delta * $1 }
            evaluated.append(w)
            w = Self.minus(bar, lambda, Self.F(w))
            expected.append(w)
        }
        #expect(rec.points == evaluated)
        for k in 1...3 { #expect(zip(r.iterates[k], expected[k]).allSatisfy { abs($0 - $1) < 1e-15 }) }
        #expect(zip(r.state.relaxedPoint.scalars, bar).allSatisfy { abs($0 - $1) < 1e-15 })
        // The swapped method (F at ω̄_k, step from ω_k) diverges on θφ where SRFB converges (λ = 0.5).
        let d = RelaxedForwardBackward.inverseGoldenRatio, l = 0.5
        let swapped = LinearIteration.matrix(dimension: 4) { v in
            let bar = [(1 - d) * v[0] + d * v[2], (1 - d) * v[1] + d * v[3]]
            let f = [bar[1], -bar[0]]
            return [v[0] - l * f[0], v[1] - l * f[1]] + bar
        }
        #expect(LinearIteration.spectralRadius(swapped) > 1)
        #expect(LinearIteration.spectralRadius(try SpectralRadiusTests.srfbMatrix(l)) < 1)
    }

    /// SRFB's batch schedule reaches the oracle: samples = Σ N_k.
    @Test func srfbBatchScheduleSetsTheMinibatch() throws {
        let solver = try RelaxedForwardBackward(stepSize: PerPlayer(0.1), batchSchedule: .growing(c: 1, k0: 1, a: 1))
        let result = try solve(AdditiveNoise(rotation(), noiseLevel: 1), with: solver, stopping: StoppingRule(iterations: 4))
        #expect(result.counter.samples == 1 + 4 + 9 + 16)
    }
}
