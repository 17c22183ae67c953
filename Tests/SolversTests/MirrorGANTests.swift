import Foundation
import Games
import Networks
import Solvers
import Tensors
import Testing
import TestSupport

@Suite("Mirror-GAN and Mirror-Prox-GAN: conventions, accounting, exact links (issue 6, acceptance 2)")
struct MirrorGANTests {
    static func options(k: Int = 2, noise: Double = 0, beta: Double = 0.5, order: OpponentOrder? = nil) -> MirrorGANOptions {
        var o = MirrorGANOptions()
        o.innerSteps = k; o.thermalNoise = noise; o.damping = beta; o.opponentOrder = order
        return o
    }

    /// The bilinear game L_G = θφ, L_D = −θφ: F = (φ, −θ).
    static let bilinear = VectorFieldGame(name: "θφ", start: BlockVector(generator: [1], discriminator: [0.5])) { w in
        BlockVector(generator: [w[.discriminator][0]], discriminator: [-w[.generator][0]])
    }

    /// The ε = 0 chain of one player by hand: K gradient steps x ← x − γ g(x), average from the start
    /// with weight β on each new point, then (1−β)·start + β·average.
    static func chainByHand(start: Double, k: Int, gamma: Double, beta: Double, gradient: (Double) -> Double) -> Double {
        var x = start, average = start
        for _ in 0..<k { x -= gamma * gradient(x); average = (1 - beta) * average + beta * x }
        return (1 - beta) * start + beta * average
    }

    /// Mirror-GAN on θφ with ε = 0, K = 2, β = 0.5, γ = 0.1, both orders, against the pseudo-code
    /// of papers.md §3.4 written out by hand: the discriminator's chain first, against θ_t; the
    /// generator's against w_{t+1} (sequential) or w_t (simultaneous).
    @Test(arguments: [OpponentOrder.sequential, .simultaneous])
    func mirrorGANStepByHand(order: OpponentOrder) throws {
        let solver = try MirrorGAN(stepSize: PerPlayer(0.1), options: Self.options(order: order))
        var F = Oracle(Self.bilinear)
        var w = Self.bilinear.initialPoint.copy()
        var s = try solver.makeState(at: w, &F)
        var theta = 1.0, phi = 0.5
        for _ in 0..<3 {
            try solver.step(&w, &s, &F)
            let t0 = theta, p0 = phi
            phi = Self.chainByHand(start: p0, k: 2, gamma: 0.1, beta: 0.5) { _ in -t0 }
            let opponent = order == .sequential ? phi : p0
            theta = Self.chainByHand(start: t0, k: 2, gamma: 0.1, beta: 0.5) { _ in opponent }
            #expect(abs(w[.generator][0] - theta) < 1e-15 && abs(w[.discriminator][0] - phi) < 1e-15, "\(order): \(w) vs (\(theta), \(phi))")
        }
        #expect(F.counter.blockEvaluations == 3 * 2 * 2 && F.counter.oracleCalls == 3 * solver.cost.perIteration)
    }

    /// Mirror-Prox-GAN on θφ (ε = 0): leading pair against the current opponent, real step from the
    /// current point against the leading opponent (simultaneous, the default).
    @Test func mirrorProxGANStepByHand() throws {
        let solver = try MirrorProxGAN(stepSize: PerPlayer(generator: 0.1, discriminator: 0.2), options: Self.options(k: 3, beta: 0.7))
        #expect(solver.opponentOrder == .simultaneous && solver.cost.perIteration == 6)
        var F = Oracle(Self.bilinear)
        var w = Self.bilinear.initialPoint.copy()
        var s = try solver.makeState(at: w, &F)
        var theta = 1.0, phi = 0.5
        for _ in 0..<3 {
            try solver.step(&w, &s, &F)
            let t0 = theta, p0 = phi
            let phiLead = Self.chainByHand(start: p0, k: 3, gamma: 0.2, beta: 0.7) { _ in -t0 }
            let thetaLead = Self.chainByHand(start: t0, k: 3, gamma: 0.1, beta: 0.7) { _ in p0 }
            phi = Self.chainByHand(start: p0, k: 3, gamma: 0.2, beta: 0.7) { _ in -thetaLead }
            theta = Self.chainByHand(start: t0, k: 3, gamma: 0.1, beta: 0.7) { _ in phiLead }
            #expect(abs(w[.generator][0] - theta) < 1e-15 && abs(w[.discriminator][0] - phi) < 1e-15, "\(w) vs (\(theta), \(phi))")
        }
        #expect(F.counter.blockEvaluations == 3 * 4 * 3)
    }

    /// `.average` moves to x̄ itself; `.lastSample` starts each chain where the last one ended.
    @Test func meanUpdateAndChainStartOptions() throws {
        // A 1-D game where only φ moves: F = (0, φ − 2). One step, K = 2, γ = 0.5, β = 0.5, from φ = 0:
        // chain 0 → 1 → 1.5, average 0 → 0.5 → 1.0; damped: 0.5·0 + 0.5·1.0 = 0.5; average: 1.0.
        let game = VectorFieldGame(name: "pull", start: BlockVector(generator: [0], discriminator: [0])) { w in
            BlockVector(generator: [0], discriminator: [w[.discriminator][0] - 2])
        }
        var o = Self.options(k: 2, beta: 0.5)
        for (update, expected) in [(MeanUpdate.damped, 0.5), (.average, 1.0)] {
            o.meanUpdate = update
            let r = try solve(game, with: try MirrorGAN(stepSize: PerPlayer(0.5), options: o), stopping: StoppingRule(iterations: 1))
            #expect(abs(r.lastIterate[.discriminator][0] - expected) < 1e-15, "\(update)")
        }
        // Second step with .lastSample (damped): the chain starts at 1.5 (1.75, 1.875) while the
        // average and the damping start at 0.5: average 0.5 → 1.125 → 1.5; next φ = 0.25 + 0.75 = 1.0.
        o.meanUpdate = .damped; o.chainStart = .lastSample
        let r = try solve(game, with: try MirrorGAN(stepSize: PerPlayer(0.5), options: o), stopping: StoppingRule(iterations: 2))
        #expect(abs(r.lastIterate[.discriminator][0] - 1.0) < 1e-15)
    }

    /// A stochastic oracle: every SGLD step is one block on one minibatch, so an outer iteration draws
    /// 2K (Mirror-GAN) or 4K (Mirror-Prox-GAN) minibatches and is charged K or 2K oracle calls.
    @Test func minibatchAccounting() throws {
        let problem = AdditiveNoise(QuadraticGame(dimension: 2, seed: 1), noiseLevel: 0.1, batchSize: 5)
        for (solver, gradients) in [(try MirrorGAN(stepSize: PerPlayer(0.05), options: Self.options(k: 4, noise: 0.01)) as any Solver, 8),
                                    (try MirrorProxGAN(stepSize: PerPlayer(0.05), options: Self.options(k: 4, noise: 0.01)), 16)] {
            let r = try solve(problem, withAny: solver, seed: 2, stopping: StoppingRule(iterations: 3))
            #expect(r.counter.blockEvaluations == 3 * gradients && r.counter.samples == 3 * gradients * 5)
            #expect(r.counter.oracleCalls == Double(3 * gradients) / 2 && r.counter.oracleCalls == 3 * solver.cost.perIteration)
        }
    }

    /// The noise stream is the solver's (seeded by `options.seed`), not the oracle's.
    @Test func noiseSeedChangesTheRunAndFloat32Works() throws {
        var o = Self.options(k: 3, noise: 0.1)
        // F(ω) = ω − 1 (each player pulled to 1), in the dtype of ω.
        let game = VectorFieldGame(name: "pull", start: BlockVector(generator: [0.5, -1], discriminator: [2])) { w in
            BlockVector(flat: w.flat.affine(scale: 1, shift: -1), sizes: w.sizes)
        }
        func run(_ seed: UInt64, _ dtype: DType = .float64) throws -> BlockVector {
            o.seed = seed
            return try solve(game, with: try MirrorGAN(stepSize: PerPlayer(0.05), options: o), from: game.initialPoint.converted(to: dtype),
                             stopping: StoppingRule(iterations: 5)).lastIterate
        }
        let a = try run(1), b = try run(1), c = try run(2)
        #expect(a.isBitIdentical(to: b) && !a.isBitIdentical(to: c))
        let single = try run(1, .float32), single2 = try run(1, .float32)
        #expect(single.dtype == .float32 && single.isBitIdentical(to: single2))
        #expect(single.converted(to: .float64).distance(to: a) < 1e-5)
    }

    @Test func invalidOptionsNameTheParameter() throws {
        func message(_ body: () throws -> Void) -> String { do { try body(); return "" } catch { return "\(error)" } }
        #expect(message { _ = try MirrorGAN(stepSize: PerPlayer(0.1), options: Self.options(k: 0)) }.contains("SGLD steps K"))
        #expect(message { _ = try MirrorGAN(stepSize: PerPlayer(0.1), options: Self.options(beta: 0)) }.contains("damping β"))
        #expect(message { _ = try MirrorProxGAN(stepSize: PerPlayer(0.1), options: Self.options(noise: -1)) }.contains("thermal noise ε"))
        #expect(message { _ = try MirrorGAN(stepSize: PerPlayer(-1)) }.contains("SGLD step γ"))
        let silent = try MirrorGAN(stepSize: PerPlayer(0.1), options: Self.options(noise: 0)), noisy = try MirrorGAN(stepSize: PerPlayer(0.1))
        #expect(silent.warnings.count == 1 && noisy.warnings.isEmpty)
    }

    /// The configuration builds both kinds with their options and writes them into run configs.
    @Test func configurationBuildsBothKinds() throws {
        for kind in [SolverKind.mirrorGAN, .mirrorProxGAN] {
            var c = SolverConfiguration(kind: kind, stepSize: PerPlayer(0.01))
            c.mirrorGAN.innerSteps = 7
            c.mirrorGAN.preconditioner = .rmspropDefault
            let solver = try c.makeSolver()
            #expect(solver.name == kind.rawValue && solver.cost.perIteration == (kind == .mirrorGAN ? 7 : 14))
            let keys = Dictionary(c.resolvedEntries, uniquingKeysWith: { a, _ in a })
            #expect(keys["sgld_steps"] == "7" && keys["preconditioner"]!.hasPrefix("rmsprop"))
            #expect(keys["opponent_order"] == (kind == .mirrorGAN ? "sequential" : "simultaneous"))
            #expect(SolverKind(rawValue: kind.rawValue) == kind && kind.isSampling)
        }
    }

    /// `saddle solve --method mirror-gan | mirror-prox-gan` with the sampler flags: K·iters and 2K·iters
    /// oracle calls, the options in config.yaml, an error line naming the flag and its range.
    @Test func solveCommandRunsBothMethods() throws {
        for (method, factor) in [("mirror-gan", 1.0), ("mirror-prox-gan", 2.0)] {
            let r = try SaddleBinary.run(["solve", "--game", "quadratic", "--dimension", "3", "--method", method, "--step", "0.1",
                                          "--sgld-steps", "4", "--thermal-noise", "1e-3", "--iterations", "50", "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(o["oracle_calls"] as? Double == factor * 4 * 50)
            #expect((o["relative_distance"] as? Double ?? 1) < 0.1, "\(method): \(o)")
        }
        let bad = try SaddleBinary.run(["solve", "--method", "mirror-gan", "--sgld-steps", "0"])
        let first = bad.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(bad.status == 64 && first.hasPrefix("Error: --sgld-steps") && first.contains("1 … 1000000"), "\(bad.stderr)")
    }

    /// On a stochastic `NeuralGAN` (Float32, WGAN loss, weight clipping on φ): each SGLD step draws one
    /// minibatch for one player's block (2K or 4K minibatches per iteration), the iterates stay in
    /// the box and finite, and a JSON checkpoint of (ω, state, oracle) taken midway resumes bit for bit.
    @Test(arguments: [SolverKind.mirrorGAN, .mirrorProxGAN])
    func runsOnANeuralGANAndResumes(kind: SolverKind) throws {
        var rng = RandomGenerator(seed: 8)
        let g = MLP([2, 6, 2], hidden: .tanh, dtype: .float32, using: &rng)
        let d = MLP([2, 6, 1], hidden: .tanh, dtype: .float32, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, loss: .wasserstein, batchSize: 8,
                            domain: ProductDomain(generator: Unconstrained(), discriminator: Box(radius: 0.5))) { rng, n in
            Tensor.normal([n, 2], mean: 1, dtype: .float32, using: &rng)
        }
        var c = SolverConfiguration(kind: kind, stepSize: PerPlayer(1e-2))
        c.mirrorGAN.innerSteps = 3
        c.mirrorGAN.preconditioner = .rmspropDefault
        struct Snapshot: Codable { var omega: BlockVector; var state: MirrorGANState; var oracle: Oracle.Checkpoint }
        func check<S: Solver>(_ solver: S) throws where S.State == MirrorGANState {
            var F = Oracle(gan, seed: 4)
            var w = gan.initialPoint.copy()
            var s = try solver.makeState(at: w, &F)
            for _ in 0..<3 { try solver.step(&w, &s, &F) }
            let data = try JSONEncoder().encode(Snapshot(omega: w, state: s, oracle: F.checkpoint))
            for _ in 0..<3 { try solver.step(&w, &s, &F) }
            let minibatches = (kind == .mirrorGAN ? 2 : 4) * 3 * 6
            #expect(F.counter.blockEvaluations == minibatches && F.counter.samples == 8 * minibatches)
            #expect(w.isFinite && gan.domain.contains(w, tolerance: 1e-6) && w.dtype == .float32)
            let snap = try JSONDecoder().decode(Snapshot.self, from: data)
            var G = Oracle(gan, seed: 99)
            G.restore(snap.oracle)
            var w2 = snap.omega, s2 = snap.state
            for _ in 0..<3 { try solver.step(&w2, &s2, &G) }
            #expect(w2.isBitIdentical(to: w), "\(kind.rawValue): the resumed run differs")
        }
        if kind == .mirrorGAN { try check(try MirrorGAN(stepSize: c.stepSize, options: c.mirrorGAN)) }
        else { try check(try MirrorProxGAN(stepSize: c.stepSize, options: c.mirrorGAN)) }
    }

    // MARK: Acceptance 2

    /// The discretized game of the one-step test: Θ = {−4, −3.75, …, 4} (m = 33, Δ = 0.25), W = {−2,
    /// −1.5, …, 2} (n = 9), A_ji = sin(w_j θ_i), a_j = sin(w_j) (the "real data" sits at θ = 1).
    static let thetas = (0...32).map { -4 + 0.25 * Double($0) }
    static let ws = (0...8).map { -2 + 0.5 * Double($0) }
    static let matrixGame = MatrixGame(payoff: Tensor(ws.flatMap { w in thetas.map { Foundation.sin(w * $0) } }, shape: [9, 33]),
                                       realScores: Tensor(ws.map { Foundation.sin($0) }, shape: [9]))

    /// The SGLD chain of ONE exact mirror-descent step, without the mean approximation.
    ///
    /// The exact step (SPEC §5) is p⁺ ∝ p ⊙ exp(−ηh) with h = F_p = −Aᵀq. We realize it by a
    /// **continuous relaxation**: the grid game is the restriction to Θ of a game on the line whose
    /// payoff sin(wθ) is smooth in θ, and the current p is itself the restriction of a smooth density.
    /// Starting exact MD from p₀ ∝ exp(−θ²/2) (and uniform q₀) makes every iterate p_t ∝
    /// exp(−θ²/2 + η Σ_{s<t} Σ_j q_{s,j} sin(w_j θ)) on the grid, so p⁺_i ∝ exp(−U(θ_i)) with
    /// U(θ) = θ²/2 − η Σ_j Q_j sin(w_j θ), Q = Σ_{s≤t} q_s. The chain runs SGLD (ε = 1) on U over
    /// the line, warm-started at draws from p (a grid point drawn from p, jittered uniformly in its
    /// cell — the Mirror-GAN warm start at the current strategy), and is binned into the cells
    /// [θ_i − Δ/2, θ_i + Δ/2) (the end cells extended to ±∞). A cell's exact mass under e^{−U}
    /// differs from p⁺_i only by the midpoint rule's O(Δ²) error, which the test computes by
    /// quadrature and requires to be small, so the TV measured is the chain's own error.
    /// M = 10,000 chains (one 10,000-dimensional SGLD chain with a separable potential), γ = 0.01.
    @Test func oneMirrorDescentStepIsSampledByTheChain() throws {
        let eta = 1.0, steps = 2
        let game = Self.matrixGame
        // p₀ ∝ exp(−θ²/2) on the grid, q₀ uniform; `steps` exact MD steps by the library's solver.
        let p0 = Self.thetas.map { Foundation.exp(-$0 * $0 / 2) }
        let z0 = p0.reduce(0, +)
        var omega = BlockVector(generator: p0.map { $0 / z0 }, discriminator: [Double](repeating: 1.0 / 9, count: 9))
        let md = try MirrorDescent(stepSize: PerPlayer(eta))
        var F = Oracle(game)
        var state = try md.makeState(at: omega, &F)
        var Q = [Double](repeating: 0, count: 9)
        for _ in 0..<steps {
            for j in 0..<9 { Q[j] += omega[.discriminator][j] }
            try md.step(&omega, &state, &F)
        }
        let p = omega[.generator].scalars, q = omega[.discriminator].scalars
        // The library's p_t is the restriction of the smooth density (the relaxation is exact on the grid).
        let u: ([Double], Double) -> Double = { Q, t in t * t / 2 - eta * zip(Q, Self.ws).map { $0 * Foundation.sin($1 * t) }.reduce(0, +) }
        let pCheck = Self.thetas.map { Foundation.exp(-u(Q, $0)) }
        let zCheck = pCheck.reduce(0, +)
        #expect(zip(p, pCheck).allSatisfy { abs($0 - $1 / zCheck) < 1e-12 })
        // The exact next iterate p⁺ ∝ p ⊙ exp(−η F_p(q)) and its potential.
        let h = game.exactField(at: omega)[.generator].scalars
        var plus = zip(p, h).map { $0 * Foundation.exp(-eta * $1) }
        let zPlus = plus.reduce(0, +)
        plus = plus.map { $0 / zPlus }
        for j in 0..<9 { Q[j] += q[j] }
        // Cell masses of e^{−U} by Simpson's rule (cells [θ_i ± Δ/2), ends out to ±8).
        let edges = [-8.0] + (0..<32).map { Self.thetas[$0] + 0.125 } + [8.0]
        let total = simpson(-8, 8, intervals: 16_000) { Foundation.exp(-u(Q, $0)) }
        let cellMass = (0..<33).map { simpson(edges[$0], edges[$0 + 1], intervals: 200) { Foundation.exp(-u(Q, $0)) } / total }
        func tv(_ a: [Double], _ b: [Double]) -> Double { 0.5 * zip(a, b).map { abs($0 - $1) }.reduce(0, +) }
        let relaxationError = tv(cellMass, plus)
        #expect(relaxationError < 0.01, "the continuous relaxation's cells differ from p⁺ by TV \(relaxationError)")
        // The chains.
        let chains = 10_000
        var rng = RandomGenerator(seed: 2019)
        let cumulative = p.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1) }
        let starts = (0..<chains).map { _ -> Double in
            let r = rng.uniformDouble() * cumulative.last!
            let i = cumulative.firstIndex { $0 > r } ?? 32
            return Self.thetas[i] + 0.25 * (rng.uniformDouble() - 0.5)
        }
        let x = Tensor(starts, shape: [chains])
        let sampler = try LangevinSampler(stepSize: 0.01, thermalNoise: 1)
        var chainState = LangevinState(seed: 6)
        let wq = zip(Self.ws, Q).map { $0 * $1 }
        func histogram(_ t: Tensor) -> [Double] {
            var counts = [Double](repeating: 0, count: 33)
            for v in t.scalars { counts[min(32, max(0, Int(((v + 4.125) / 0.25).rounded(.down))))] += 1 }
            return counts.map { $0 / Double(chains) }
        }
        var tvs: [Int: Double] = [0: tv(histogram(x), plus)]
        sampler.run(x, steps: 1000, &chainState, gradient: { t in
            Tensor(t.scalars.map { v in v - eta * zip(wq, Self.ws).map { $0 * Foundation.cos($1 * v) }.reduce(0, +) }, shape: [chains])
        }) { k, t in if [10, 100, 1000].contains(k) { tvs[k] = tv(histogram(t), plus) } }
        print("MirrorGANTests one MD step: TV(p, p⁺) = \(tv(p, plus)), cells vs p⁺ = \(relaxationError), TV at K = 0, 10, 100, 1000: \([0, 10, 100, 1000].map { tvs[$0]! })")
        #expect(tv(p, plus) > 0.15, "the step must move p by several times the 0.05 threshold for the test to mean anything")
        #expect(tvs[10]! > tvs[100]! && tvs[100]! > tvs[1000]!, "TV must fall with K: \(tvs)")
        #expect(tvs[1000]! <= 0.05, "TV at K = 1000: \(tvs[1000]!)")
    }

    /// On a strongly monotone quadratic game (μ = 0.5, d = 6; the equilibrium is a point mass at ω*),
    /// the mean approximation's iterates converge to ω*.
    ///
    /// The game is quadratic, so one outer step is affine: ω_{t+1} − ω* = M(ω_t − ω*) + ε·n_t, with n_t
    /// the (Gaussian, independent across steps) image of the chains' noise. Without noise (ε = 0) the
    /// distance falls geometrically: we require 1e-8 of the start after 300 steps. With noise the
    /// iterates converge in law to N(ω*, C), C = Σ_k M^k Q (Mᵀ)^k, Q = Cov(ε n_t): the test measures
    /// M column by column (ε = 0 steps from ω* + e_i) and Q from 2,000 independent one-step runs
    /// from ω*, sums C, and requires (i) the RMS distance of iterates 500…2,000 to lie within 20% of
    /// √tr C (its sampling error is ≈ 5%), (ii) the mean of those iterates to lie within 0.25·√tr C of
    /// ω* (no bias: the chains' Gibbs laws are centred at the best responses), and (iii) √tr C ∝ ε
    /// (checked at ε = 1e-2 and 1e-3), so the ball shrinks to the point mass as ε → 0.
    @Test(arguments: [SolverKind.mirrorGAN, .mirrorProxGAN])
    func meanApproximationConvergesToAPointMass(kind: SolverKind) throws {
        let game = QuadraticGame(dimension: 3, generatorCurvature: 1, discriminatorCurvature: 0.5, coupling: 1, seed: 2)
        let star = game.equilibrium!, d = 6
        func solver(noise: Double, seed: UInt64 = 5) throws -> any Solver {
            var c = SolverConfiguration(kind: kind, stepSize: PerPlayer(0.1))
            c.mirrorGAN.thermalNoise = noise
            c.mirrorGAN.seed = seed
            return try c.makeSolver()
        }
        func oneStep(_ s: any Solver, from start: BlockVector) throws -> [Double] {
            func go<S: Solver>(_ s: S) throws -> [Double] {
                var F = Oracle(game), w = start.copy()
                var state = try s.makeState(at: w, &F)
                try s.step(&w, &state, &F)
                return (w - star).scalars
            }
            return try go(s)
        }
        let exact = try solve(game, withAny: try solver(noise: 0), stopping: StoppingRule(iterations: 300))
        #expect(exact.final.distance! < 1e-8 * exact.initial.distance!, "\(kind.rawValue), ε = 0: \(exact.initial.distance!) → \(exact.final.distance!)")
        // M: column i is the noiseless step's image of e_i.
        let noiseless = try solver(noise: 0)
        var m = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for i in 0..<d {
            var e = [Double](repeating: 0, count: d); e[i] = 1
            let column = try oneStep(noiseless, from: star + BlockVector(generator: Array(e[0..<3]), discriminator: Array(e[3..<6])))
            for r in 0..<d { m[r][i] = column[r] }
        }
        func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            (0..<d).map { i in (0..<d).map { j in (0..<d).map { a[i][$0] * b[$0][j] }.reduce(0, +) } }
        }
        let mt = (0..<d).map { i in (0..<d).map { m[$0][i] } }
        var predicted: [Double: Double] = [:]
        for noise in [1e-2, 1e-3] {
            var q = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
            for seed in 0..<2000 {
                let n = try oneStep(try solver(noise: noise, seed: UInt64(1000 + seed)), from: star)
                for i in 0..<d { for j in 0..<d { q[i][j] += n[i] * n[j] / 2000 } }
            }
            var c = q, term = q
            for _ in 0..<400 { term = multiply(multiply(m, term), mt); for i in 0..<d { for j in 0..<d { c[i][j] += term[i][j] } } }
            predicted[noise] = (0..<d).map { c[$0][$0] }.reduce(0, +).squareRoot()
        }
        let run = try solve(game, withAny: try solver(noise: 1e-2), stopping: StoppingRule(iterations: 2000))
        let tail = run.records[500...].map { $0.distance! }
        let rms = (tail.map { $0 * $0 }.reduce(0, +) / Double(tail.count)).squareRoot()
        // The tail's mean point: rerun, accumulating iterates (the records keep distances only).
        var F = Oracle(game), w = game.initialPoint.copy(), total = BlockVector.zeros(like: w)
        func accumulate<S: Solver>(_ s: S) throws {
            var state = try s.makeState(at: w, &F)
            for k in 1...2000 { try s.step(&w, &state, &F); if k >= 500 { total.axpy(1.0 / 1501, w) } }
        }
        try accumulate(try solver(noise: 1e-2))
        let bias = total.distance(to: star)
        print("MirrorGANTests point mass \(kind.rawValue): ε = 0: final/initial distance \(exact.final.distance! / exact.initial.distance!); ε = 1e-2: RMS distance \(rms), predicted √tr C \(predicted[1e-2]!), mean-point distance \(bias); ε = 1e-3: predicted \(predicted[1e-3]!)")
        #expect(abs(rms / predicted[1e-2]! - 1) < 0.2, "RMS \(rms) vs predicted \(predicted[1e-2]!)")
        #expect(bias < 0.25 * predicted[1e-2]!)
        #expect(abs(predicted[1e-2]! / predicted[1e-3]! - 10) < 1)
    }
}
