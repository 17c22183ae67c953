import Foundation
import Games
import Solvers
import Formats
import Tensors

/// `saddle reproduce srfb` (issue 8): SRFB's two stochastic regimes (Franci & Grammatico,
/// arXiv:2003.13637 and 2010.10013; SPEC §2 and §6) on the finite-sum bilinear game and on an
/// additive-noise oracle, against extragradient, measured per sample drawn.
///
/// Runs on each problem: SRFB with growing batches N_k = ⌈c (k + k₀)^(a+1)⌉ up to a sample budget;
/// SRFB with fixed batches N, 2N, 4N; averaged SRFB with N; EG with the same growing schedule and
/// budget (under ``BatchScheduled``) and with N. Step sizes are the `saddle solve` defaults:
/// λ = 1/(2δL) for SRFB (δ = 1/golden ratio), α = 0.5/L for EG. Every verdict is computed from the
/// recorded trajectories (see ``SRFBStudy/verdicts``).
public enum SRFBStudyProblem: String, Sendable, CaseIterable {
    /// ``FiniteSumBilinearGame`` (evaluated by ``CountedFiniteSumBilinear``), box [−1, 1]^d.
    case finiteSum = "finite-sum"
    /// ``NoisyGame``: the same game's exact operator plus σ-Gaussian noise (same solution, same L).
    case additiveNoise = "additive-noise"
    /// ``MultiplicativeNoiseGame``: F(ω, ξ) = (J + σ G_ξ)(ω − ω*) on ``BilinearGame/random(dimension:seed:box:)``,
    /// noise that vanishes at the solution (claim (a)'s exactness part; growing runs only).
    case multiplicativeNoise = "multiplicative-noise"

    /// The problems with the fixed-batch and averaged runs (claims (b)–(d)).
    public static let noisy: [SRFBStudyProblem] = [.finiteSum, .additiveNoise]
}

/// The grid's sizes; ``full`` and ``quick`` are what the CLI runs.
public struct SRFBStudyConfiguration: Sendable {
    /// Seeds the game and the runs' minibatches.
    public var seed: UInt64 = 0
    /// d (both players), and the finite-sum game's number of terms n and offset spread.
    public var dimension = 100
    public var terms = 100
    public var offsetScale = 0.1
    /// σ of the additive-noise oracle (per entry, for one sample), added to the finite-sum game's exact F.
    public var noiseLevel = 0.1
    /// N, the smallest fixed batch; the fixed-batch runs use N · each multiple.
    public var fixedBatch = 32
    public var batchMultiples = [1, 2, 4]
    /// Iterations of every fixed-batch run.
    public var fixedIterations = 4000
    /// The growing schedule's c, k₀, a.
    public var growthC = 1.0
    public var growthK0 = 1.0
    public var growthA = 2.0
    /// Samples each growing-batch run may draw (it stops before the iteration that would exceed it).
    public var sampleBudget = 1_000_000_000
    /// Claim (a) on the additive-noise game: the distance growing-batch SRFB must reach within the budget.
    public var targetDistance = 1e-2
    /// Claim (a) on the additive-noise game: the constant C = ‖ω_k − ω*‖² N_{k−1} of the fourth
    /// quarter must lie within (1 ± this) × the third quarter's.
    public var rateTolerance = 0.2
    /// Claim (a) on the multiplicative-noise game: the distance growing-batch SRFB must reach.
    public var exactDistance = 1e-6
    /// σ of the multiplicative-noise game (G_ξ's entries for one sample).
    public var multiplicativeNoiseLevel = 0.1
    /// Claim (d)'s accuracy (distance to the solution).
    public var accuracy = 1e-2
    /// Claim (b): the floor ratio for a doubled batch must lie in 0.5 · (1 ± this).
    public var floorTolerance = 0.3
    /// Claim (c): the averaged gap must end at most (1 + this) × the fixed-batch gap floor.
    public var gapTolerance = 0.3

    public init() {}

    /// The full grid (the default of `saddle reproduce srfb`).
    public static var full: SRFBStudyConfiguration { SRFBStudyConfiguration() }

    /// The `--quick` grid: the same problems, fewer iterations and a 20× smaller sample budget.
    public static var quick: SRFBStudyConfiguration {
        var c = SRFBStudyConfiguration()
        c.fixedIterations = 1500
        c.sampleBudget = 50_000_000
        return c
    }

    public var growingSchedule: BatchSchedule { .growing(c: growthC, k0: growthK0, a: growthA) }
    public var relaxation: Double { RelaxedForwardBackward.inverseGoldenRatio }

    /// Checks the ranges (a user can set them through the library).
    public func validate() throws {
        func bad(_ name: String, _ v: Double, _ allowed: String) -> SRFBStudyError { SRFBStudyError("\(name) = \(v) is outside \(allowed)") }
        if dimension < 1 { throw bad("dimension", Double(dimension), "integers ≥ 1") }
        if terms < 1 { throw bad("terms", Double(terms), "integers ≥ 1") }
        if !(noiseLevel > 0) { throw bad("noise level", noiseLevel, "(0, ∞)") }
        if !(multiplicativeNoiseLevel >= 0 && multiplicativeNoiseLevel.isFinite) { throw bad("multiplicative noise level", multiplicativeNoiseLevel, "[0, ∞)") }
        if !(targetDistance > 0) { throw bad("target distance", targetDistance, "(0, ∞)") }
        if !(exactDistance > 0) { throw bad("exact distance", exactDistance, "(0, ∞)") }
        if !(rateTolerance > 0) { throw bad("rate tolerance", rateTolerance, "(0, ∞)") }
        if fixedBatch < 1 { throw bad("fixed batch", Double(fixedBatch), "integers ≥ 1") }
        if batchMultiples.count < 2 || batchMultiples.contains(where: { $0 < 1 }) || batchMultiples != batchMultiples.sorted() {
            throw SRFBStudyError("batch multiples \(batchMultiples) must be at least two increasing integers ≥ 1")
        }
        if fixedIterations < 20 { throw bad("fixed iterations", Double(fixedIterations), "integers ≥ 20") }
        if sampleBudget < 1 { throw bad("sample budget", Double(sampleBudget), "integers ≥ 1") }
        try growingSchedule.validate()
    }
}

public struct SRFBStudyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// One run's trajectory, measured after every iteration on the solver's output (the average for
/// averaged SRFB) with the exact operator.
public struct SRFBStudyRun: Sendable {
    public var problem: SRFBStudyProblem
    /// "SRFB growing", "SRFB N=8", "averaged SRFB N=8", "EG growing", "EG N=8".
    public var name: String
    public var method: String
    public var schedule: BatchSchedule
    public var stepSize: Double
    /// The budget of a growing run; nil for fixed-batch runs (which run a fixed number of iterations).
    public var sampleBudget: Int?
    /// Per record (index t = after t iterations): samples drawn so far, ‖ω̂_t − ω*‖, restricted gap.
    public var samples: [Int]
    public var distance: [Double]
    public var gap: [Double]
    /// N used by the iteration that produced record t (0 for t = 0).
    public var batch: [Int]
    public var oracleCalls: Double
    public var seconds: Double

    public var iterations: Int { distance.count - 1 }
    public var totalSamples: Int { samples.last ?? 0 }
    public var finalDistance: Double { distance.last ?? .nan }
    public var minDistance: Double { distance.min() ?? .nan }
    public var finalGap: Double { gap.last ?? .nan }

    /// The floor: the mean of ‖ω̂_t − ω*‖² over the second half of the run (t > T/2).
    public var tailMeanSquaredDistance: Double { tailMean(distance.map { $0 * $0 }) }
    /// The means of ‖ω̂_t − ω*‖² over the third and fourth quarters of the run (a stalled run has equal ones).
    public var quarterMeansOfSquaredDistance: (third: Double, fourth: Double) {
        let t = iterations, sq = distance.map { $0 * $0 }
        func mean(_ r: ClosedRange<Int>) -> Double { r.count > 0 ? sq[r].reduce(0, +) / Double(r.count) : .nan }
        return (mean((t / 2 + 1)...max(t / 2 + 1, 3 * t / 4)), mean((3 * t / 4 + 1)...t))
    }

    /// The mean restricted gap over the second half of the run.
    public var tailMeanGap: Double { tailMean(gap) }

    func tailMean(_ v: [Double]) -> Double {
        let start = iterations / 2 + 1
        guard start < v.count else { return v.last ?? .nan }
        return v[start...].reduce(0, +) / Double(v.count - start)
    }

    /// Samples drawn when the distance first reached ≤ ε; nil if it never did.
    public func samplesToReach(_ epsilon: Double) -> Int? {
        distance.firstIndex { $0 <= epsilon }.map { samples[$0] }
    }
}

/// One claim's verdict: computed from the runs, with the numbers behind it.
public struct SRFBStudyVerdict: Sendable {
    public struct Number: Sendable {
        public var name: String
        public var value: Double?
        public init(_ name: String, _ value: Double?) { self.name = name; self.value = value }
    }
    /// "a/additive-noise", "b/finite-sum", …: the claim, and the problem when it is checked on several; "e".
    public var id: String
    public var claim: String
    /// nil: not evaluated (see ``note``).
    public var pass: Bool?
    public var numbers: [Number]
    /// How the numbers were read, or why the claim was not evaluated.
    public var note: String
    /// pass == nil because a statistical test could not tell (not because the claim was not evaluated).
    public var undecided = false
    /// Claim (e)'s tuning, evaluation scores and test (set by the CLI after ``SRFBGANClaim/evaluate(group:progress:)``).
    public var comparison: SRFBGANClaim.Outcome? = nil

    /// PASS, FAIL, UNDECIDED or NOT EVALUATED.
    public var status: String {
        switch pass {
        case true?: return "PASS"
        case false?: return "FAIL"
        case nil: return undecided ? "UNDECIDED" : "NOT EVALUATED"
        }
    }
}

/// The study: runs the grid and judges the claims.
public struct SRFBStudy: Sendable {
    public var configuration: SRFBStudyConfiguration
    public var runs: [SRFBStudyRun] = []
    public var verdicts: [SRFBStudyVerdict] = []
    /// L of each problem's exact operator.
    public var lipschitz: [SRFBStudyProblem: Double] = [:]
    public var quick: Bool

    /// Builds a problem of the study.
    public static func makeProblem(_ p: SRFBStudyProblem, _ c: SRFBStudyConfiguration) -> any VariationalInequality {
        switch p {
        case .finiteSum:
            return CountedFiniteSumBilinear(FiniteSumBilinearGame(terms: c.terms, dimension: c.dimension, offsetScale: c.offsetScale, seed: c.seed))
        case .additiveNoise:
            return NoisyGame(FiniteSumBilinearGame(terms: c.terms, dimension: c.dimension, offsetScale: c.offsetScale, seed: c.seed), noiseLevel: c.noiseLevel)
        case .multiplicativeNoise:
            return MultiplicativeNoiseGame.random(dimension: c.dimension, noiseLevel: c.multiplicativeNoiseLevel, seed: c.seed, box: 1)
        }
    }

    /// The number of iterations of `schedule` whose samples (`callsPerIteration` calls of N_k each)
    /// fit in `budget`.
    public static func iterations(within budget: Int, schedule: BatchSchedule, callsPerIteration: Int) -> Int {
        var k = 0, spent = 0
        while true {
            let next = spent + callsPerIteration * schedule.size(at: k)
            if next > budget { return k }
            spent = next
            k += 1
        }
    }

    /// What one run of the grid returns (the rest of an ``SRFBStudyRun`` comes from the plan):
    /// exchanged between MPI ranks as JSON, which carries every Double to the same bits.
    struct RunOutcome: Codable, Sendable {
        var samples: [Int], distance: [Double], gap: [Double], batch: [Int], oracleCalls: Double, seconds: Double
    }

    /// Runs the whole grid, then judges the claims. `threads` sets the BLAS thread count for the run
    /// (the CLI uses 1: the products are small); nil leaves it alone. `progress` receives one line
    /// per run, from the process that ran it. With a `group` of several processes (MPI ranks) the
    /// runs are spread over them (``ProcessGroup/distribute(_:_:)``) and every rank returns the same
    /// study, bit for bit the study of one process (each run is seeded by its place in the grid).
    public static func run(_ c: SRFBStudyConfiguration, quick: Bool = false, threads: Int? = nil,
                           group: any ProcessGroup = SingleProcess.shared,
                           progress: (String) -> Void = { _ in }) throws -> SRFBStudy {
        try c.validate()
        let savedThreads = BLAS.threads
        if let threads { BLAS.threads = threads }
        defer { if threads != nil { BLAS.threads = savedThreads } }
        var study = SRFBStudy(configuration: c, quick: quick)
        struct Cell {
            var problemKind: SRFBStudyProblem, problem: any VariationalInequality
            var name: String, solver: any Solver, schedule: BatchSchedule, step: Double, iterations: Int, budget: Int?, calls: Int, seed: UInt64
        }
        var cells: [Cell] = []
        var runSeed = c.seed &* 1000 &+ 17
        for p in SRFBStudyProblem.allCases {
            let problem = makeProblem(p, c)
            guard let L = problem.lipschitzConstant else { throw SRFBStudyError("\(p.rawValue): no Lipschitz constant") }
            study.lipschitz[p] = L
            let lambda = 1 / (2 * c.relaxation * L), alpha = 0.5 / L
            let growing = c.growingSchedule
            let n = c.fixedBatch
            var plan: [(String, any Solver, BatchSchedule, Double, Int, Int?, Int)] = []  // name, solver, schedule, step, iterations, budget, calls/iter
            plan.append(("SRFB growing", try RelaxedForwardBackward(stepSize: PerPlayer(lambda), batchSchedule: growing), growing, lambda,
                         iterations(within: c.sampleBudget, schedule: growing, callsPerIteration: 1), c.sampleBudget, 1))
            let eg = ExtraGradient(rule: try GradientStep(stepSize: PerPlayer(alpha)), kind: .eg)
            guard SRFBStudyProblem.noisy.contains(p) else {
                // The multiplicative-noise game: the growing runs only (its noise vanishes at ω*, so no floor).
                plan.append(("EG growing", try BatchScheduled(eg, schedule: growing), growing, alpha,
                             iterations(within: c.sampleBudget, schedule: growing, callsPerIteration: 2), c.sampleBudget, 2))
                for (name, solver, schedule, step, iters, budget, calls) in plan {
                    runSeed &+= 1
                    cells.append(Cell(problemKind: p, problem: problem, name: name, solver: solver, schedule: schedule, step: step,
                                      iterations: iters, budget: budget, calls: calls, seed: runSeed))
                }
                continue
            }
            for m in c.batchMultiples {
                let s = BatchSchedule.constant(n * m)
                plan.append(("SRFB N=\(n * m)", try RelaxedForwardBackward(stepSize: PerPlayer(lambda), batchSchedule: s), s, lambda, c.fixedIterations, nil, 1))
            }
            let fixed = BatchSchedule.constant(n)
            plan.append(("averaged SRFB N=\(n)", try RelaxedForwardBackward(stepSize: PerPlayer(lambda), batchSchedule: fixed, averaged: true),
                         fixed, lambda, c.fixedIterations, nil, 1))
            plan.append(("EG growing", try BatchScheduled(eg, schedule: growing), growing, alpha,
                         iterations(within: c.sampleBudget, schedule: growing, callsPerIteration: 2), c.sampleBudget, 2))
            plan.append(("EG N=\(n)", try BatchScheduled(eg, schedule: fixed), fixed, alpha, c.fixedIterations, nil, 2))
            for (name, solver, schedule, step, iters, budget, calls) in plan {
                runSeed &+= 1
                cells.append(Cell(problemKind: p, problem: problem, name: name, solver: solver, schedule: schedule, step: step,
                                  iterations: iters, budget: budget, calls: calls, seed: runSeed))
            }
        }
        let outcomes = try group.distribute(cells.count) { i -> RunOutcome in
            let cell = cells[i]
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try solve(cell.problem, withAny: cell.solver, seed: cell.seed, stopping: StoppingRule(iterations: cell.iterations))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            var samples = [0], batch = [0]
            for k in 0..<r.iterations {
                let nk = cell.schedule.size(at: k)
                batch.append(nk)
                samples.append(samples[k] + cell.calls * nk)
            }
            ensure(samples.last! == r.counter.samples, "SRFBStudy: \(cell.name) drew \(r.counter.samples) samples, the schedule says \(samples.last!)")
            let distance = r.records.map { $0.distance ?? .nan }
            progress("\(cell.problemKind.rawValue) \(cell.name): \(r.iterations) iterations, \(samples.last!) samples, distance \(String(format: "%.3g", distance.last ?? .nan)), \(String(format: "%.1f", seconds)) s")
            return RunOutcome(samples: samples, distance: distance, gap: r.records.map { $0.gap ?? .nan },
                              batch: batch, oracleCalls: r.counter.oracleCalls, seconds: seconds)
        }
        for (cell, o) in zip(cells, outcomes) {
            study.runs.append(SRFBStudyRun(problem: cell.problemKind, name: cell.name, method: cell.solver.name, schedule: cell.schedule,
                                           stepSize: cell.step, sampleBudget: cell.budget, samples: o.samples, distance: o.distance, gap: o.gap,
                                           batch: o.batch, oracleCalls: o.oracleCalls, seconds: o.seconds))
        }
        study.verdicts = study.judge()
        return study
    }

    public func run(_ p: SRFBStudyProblem, _ name: String) -> SRFBStudyRun? { runs.first { $0.problem == p && $0.name == name } }

    /// The extrapolated sample count at which growing SRFB would reach `target`, assuming the
    /// measured law ‖ω_k − ω*‖² ≈ C / N_{k−1}: C is the mean of ‖ω_k − ω*‖² N_{k−1} over the last
    /// quarter of the run. Returns (C, the C of the third quarter, iterations, samples).
    public static func extrapolate(_ run: SRFBStudyRun, schedule: BatchSchedule, to target: Double)
        -> (constant: Double, earlierConstant: Double, iterations: Double, samples: Double)? {
        guard case .growing(let c, let k0, let a, _) = schedule, run.iterations >= 8 else { return nil }
        let t = run.iterations
        func constant(_ range: ClosedRange<Int>) -> Double {
            range.map { run.distance[$0] * run.distance[$0] * Double(run.batch[$0]) }.reduce(0, +) / Double(range.count)
        }
        let late = constant((3 * t / 4 + 1)...t), earlier = constant((t / 2 + 1)...(3 * t / 4))
        let needed = late / (target * target)                     // N_{K−1} ≥ C / target²
        let kMinusOne = max(0, Foundation.pow(needed / c, 1 / (a + 1)) - k0).rounded(.up)
        // Σ_{j=0}^{K−1} ⌈c (j + k0)^(a+1)⌉ ≈ ∫ (exact sum when small).
        var samples = 0.0
        if kMinusOne < 1e6 {
            for j in 0...Int(kMinusOne) { samples += (c * Foundation.pow(Double(j) + k0, a + 1)).rounded(.up) }
        } else {
            samples = c * (Foundation.pow(kMinusOne + k0 + 0.5, a + 2) - Foundation.pow(k0 - 0.5, a + 2)) / (a + 2)
        }
        return (late, earlier, kMinusOne + 1, samples)
    }

    /// The statistical floor of the additive-noise game, in closed form: S · E‖ω̂_S − ω*‖² for the
    /// best unbiased estimate ω̂_S of ω* from S samples F(ω_s) + σ ξ_s, ξ_s ~ N(0, I), of the affine
    /// operator F(ω) = J(ω − ω*), J = [[0, A], [−Aᵀ, 0]]: each sample observes Jω* with noise σ ξ_s,
    /// so the Cramér–Rao bound (attained by the sample average of the observations) is
    /// σ² ‖J⁻¹‖²_F = 2 σ² ‖A⁻¹‖²_F (J⁻¹ = [[0, −A⁻ᵀ], [A⁻¹, 0]]). No method averaging i.i.d.
    /// samples of this noise gets ‖ω − ω*‖² × samples below it. nil when A is singular to rounding.
    public static func statisticalFloor(matrix a: [[Double]], noiseLevel sigma: Double) -> Double? {
        let n = a.count
        guard n > 0, a.allSatisfy({ $0.count == n }) else { return nil }
        // Gauss–Jordan elimination with partial pivoting on [A | I] gives A⁻¹.
        var m = a.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let scale = a.flatMap { $0 }.reduce(0) { max($0, abs($1)) }
        for col in 0..<n {
            let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
            guard abs(m[pivot][col]) > 1e-13 * scale else { return nil }
            m.swapAt(col, pivot)
            let p = m[col][col]
            for j in 0..<(2 * n) { m[col][j] /= p }
            for i in 0..<n where i != col && m[i][col] != 0 {
                let f = m[i][col]
                for j in 0..<(2 * n) { m[i][j] -= f * m[col][j] }
            }
        }
        let frobenius2 = m.reduce(0.0) { acc, row in row[n...].reduce(acc) { $0 + $1 * $1 } }
        return 2 * sigma * sigma * frobenius2
    }

    /// The verdicts, from the runs.
    public func judge() -> [SRFBStudyVerdict] {
        let c = configuration
        typealias N = SRFBStudyVerdict.Number
        var out: [SRFBStudyVerdict] = []
        func d(_ x: Int?) -> Double? { x.map(Double.init) }

        // (a), restated (issue 19; SPEC §6): paper 3 promises almost-sure convergence with growing
        // batches, no rate. With noise that does not vanish at ω* the expected law is
        // ‖ω_k − ω*‖² ≈ C/N_{k−1}; the claim checks that law and a distance of 1e-2 within the budget,
        // and reports the statistical floor. Exactness (1e-6) is claimed on a game whose noise
        // vanishes at the solution.
        if let g = run(.additiveNoise, "SRFB growing") {
            let reached = g.samplesToReach(c.targetDistance)
            let ex = Self.extrapolate(g, schedule: c.growingSchedule, to: c.exactDistance)
            let ratio = ex.map { $0.constant / $0.earlierConstant }
            let lawHolds = ratio.map { abs($0 - 1) <= c.rateTolerance } ?? false
            var numbers = [N("sample_budget", Double(c.sampleBudget)), N("samples_drawn", Double(g.totalSamples)),
                           N("iterations", Double(g.iterations)), N("last_batch", Double(g.batch.last ?? 0)),
                           N("final_distance", g.finalDistance), N("min_distance", g.minDistance),
                           N("target_distance", c.targetDistance), N("samples_to_target", d(reached)),
                           N("C_third_quarter", ex?.earlierConstant), N("C_fourth_quarter", ex?.constant),
                           N("C_fourth_over_third", ratio),
                           N("growing_final_squared_distance_times_samples", g.finalDistance * g.finalDistance * Double(g.totalSamples))]
            if let avg = run(.additiveNoise, "averaged SRFB N=\(c.fixedBatch)") {
                numbers.append(N("statistical_floor_averaged_SRFB", avg.finalDistance * avg.finalDistance * Double(avg.totalSamples)))
                numbers.append(N("averaged_SRFB_samples", Double(avg.totalSamples)))
            }
            // The closed-form floor 2σ²‖Ā⁻¹‖²_F of the game's exact operator (Ā = the mean term).
            let game = FiniteSumBilinearGame(terms: c.terms, dimension: c.dimension, offsetScale: c.offsetScale, seed: c.seed)
            let dim = c.dimension
            let mean = (0..<dim).map { i in (0..<dim).map { j in game.terms.reduce(0.0) { $0 + $1[i, j] } / Double(game.terms.count) } }
            numbers.append(N("statistical_floor_closed_form", Self.statisticalFloor(matrix: mean, noiseLevel: c.noiseLevel)))
            numbers += [N("extrapolated_samples_to_\(c.exactDistance)", ex?.samples)]
            out.append(SRFBStudyVerdict(
                id: "a/additive-noise",
                claim: "With growing batches N_k = ⌈c (k + k0)^(a+1)⌉ on the additive-noise bilinear game (d = \(c.dimension), σ = \(c.noiseLevel)), SRFB follows ‖ω_k − ω*‖² ≈ C/N_{k−1} (C of the fourth quarter of the run within ±\(Int(c.rateTolerance * 100))% of the third's) and reaches distance \(c.targetDistance) within \(c.sampleBudget) samples",
                pass: lawHolds && reached != nil,
                numbers: numbers,
                note: "C = mean of ‖ω_k − ω*‖² N_{k−1} over a quarter of the run (last iterate, known solution); the statistical floor is ‖ω̂ − ω*‖² × samples of averaged SRFB (N = \(c.fixedBatch)), measured, and 2σ²‖Ā⁻¹‖²_F, the Cramér–Rao bound on it for any estimate from i.i.d. samples of this noise (Ā the exact operator's matrix); the extrapolation gives the samples this schedule would need for \(c.exactDistance) under the law. Restated from 'reaches 1e-6' (issue 19): with noise that does not vanish at the solution no sampling method reaches 1e-6 within 10⁹ samples, and paper 3 promises convergence, not a rate"))
        }
        if let g = run(.multiplicativeNoise, "SRFB growing") {
            let reached = g.samplesToReach(c.exactDistance)
            let e = run(.multiplicativeNoise, "EG growing")
            out.append(SRFBStudyVerdict(
                id: "a/multiplicative-noise",
                claim: "With growing batches SRFB reaches distance \(c.exactDistance) on the multiplicative-noise bilinear game F(ω, ξ) = (J + σ G_ξ)(ω − ω*) (d = \(c.dimension), σ = \(c.multiplicativeNoiseLevel)), whose noise vanishes at the solution, within \(c.sampleBudget) samples",
                pass: reached != nil,
                numbers: [N("sample_budget", Double(c.sampleBudget)), N("samples_drawn", Double(g.totalSamples)),
                          N("iterations", Double(g.iterations)), N("final_distance", g.finalDistance), N("min_distance", g.minDistance),
                          N("samples_to_target", d(reached)), N("iterations_to_target", d(g.distance.firstIndex { $0 <= c.exactDistance })),
                          N("eg_samples_to_target", d(e?.samplesToReach(c.exactDistance))), N("eg_final_distance", e?.finalDistance)],
                note: "distance of the last iterate to the known solution ω* (the base game's equilibrium, F(ω*, ξ) = 0 for every ξ); EG with the same schedule and budget is listed for reference"))
        }

        for p in SRFBStudyProblem.noisy {
            let n = c.fixedBatch
            // (b) fixed batches stall at a floor that halves when N doubles.
            let fixedRuns = c.batchMultiples.compactMap { run(p, "SRFB N=\(n * $0)") }
            if fixedRuns.count == c.batchMultiples.count {
                var numbers: [N] = []
                var ok = true
                for r in fixedRuns {
                    let n = r.schedule.size(at: 0)
                    numbers.append(N("floor_N\(n)", r.tailMeanSquaredDistance))
                    // Stalled: the third and fourth quarters' means agree within 20%.
                    let q = r.quarterMeansOfSquaredDistance
                    numbers.append(N("third_over_fourth_quarter_N\(n)", q.third / q.fourth))
                    if !(abs(q.third / q.fourth - 1) <= 0.2) { ok = false }
                }
                for i in 1..<fixedRuns.count {
                    let n0 = fixedRuns[i - 1].schedule.size(at: 0), n1 = fixedRuns[i].schedule.size(at: 0)
                    let ratio = fixedRuns[i].tailMeanSquaredDistance / fixedRuns[i - 1].tailMeanSquaredDistance
                    let expected = Double(n0) / Double(n1)
                    numbers.append(N("ratio_N\(n1)_over_N\(n0)", ratio))
                    numbers.append(N("expected_ratio_N\(n1)_over_N\(n0)", expected))
                    if !(abs(ratio / expected - 1) <= c.floorTolerance) { ok = false }
                }
                let initial = fixedRuns[0].distance[0] * fixedRuns[0].distance[0]
                numbers.append(N("initial_squared_distance", initial))
                out.append(SRFBStudyVerdict(
                    id: "b/\(p.rawValue)",
                    claim: "With a fixed batch N SRFB stalls at a floor that halves (±\(Int(c.floorTolerance * 100))%) when N doubles (\(p.rawValue))",
                    pass: ok && fixedRuns.allSatisfy { $0.tailMeanSquaredDistance < initial },
                    numbers: numbers,
                    note: "floor = mean of ‖ω_t − ω*‖² over the second half of \(c.fixedIterations) iterations; stalled = the third and fourth quarters' means agree within 20% (and lie below the start); the ratio for a doubled batch must lie within ±\(Int(c.floorTolerance * 100))% of 1/2 (of the batch ratio for other multiples)"))
            }

            // (c) averaged SRFB's restricted gap decays to the fixed-batch floor.
            if let avg = run(p, "averaged SRFB N=\(n)"), let last = run(p, "SRFB N=\(n)") {
                let floor = last.tailMeanGap
                let early = avg.gap[max(1, avg.iterations / 10)]
                let firstBelow = avg.gap.firstIndex { $0 <= floor }
                let ratio = avg.finalGap / floor
                out.append(SRFBStudyVerdict(
                    id: "c/\(p.rawValue)",
                    claim: "Averaged SRFB (fixed N = \(n)) has a restricted gap that decays to the fixed-batch floor (\(p.rawValue))",
                    pass: avg.finalGap <= (1 + c.gapTolerance) * floor && avg.finalGap < 0.5 * early,
                    numbers: [N("gap_floor_last_iterate_N\(n)", floor), N("averaged_gap_at_T_over_10", early), N("averaged_final_gap", avg.finalGap),
                              N("final_gap_over_floor", ratio), N("iterations", Double(avg.iterations)),
                              N("first_iteration_at_or_below_floor", d(firstBelow)), N("samples_at_that_iteration", d(firstBelow.map { avg.samples[$0] }))],
                    note: "restricted gap sup_z∈S ⟨F(z), ω̂ − z⟩ (= the duality gap for these bilinear games); floor = mean gap of SRFB's last iterate with the same N over the second half of its run; pass if the averaged gap ends at most \(1 + c.gapTolerance)× the floor and below half its value at T/10"))
            }

            // (d) per sample drawn, SRFB vs EG to a given accuracy (growing batches, same schedule and budget).
            if let s = run(p, "SRFB growing"), let e = run(p, "EG growing") {
                let ss = s.samplesToReach(c.accuracy), es = e.samplesToReach(c.accuracy)
                var numbers: [N] = []
                for eps in [1e-1, 1e-2, 1e-3, 1e-4, 1e-5] {
                    numbers.append(N("srfb_samples_to_\(eps)", d(s.samplesToReach(eps))))
                    numbers.append(N("eg_samples_to_\(eps)", d(e.samplesToReach(eps))))
                }
                numbers += [N("accuracy", c.accuracy), N("srfb_min_distance", s.minDistance), N("eg_min_distance", e.minDistance)]
                if let fs = run(p, "SRFB N=\(n)"), let fe = run(p, "EG N=\(n)") {
                    numbers += [N("srfb_floor_N\(n)", fs.tailMeanSquaredDistance), N("eg_floor_N\(n)", fe.tailMeanSquaredDistance)]
                }
                let pass: Bool?
                switch (ss, es) {
                case (let a?, let b?): pass = a < b
                case (.some, nil): pass = true
                case (nil, .some): pass = false
                case (nil, nil): pass = nil
                }
                out.append(SRFBStudyVerdict(
                    id: "d/\(p.rawValue)",
                    claim: "Per sample drawn, SRFB reaches distance \(c.accuracy) with fewer samples than EG (\(p.rawValue); both with the growing schedule, budget \(c.sampleBudget) samples each)",
                    pass: pass,
                    numbers: numbers,
                    note: pass == nil ? "not decided: neither method reached the accuracy within the budget"
                        : "SRFB: one call of N_k samples per iteration, λ = 1/(2δL); EG: two calls of N_k samples each, α = 0.5/L; the fixed-batch floors (mean squared distance) are shown for the same N",
                    undecided: pass == nil))
            }
        }

        out.append(SRFBStudyVerdict(
            id: "e",
            claim: "On MNIST-5k with an MLP GAN at an equal budget of minibatch gradients, SRFB beats extragradient (lower Fréchet distance), both tuned over the same λ grid",
            pass: nil, numbers: [],
            note: "not evaluated: this study runs no GAN (SRFBGANClaim does; the CLI fills this verdict in)"))
        return out
    }
}
