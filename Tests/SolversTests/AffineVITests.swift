import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// Issue 3, acceptance 2: the `avi-psd` generator, n = 200, box [−1, 1]ⁿ, ω₀ = 0, seeds 0–2.
@Suite("avi-psd: EG, EFTP and SRFB to residual 1e-8 (acceptance 2)")
struct AffineVITests {
    static let seeds: [UInt64] = [0, 1, 2]

    func run<S: Solver>(_ vi: AffineVariationalInequality, _ solver: S) throws -> SolveResult {
        try solve(vi, with: solver, stopping: StoppingRule(iterations: 40_000, tolerance: 1e-8, maxOracleCalls: 20_000))
    }

    @Test(arguments: seeds)
    func solversReachTheToleranceAndTheSolutionPassesTheBoxCheck(seed: UInt64) throws {
        let vi = AffineVariationalInequality.psd(dimension: 200, seed: seed)
        let L = try #require(vi.lipschitzConstant)
        let delta = RelaxedForwardBackward.inverseGoldenRatio
        let eg = try run(vi, ExtraGradient(rule: try GradientStep(stepSize: 1 / (2 * L))))
        let eftp = try run(vi, ExtrapolationFromThePast(rule: try GradientStep(stepSize: 1 / (2 * L))))
        let srfb = try run(vi, try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(1 / (2 * delta * L))))
        for (name, r) in [("EG", eg), ("EFTP", eftp), ("SRFB", srfb)] {
            #expect(r.final.residual <= 1e-8 && r.counter.oracleCalls <= 20_000, "seed \(seed) \(name): residual \(r.final.residual) after \(r.counter.oracleCalls) calls")
            // The independent check: box-VI complementarity, entry by entry, with the exact F.
            let violation = vi.complementarityViolation(at: r.output)
            #expect(violation <= 1e-7, "seed \(seed) \(name): complementarity violated by \(violation)")
            #expect(vi.domain.contains(r.output))
        }
        let ratio = eftp.counter.oracleCalls / eg.counter.oracleCalls
        #expect(ratio >= 0.45 && ratio <= 0.55, "seed \(seed): EFTP/EG oracle calls \(ratio)")
        // Reported, not asserted.
        let egLong = try run(vi, ExtraGradient(rule: try GradientStep(stepSize: 0.99 / L)))
        let eftp57 = try run(vi, ExtrapolationFromThePast(rule: try GradientStep(stepSize: 0.57 / L)))
        print("avi-psd seed \(seed): L = \(L); oracle calls to residual ≤ 1e-8 (cap 20000): EG 1/(2L) \(eg.counter.oracleCalls), "
              + "EFTP 1/(2L) \(eftp.counter.oracleCalls) (ratio \(ratio)), SRFB 1/(2δL) \(srfb.counter.oracleCalls), "
              + "EG 0.99/L \(egLong.counter.oracleCalls) [residual \(egLong.final.residual)], "
              + "EFTP 0.57/L \(eftp57.counter.oracleCalls) [residual \(eftp57.final.residual)]")
    }

    /// M and q from CSV and NPY files give the same operator as the generator's.
    @Test func filesRoundTrip() throws {
        let vi = AffineVariationalInequality.psd(dimension: 6, seed: 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-avi-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<6).map { i in (0..<6).map { j in "\(vi.matrix[i, j])" }.joined(separator: ",") }.joined(separator: "\n")
        try rows.write(to: dir.appendingPathComponent("M.csv"), atomically: true, encoding: .utf8)
        try vi.offset.scalars.map { "\($0)" }.joined(separator: "\n").write(to: dir.appendingPathComponent("q.csv"), atomically: true, encoding: .utf8)
        let loaded = try AffineVariationalInequality.load(matrix: dir.appendingPathComponent("M.csv").path,
                                                          offset: dir.appendingPathComponent("q.csv").path, box: 1)
        var rng = RandomGenerator(seed: 5)
        let w = BlockVector(flat: Tensor.normal([6], dtype: .float64, using: &rng), sizes: vi.sizes)
        #expect(loaded.exactField(at: w).isBitIdentical(to: vi.exactField(at: w)))
    }
}

/// Issue 3, acceptance 3 (SPEC §5): 50×50 matrix games, A and a i.i.d. N(0, 1), seeds 0–4,
/// T ∈ {100·2^k : k = 0…6}; the duality gap of the averages, fitted log–log slope.
@Suite("Matrix games: mirror-prox O(1/T), mirror descent O(1/√T) (acceptance 3)")
struct MirrorRateTests {
    static let horizons = (0...6).map { 100 << $0 }

    static func slope(_ ts: [Int], _ gaps: [Double]) -> Double {
        let x = ts.map { log(Double($0)) }, y = gaps.map { log($0) }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }, sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }

    @Test(arguments: [UInt64](0...4))
    func mirrorProxAndMirrorDescentRates(seed: UInt64) throws {
        let game = MatrixGame.random(rows: 50, columns: 50, seed: seed)
        let amax = game.maxAbsEntry
        // Mirror-prox, constant η = 1/max|A_ij|: the average after T steps of one long run is the
        // average of a run of length T.
        let mp = try solve(game, with: try MirrorProx(stepSize: PerPlayer(1 / amax)), stopping: StoppingRule(iterations: Self.horizons.last!))
        let mpGaps = Self.horizons.map { mp.records[$0].gap! }
        let mpSlope = Self.slope(Self.horizons, mpGaps)
        // Mirror descent: one run per T with η_T = √(2 log n / T)/max|A_ij|.
        let mdGaps = try Self.horizons.map { T -> Double in
            let eta = (2 * log(50.0) / Double(T)).squareRoot() / amax
            return try solve(game, with: try MirrorDescent(stepSize: PerPlayer(eta)), stopping: StoppingRule(iterations: T)).final.gap!
        }
        let mdSlope = Self.slope(Self.horizons, mdGaps)
        print("matrix game seed \(seed): mirror-prox slope \(mpSlope) (gaps \(mpGaps.map { String(format: "%.3g", $0) })), "
              + "mirror descent slope \(mdSlope) (gaps \(mdGaps.map { String(format: "%.3g", $0) }))")
        #expect(abs(mpSlope + 1) <= 0.15, "seed \(seed): mirror-prox slope \(mpSlope)")
        #expect(abs(mdSlope + 0.5) <= 0.15, "seed \(seed): mirror descent slope \(mdSlope)")
        #expect(mpGaps.allSatisfy { $0 > 0 } && mdGaps.allSatisfy { $0 > 0 })
    }
}
