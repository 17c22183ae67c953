import CBLAS
import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// Issue 16's methods against closed forms: each linear map is built by stepping basis vectors
/// through the solver itself, and its spectral radius comes from LAPACK (``LinearIteration``);
/// the closed forms are written out here independently of the solvers.
enum ModernFixtures {
    /// min_θ max_φ θᵀAφ with zero offsets (ω* = 0), from `start`.
    static func bilinear(_ a: Tensor, start: BlockVector? = nil) -> BilinearGame {
        let (m, n) = (a.shape[0], a.shape[1])
        return BilinearGame(name: "bilinear-matrix", matrix: a,
                            offsets: PerPlayer(generator: Tensor.zeros([m], dtype: .float64), discriminator: Tensor.zeros([n], dtype: .float64)),
                            start: start ?? BlockVector(zeros: PerPlayer(generator: m, discriminator: n)),
                            equilibrium: BlockVector(zeros: PerPlayer(generator: m, discriminator: n)))
    }

    /// A = diag(σ).
    static func diagonal(_ sigma: [Double]) -> Tensor {
        let a = Tensor.zeros([sigma.count, sigma.count], dtype: .float64)
        for (i, s) in sigma.enumerated() { a[i, i] = s }
        return a
    }

    /// The 3 × 3 matrix of the random bilinear game (seed 4), and its singular values from LAPACK (√eig AᵀA).
    static func randomMatrix() -> (Tensor, [Double]) {
        let a = BilinearGame.random(dimension: 3, seed: 4).matrix
        var ata = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { ata[i][j] += a[k, i] * a[k, j] } } }
        return (a, LinearIteration.eigenvalues(ata).map { $0.0.squareRoot() })
    }

    /// The map of `steps` iterations of `solver` from each basis vector (a fresh state each time).
    static func map<S: Solver>(_ solver: S, on game: BilinearGame, steps: Int = 1) throws -> [[Double]] {
        let sizes = game.sizes
        return try LinearIteration.matrix(dimension: sizes.generator + sizes.discriminator) { v in
            let start = BlockVector(flat: Tensor(v, shape: [v.count]), sizes: sizes)
            var loop = try IterationLoop(solver, on: game, from: start)
            try loop.run(until: steps)
            return loop.omega.scalars
        }
    }

    /// ‖F(z_k)‖² after every iteration (exact F), k = 1 … K.
    static func squaredFieldNorms<S: Solver>(_ solver: S, on game: any VariationalInequality, iterations: Int) throws -> [Double] {
        var norms: [Double] = []
        let watch = EveryIteration { v in
            let f = game.exactField(at: v.omega).norm()
            norms.append(f * f)
            return .proceed
        }
        var loop = try IterationLoop(solver, on: game)
        try loop.run(until: iterations, observers: [watch])
        return norms
    }

    /// |z| of a complex number given as (re, im).
    static func modulus(_ z: (Double, Double)) -> Double { (z.0 * z.0 + z.1 * z.1).squareRoot() }

    /// (a + ib)^k.
    static func power(_ z: (Double, Double), _ k: Int) -> (Double, Double) {
        var r = (1.0, 0.0)
        for _ in 0..<k { r = (r.0 * z.0 - r.1 * z.1, r.0 * z.1 + r.1 * z.0) }
        return r
    }
}

@Suite("Issue 16: linear maps on θφ and on matrix bilinear games, against closed forms")
struct ModernMethodMapTests {
    static let steps = [0.1, 0.5, 1.0, 3.0]

    /// Unconstrained, FBF is extragradient: x⁺ = x − αF(x − αF(x)); ρ = √(1 − α² + α⁴) on θφ.
    @Test(arguments: [0.25, 0.5, 0.9])
    func forwardBackwardForwardIsExtragradientUnconstrained(alpha: Double) throws {
        let m = try ModernFixtures.map(try ForwardBackwardForward(stepSize: PerPlayer(alpha)), on: rotation())
        let a2 = alpha * alpha
        for (i, row) in [[1 - a2, -alpha], [alpha, 1 - a2]].enumerated() {
            for j in 0..<2 { #expect(abs(m[i][j] - row[j]) < 1e-14, "FBF α = \(alpha): entry \(i),\(j) = \(m[i][j])") }
        }
        #expect(relativeError(LinearIteration.spectralRadius(m), (1 - a2 + a2 * a2).squareRoot()) < 1e-6)
    }

    /// CGD: (θ, φ) ↦ [[1, −s], [s, 1]](θ, φ)/(1 + s²), s = ησ, ρ = 1/√(1 + η²σ²) (the proximal point map on bilinear games).
    @Test(arguments: steps)
    func competitiveGradientOnRotation(eta: Double) throws {
        let m = try ModernFixtures.map(try CompetitiveGradient(stepSize: PerPlayer(eta)), on: rotation())
        let d = 1 + eta * eta
        for (i, row) in [[1 / d, -eta / d], [eta / d, 1 / d]].enumerated() {
            for j in 0..<2 { #expect(abs(m[i][j] - row[j]) < 1e-12, "CGD η = \(eta): entry \(i),\(j) = \(m[i][j]) vs \(row[j])") }
        }
        #expect(relativeError(LinearIteration.spectralRadius(m), 1 / d.squareRoot()) < 1e-6)
    }

    @Test(arguments: [0.3, 1.0], [CompetitiveGradient.LinearSolver.conjugateGradients, .gmres])
    func competitiveGradientOnAMatrixGame(eta: Double, inner: CompetitiveGradient.LinearSolver) throws {
        let (a, sigma) = ModernFixtures.randomMatrix()
        let solver = try CompetitiveGradient(stepSize: PerPlayer(eta), linearSolver: inner, tolerance: 1e-14)
        let rho = LinearIteration.spectralRadius(try ModernFixtures.map(solver, on: ModernFixtures.bilinear(a)))
        let closed = sigma.map { 1 / (1 + eta * eta * $0 * $0).squareRoot() }.max()!
        #expect(relativeError(rho, closed) < 1e-6, "CGD η = \(eta), \(inner): ρ = \(rho) vs \(closed)")
    }

    /// ACGD's first step solves (I + DN)Δ = −DF with N the off-diagonal blocks of J and, at t = 1,
    /// D = η/(|F| + ε) per coordinate (v/(1 − β₂) = F²): checked against LAPACK's dense solve.
    @Test func adaptiveCompetitiveGradientFirstStep() throws {
        let game = BilinearGame.random(dimension: 3, seed: 4)
        let eta = 0.3, eps = 1e-8
        let solver = try CompetitiveGradient(stepSize: PerPlayer(eta), tolerance: 1e-14, adaptive: .init(beta2: 0.99, epsilon: eps))
        #expect(solver.name == "acgd")
        var loop = try IterationLoop(solver, on: game)
        try loop.run(until: 1)
        let w0 = game.initialPoint, f = game.exactField(at: w0).scalars
        let j = game.jacobian(at: w0)
        let n = f.count, half = n / 2
        var a = [Double](repeating: 0, count: n * n), x = [Double](repeating: 0, count: n)
        for r in 0..<n {
            let d = eta / (abs(f[r]) + eps)
            x[r] = -d * f[r]
            for c in 0..<n {
                let offDiagonal = (r < half) != (c < half)
                a[c * n + r] = (r == c ? 1 : 0) + (offDiagonal ? d * j[r, c] : 0)   // column-major
            }
        }
        var nn = Int32(n), one: Int32 = 1, info: Int32 = 0, lda = Int32(n), ldb = Int32(n)
        var pivots = [Int32](repeating: 0, count: n)
        dgesv_(&nn, &one, &a, &lda, &pivots, &x, &ldb, &info)
        #expect(info == 0)
        let step = (loop.omega - w0).scalars
        let error = zip(step, x).map { abs($0 - $1) }.max()!
        #expect(error < 1e-12, "ACGD's first step differs from the dense solve by \(error)")
    }

    /// CGD on the scalar quadratic game J = [[a, c], [−c, b]]: Δ = −η(I + ηN)⁻¹F, N = [[0, c], [−c, 0]],
    /// so the map is I − η/(1 + η²c²)·[[a + ηc², c − ηcb], [ηca − c, ηc² + b]].
    @Test func competitiveGradientOnTheQuadraticGame() throws {
        let (a, b, c, eta) = (1.0, 0.5, 2.0, 0.4)
        let game = QuadraticGame(dimension: 1, generatorCurvature: a, discriminatorCurvature: b, coupling: c)
        let sizes = game.sizes
        let solver = try CompetitiveGradient(stepSize: PerPlayer(eta))
        // The game's equilibrium is (0, 0)? Step basis vectors around ω* to get the linear part.
        let star = try #require(game.equilibrium)
        let m = try LinearIteration.matrix(dimension: 2) { v in
            var w = star.copy()
            w.axpy(1, BlockVector(flat: Tensor(v, shape: [2]), sizes: sizes))
            var loop = try IterationLoop(solver, on: game, from: w)
            try loop.run(until: 1)
            return (loop.omega - star).scalars
        }
        let f = eta / (1 + eta * eta * c * c)
        let expected = [[1 - f * (a + eta * c * c), -f * (c - eta * c * b)], [-f * (eta * c * a - c), 1 - f * (eta * c * c + b)]]
        for i in 0..<2 { for j in 0..<2 { #expect(abs(m[i][j] - expected[i][j]) < 1e-12, "entry \(i),\(j): \(m[i][j]) vs \(expected[i][j])") } }
    }

    /// On the quadratic game (n = 2, J = [[aI, A], [−Aᵀ, bI]], ω* ≠ 0) the maps around ω*, against
    /// the matrix formulas evaluated here densely: FBF (unconstrained) I − αJ + α²J², SGA without
    /// alignment I − η(J + λ₀AₛᵀJ) with Aₛ = (J − Jᵀ)/2, Lookahead around FB (I − α)… over k = 5 steps
    /// (1 − α)I + α(I − ηJ)⁵ — their spectral radii to 1e-6, their entries to 1e-12.
    @Test func mapsOnTheQuadraticGame() throws {
        let game = QuadraticGame(dimension: 2, generatorCurvature: 0.3, discriminatorCurvature: 0.7, coupling: 1.5, seed: 5)
        let star = try #require(game.equilibrium)
        let j = game.jacobian(at: star), n = 4
        let J = (0..<n).map { r in (0..<n).map { c in j[r, c] } }
        func mul(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] { (0..<n).map { r in (0..<n).map { c in (0..<n).reduce(0) { $0 + x[r][$1] * y[$1][c] } } } }
        func lin(_ p: Double, _ x: [[Double]], _ q: Double, _ y: [[Double]]) -> [[Double]] { (0..<n).map { r in (0..<n).map { c in p * x[r][c] + q * y[r][c] } } }
        let I = (0..<n).map { r in (0..<n).map { c in r == c ? 1.0 : 0 } }
        let Jt = (0..<n).map { r in (0..<n).map { c in J[c][r] } }
        func around<S: Solver>(_ solver: S, steps: Int = 1) throws -> [[Double]] {
            try LinearIteration.matrix(dimension: n) { v in
                var w = star.copy()
                w.axpy(1, BlockVector(flat: Tensor(v, shape: [n]), sizes: game.sizes))
                var loop = try IterationLoop(solver, on: game, from: w)
                try loop.run(until: steps)
                return (loop.omega - star).scalars
            }
        }
        let (alpha, eta, lambda0) = (0.3, 0.2, 0.7)
        let fbf = lin(1, I, 1, lin(-alpha, J, alpha * alpha, mul(J, J)))
        let antisymmetric = lin(0.5, J, -0.5, Jt)
        let atT = (0..<n).map { r in (0..<n).map { c in antisymmetric[c][r] } }
        let sga = lin(1, I, -eta, lin(1, J, lambda0, mul(atT, J)))
        var gda5 = I
        for _ in 0..<5 { gda5 = mul(gda5, lin(1, I, -eta, J)) }
        let lookahead = lin(0.5, I, 0.5, gda5)
        let cases: [(String, [[Double]], [[Double]])] = [
            ("FBF", try around(try ForwardBackwardForward(stepSize: PerPlayer(alpha))), fbf),
            ("SGA", try around(try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: eta), adjustment: lambda0, aligned: false)), sga),
            ("Lookahead", try around(try Lookahead(ForwardBackward(rule: try GradientStep(stepSize: eta)), period: 5, pullBack: 0.5), steps: 5), lookahead),
        ]
        for (name, measured, closed) in cases {
            let worst = (0..<n).flatMap { r in (0..<n).map { c in abs(measured[r][c] - closed[r][c]) } }.max()!
            #expect(worst < 1e-12, "\(name): entries differ by \(worst)")
            #expect(relativeError(LinearIteration.spectralRadius(measured), LinearIteration.spectralRadius(closed)) < 1e-6, "\(name)")
        }
    }

    /// SGA with alignment on θφ: λ = +1 (⟨ξ, Jᵀξ⟩ = 0), map (1 − η)I − ηJ, ρ = √((1 − η)² + η²);
    /// on a matrix game ρ = max_σ √((1 − ησ²)² + η²σ²).
    @Test(arguments: [0.1, 0.5, 0.9])
    func symplecticGradientAdjustment(eta: Double) throws {
        let solver = try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: eta))
        let m = try ModernFixtures.map(solver, on: rotation())
        for (i, row) in [[1 - eta, -eta], [eta, 1 - eta]].enumerated() {
            for j in 0..<2 { #expect(abs(m[i][j] - row[j]) < 1e-14, "SGA η = \(eta): entry \(i),\(j) = \(m[i][j])") }
        }
        #expect(relativeError(LinearIteration.spectralRadius(m), ((1 - eta) * (1 - eta) + eta * eta).squareRoot()) < 1e-6)
        let (a, sigma) = ModernFixtures.randomMatrix()
        let rho = LinearIteration.spectralRadius(try ModernFixtures.map(solver, on: ModernFixtures.bilinear(a)))
        let closed = sigma.map { s in ((1 - eta * s * s) * (1 - eta * s * s) + eta * eta * s * s).squareRoot() }.max()!
        #expect(relativeError(rho, closed) < 1e-6, "SGA η = \(eta) on A: ρ = \(rho) vs \(closed)")
    }

    /// Observed rates over long runs on the 3 × 3 matrix game, against the closed forms' ρ² for the
    /// slowest singular value, to 1e-3 (SPEC §2's fit: the second half of the run, above the floor).
    @Test func observedRatesOnAMatrixGame() throws {
        let (a, sigma) = ModernFixtures.randomMatrix()
        let start = BlockVector(generator: [1, -0.5, 0.3], discriminator: [0.2, 0.7, -1])
        let game = ModernFixtures.bilinear(a, start: start)
        func factor<S: Solver>(_ solver: S, _ iterations: Int) throws -> Double {
            let r = try solve(game, with: solver, stopping: StoppingRule(iterations: iterations))
            return try #require(r.observedRate(equilibriumNorm: 0, epsilon: Double.ulpOfOne)?.factor)
        }
        let cases: [(String, Double, (Double) -> Double, Int)] = [
            ("CGD η = 1", try factor(try CompetitiveGradient(stepSize: PerPlayer(1.0), tolerance: 1e-14), 120), { s in 1 / (1 + s * s) }, 0),
            ("SGA η = 0.5", try factor(try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: 0.5)), 400),
             { s in (1 - 0.5 * s * s) * (1 - 0.5 * s * s) + 0.25 * s * s }, 0),
            ("FBF α = 0.5", try factor(try ForwardBackwardForward(stepSize: PerPlayer(0.5)), 600), { s in 1 - 0.25 * s * s + 0.0625 * s * s * s * s }, 0),
        ]
        for (name, observed, closed, _) in cases {
            let rho2 = sigma.map(closed).max()!
            #expect(relativeError(observed, rho2) < 1e-3, "\(name): observed \(observed), closed form \(rho2)")
        }
    }

    /// SGA converges on θφ where simultaneous GDA (FB) diverges: observed squared-distance factors.
    @Test func symplecticGradientAdjustmentConvergesWhereForwardBackwardDiverges() throws {
        let sga = try observedFactor(try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: 0.5)), iterations: 100)
        let fb = try observedFactor(ForwardBackward(rule: try GradientStep(stepSize: 0.5)), iterations: 100)
        #expect(relativeError(sga, 0.5) < 1e-9, "SGA factor \(sga), closed form (1 − η)² + η² = 0.5")
        #expect(fb > 1)
        // Without alignment and with λ₀ = 2 the factor is (1 − 2η)² + η² = 0.25 at η = 0.5.
        let fixed = try observedFactor(try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: 0.5), adjustment: 2, aligned: false), iterations: 100)
        #expect(relativeError(fixed, 0.25) < 1e-9, "\(fixed)")
    }

    /// Lookahead-minmax around GDA, k = 5, α = 0.5: the 5-step map is (1 − α)I + α(I − ηJ)⁵ with
    /// ρ = |(1 − α) + α(1 − iη)⁵|, below 1 where GDA's √(1 + η²) is not. Values from numpy (notes):
    /// 0.981327, 0.839587, 0.647448.
    @Test(arguments: [(0.1, 0.981326914195774), (0.3, 0.8395867964213111), (0.5, 0.6474484173468956)])
    func lookaheadAroundGradientDescentAscent(eta: Double, numpy: Double) throws {
        let gda = ForwardBackward(rule: try GradientStep(stepSize: eta))
        let solver = try Lookahead(gda, period: 5, pullBack: 0.5)
        let m = try ModernFixtures.map(solver, on: rotation(), steps: 5)
        let p = ModernFixtures.power((1, -eta), 5)
        let closed = ModernFixtures.modulus((0.5 + 0.5 * p.0, 0.5 * p.1))
        #expect(relativeError(closed, numpy) < 1e-9)
        let rho = LinearIteration.spectralRadius(m)
        #expect(relativeError(rho, closed) < 1e-6, "LA η = \(eta): ρ = \(rho) vs \(closed)")
        #expect(rho < 1 && (1 + eta * eta).squareRoot() > 1)
        // Observed over 40 periods: the composed map is a scaled rotation, so each period scales ‖ω̃‖ by ρ.
        let result = try solve(rotation(), with: solver, stopping: StoppingRule(iterations: 200))
        let d = result.records.map { $0.distance! }
        #expect(relativeError(d[200] / d[195], closed) < 1e-9, "\(d[200] / d[195])")
    }
}

@Suite("Issue 16: anchored methods under their theorems' bounds")
struct AnchoredBoundTests {
    /// α_∞ of EAG-V's recursion, iterated 10⁶ times (it decreases to its limit).
    static func eagVLimit(_ alpha0: Double, L: Double = 1) -> Double {
        var a = alpha0
        for k in 0..<1_000_000 {
            let x = a * a * L * L, k = Double(k)
            a = a * (1 - (k + 2) * (k + 2) / ((k + 1) * (k + 3)) * x) / (1 - x)
        }
        return a
    }

    /// The bounds, with L = 1 and D² = ‖z₀ − z*‖², at iteration k ≥ 1.
    static func bound(_ variant: AnchoredExtraGradient.Variant, alpha: Double, k: Int, d2: Double, alphaInfinity: Double) -> Double {
        let k = Double(k)
        switch variant {
        case .constant: return 4 * (1 + alpha + alpha * alpha) / (alpha * alpha * (1 + alpha)) * d2 / ((k + 1) * (k + 1))
        case .varying: return 4 * (1 + alpha * alphaInfinity) / (alphaInfinity * alphaInfinity) * d2 / ((k + 1) * (k + 2))
        case .fast: return 4 * d2 / (k * k)
        }
    }

    static let settings: [(AnchoredExtraGradient.Variant, Double)] = [(.constant, 1.0 / 8), (.varying, 0.618), (.fast, 1)]

    /// On θφ from (1, 0) and on A = diag(logspace(0, −3, 100)) from a random unit z₀: every
    /// ‖F(z_k)‖², k = 1 … 1000, is under its bound (FEG's is attained on θφ, so up to rounding).
    @Test(arguments: settings)
    func boundsHold(variant: AnchoredExtraGradient.Variant, alpha: Double) throws {
        let alphaInfinity = Self.eagVLimit(alpha)
        if variant == .varying { #expect(abs(alphaInfinity - 0.436541) < 1e-5, "α_∞ = \(alphaInfinity)") }
        let solver = try AnchoredExtraGradient(variant, stepSize: alpha, lipschitz: 1)
        var worst = 0.0
        for game in [rotation(start: (1, 0)), Self.spreadGame()] {
            let d2 = pow(game.initialPoint.norm(), 2)
            let norms = try ModernFixtures.squaredFieldNorms(solver, on: game, iterations: 1000)
            for (i, f2) in norms.enumerated() {
                worst = max(worst, f2 / Self.bound(variant, alpha: alpha, k: i + 1, d2: d2, alphaInfinity: alphaInfinity))
            }
        }
        #expect(worst <= 1 + 1e-9, "\(variant): max ‖F(z_k)‖²/bound = \(worst)")
        print("\(variant.rawValue): max over k ≤ 1000 of ‖F(z_k)‖²/bound = \(worst)")
        if variant == .fast { #expect(worst > 0.999, "FEG's bound is attained on θφ: \(worst)") }
    }

    /// A = diag(σ), σ log-spaced from 1 down to 1e-3 = 1/K, z₀ ~ N(0, I) (seed 0) scaled to ‖z₀‖ = 1.
    static func spreadGame() -> BilinearGame {
        let sigma = (0..<100).map { pow(10, -3 * Double($0) / 99) }
        var rng = RandomGenerator(seed: 0)
        let z = Tensor.normal([200], dtype: .float64, using: &rng)
        z.scale(by: 1 / z.norm())
        return ModernFixtures.bilinear(ModernFixtures.diagonal(sigma), start: BlockVector(flat: z, sizes: PerPlayer(generator: 100, discriminator: 100)))
    }

    /// Where the theory says anchoring pays: at the horizon K = 1000 on the spread instance, FEG and
    /// EAG-V end with a smaller ‖F‖² than EG at 1/(2L); on θφ (well conditioned) EG's linear rate wins.
    @Test func anchoringPaysOnlyWhenSingularValuesSpread() throws {
        let eg = ExtraGradient(rule: try GradientStep(stepSize: 0.5))
        let feg = try AnchoredExtraGradient(.fast, stepSize: 1)
        let eagV = try AnchoredExtraGradient(.varying, stepSize: 0.618, lipschitz: 1)
        let spread = Self.spreadGame()
        let egSpread = try ModernFixtures.squaredFieldNorms(eg, on: spread, iterations: 1000).last!
        let fegSpread = try ModernFixtures.squaredFieldNorms(feg, on: spread, iterations: 1000).last!
        let eagVSpread = try ModernFixtures.squaredFieldNorms(eagV, on: spread, iterations: 1000).last!
        #expect(fegSpread < egSpread / 50 && eagVSpread < egSpread / 10, "‖F(z_1000)‖²: EG \(egSpread), FEG \(fegSpread), EAG-V \(eagVSpread)")
        print("spread instance, ‖F(z_1000)‖²: EG 1/(2L) \(egSpread), FEG \(fegSpread), EAG-V \(eagVSpread)")
        let egRotation = try ModernFixtures.squaredFieldNorms(eg, on: rotation(start: (1, 0)), iterations: 1000).last!
        let fegRotation = try ModernFixtures.squaredFieldNorms(feg, on: rotation(start: (1, 0)), iterations: 998).last!
        #expect(egRotation < 1e-50 && fegRotation > 1e-7, "θφ: EG \(egRotation), FEG \(fegRotation)")
    }
}

@Suite("Issue 16: adaptive and accelerated methods on avi-psd; refusals; Krylov solves")
struct ModernMethodBehaviourTests {
    func callsToTolerance<S: Solver>(_ vi: any VariationalInequality, _ solver: S) throws -> SolveResult {
        try solve(vi, with: solver, stopping: StoppingRule(iterations: 100_000, tolerance: 1e-8, maxOracleCalls: 40_000))
    }

    /// aGRAAL needs no L: from a first step 100× too large and 100× too small it reaches the
    /// residual 1e-8 on avi-psd n = 200 (box [−1, 1]), within 3× the calls it takes from 1/L.
    @Test func adaptiveGoldenRatioNeedsNoLipschitzConstant() throws {
        let vi = AffineVariationalInequality.psd(dimension: 200, seed: 0)
        let L = try #require(vi.lipschitzConstant)
        let reference = try callsToTolerance(vi, try AdaptiveGoldenRatio(firstStep: 1 / L))
        #expect(reference.final.residual <= 1e-8)
        for lambda0 in [100 / L, 0.01 / L] {
            let r = try callsToTolerance(vi, try AdaptiveGoldenRatio(firstStep: lambda0))
            print("aGRAAL on avi-psd seed 0: λ₀·L = \(lambda0 * L): \(r.counter.oracleCalls) calls to 1e-8 (from 1/L: \(reference.counter.oracleCalls))")
            #expect(r.final.residual <= 1e-8 && r.counter.oracleCalls <= 3 * reference.counter.oracleCalls,
                    "λ₀·L = \(lambda0 * L): residual \(r.final.residual) after \(r.counter.oracleCalls) calls (from 1/L: \(reference.counter.oracleCalls))")
        }
    }

    /// FBF: projected, two calls per iteration; converges on avi-psd at α ∈ {0.5, 0.99}/L, and on a
    /// box its iterates are not extragradient's.
    @Test func forwardBackwardForwardOnTheBox() throws {
        let vi = AffineVariationalInequality.psd(dimension: 200, seed: 0)
        let L = try #require(vi.lipschitzConstant)
        for factor in [0.5, 0.99] {
            let r = try callsToTolerance(vi, try ForwardBackwardForward(stepSize: PerPlayer(factor / L)))
            #expect(r.final.residual <= 1e-8 && r.counter.oracleCalls == 2 * Double(r.iterations), "α = \(factor)/L: \(r.final.residual)")
            #expect(vi.domain.contains(r.output))
        }
        let fbf = try solve(vi, with: try ForwardBackwardForward(stepSize: PerPlayer(0.5 / L)), stopping: StoppingRule(iterations: 20))
        let eg = try solve(vi, with: ExtraGradient(rule: try GradientStep(stepSize: 0.5 / L)), stopping: StoppingRule(iterations: 20))
        #expect(fbf.output.distance(to: eg.output) > 1e-6)
    }

    /// Anderson-EG: fewer calls to residual 1e-8 than EG at 1/(2L), on avi-psd seeds 0–2.
    @Test(arguments: [UInt64(0), 1, 2])
    func andersonAccelerationBeatsExtragradient(seed: UInt64) throws {
        let vi = AffineVariationalInequality.psd(dimension: 200, seed: seed)
        let L = try #require(vi.lipschitzConstant)
        let eg = try callsToTolerance(vi, ExtraGradient(rule: try GradientStep(stepSize: 0.5 / L)))
        let aa = try callsToTolerance(vi, try AndersonExtraGradient(stepSize: PerPlayer(0.5 / L)))
        #expect(aa.final.residual <= 1e-8 && eg.final.residual <= 1e-8)
        #expect(aa.counter.oracleCalls < eg.counter.oracleCalls, "seed \(seed): Anderson-EG \(aa.counter.oracleCalls) calls, EG \(eg.counter.oracleCalls)")
        print("avi-psd seed \(seed): calls to 1e-8: EG 1/(2L) \(eg.counter.oracleCalls), Anderson-EG \(aa.counter.oracleCalls)")
    }

    /// Where a theory does not apply, one line says why.
    @Test func refusals() throws {
        let box = BilinearGame.scalar(box: 1)
        for solver in [try AnchoredExtraGradient(.constant, stepSize: 0.1) as any Solver, try AnchoredExtraGradient(.fast, stepSize: 0.1),
                       try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: 0.1)), try CompetitiveGradient(stepSize: PerPlayer(0.1))] {
            #expect(throws: SolverError.self) { try solve(box, withAny: solver, stopping: StoppingRule(iterations: 1)) }
        }
        let avi = AffineVariationalInequality.psd(dimension: 20, seed: 0, box: nil)
        do {
            _ = try solve(avi, with: try CompetitiveGradient(stepSize: PerPlayer(0.1), linearSolver: .conjugateGradients), stopping: StoppingRule(iterations: 1))
            Issue.record("CG on a non-zero-sum problem was not refused")
        } catch {
            #expect("\(error)".contains("zero-sum") && !"\(error)".contains("\n"), "\(error)")
        }
        // GMRES runs there, and the residual falls.
        let g = try solve(avi, with: try CompetitiveGradient(stepSize: PerPlayer(0.1)), stopping: StoppingRule(iterations: 50))
        #expect(g.final.residual < 0.5 * g.initial.residual)
        #expect(throws: SolverError.self) { try solve(rotation(), with: try AnchoredExtraGradient(.varying, stepSize: 0.8, lipschitz: 1), stopping: StoppingRule(iterations: 1)) }
        var config = SolverConfiguration(kind: .agraal, stepSize: PerPlayer(generator: 0.1, discriminator: 0.2))
        #expect(throws: SolverError.self) { _ = try config.makeSolver() }
        config.kind = .feg
        #expect(throws: SolverError.self) { _ = try config.makeSolver() }
    }

    /// CGD counts its inner work: per iteration 2 JVPs plus 2 per product with the inner matrix.
    @Test func competitiveGradientCountsItsProducts() throws {
        let game = BilinearGame.random(dimension: 8, seed: 1)
        var loop = try IterationLoop(try CompetitiveGradient(stepSize: PerPlayer(0.5)), on: game)
        try loop.run(until: 10)
        let c = loop.oracle.counter
        #expect(c.jacobianVectorProducts == 10 * 2 + 2 * loop.state.innerProducts)
        #expect(c.productCalls == Double(c.jacobianVectorProducts) * game.productCosts.jvp)
        #expect(c.oracleCalls == 10 + c.productCalls)
        // CG on an 8-dimensional SPD system needs at most 8 products (+1 for the warm start's residual).
        #expect(loop.state.lastInnerProducts <= 9 && loop.state.innerProducts >= 10)
    }

    /// The Krylov solvers against LAPACK's dense solve (dgesv).
    @Test func krylovSolversMatchADenseSolve() throws {
        let n = 30
        var rng = RandomGenerator(seed: 9)
        let g = Tensor.normal([n, n], dtype: .float64, using: &rng)
        let b = Tensor.normal([n], dtype: .float64, using: &rng)
        // SPD: I + GGᵀ/n; nonsymmetric: I + G/√n (eigenvalues off 0).
        let spd = Tensor.zeros([n, n], dtype: .float64), general = Tensor.zeros([n, n], dtype: .float64)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<n { s += g[i, k] * g[j, k] }
                spd[i, j] = (i == j ? 1 : 0) + s / Double(n)
                general[i, j] = (i == j ? 1 : 0) + g[i, j] / Double(n).squareRoot() * 0.5
            }
        }
        func product(_ m: Tensor) -> (Tensor) -> Tensor {
            { x in
                let y = Tensor.zeros([n], dtype: .float64)
                for i in 0..<n { var s = 0.0; for j in 0..<n { s += m[i, j] * x[j] }; y[i] = s }
                return y
            }
        }
        func lapack(_ m: Tensor) -> [Double] {
            var a = [Double](repeating: 0, count: n * n), x = b.scalars
            for i in 0..<n { for j in 0..<n { a[j * n + i] = m[i, j] } }
            var nn = Int32(n), one: Int32 = 1, info: Int32 = 0, lda = Int32(n), ldb = Int32(n)
            var pivots = [Int32](repeating: 0, count: n)
            dgesv_(&nn, &one, &a, &lda, &pivots, &x, &ldb, &info)
            precondition(info == 0)
            return x
        }
        let cg = Krylov.conjugateGradients(product(spd), b, start: nil, tolerance: 1e-13, maxIterations: 200)
        let gm = Krylov.gmres(product(general), b, start: Tensor.normal([n], dtype: .float64, using: &rng), tolerance: 1e-13, maxIterations: 200)
        for (outcome, m, name) in [(cg, spd, "CG"), (gm, general, "GMRES")] {
            let exact = lapack(m)
            let error = zip(outcome.solution.scalars, exact).map { abs($0 - $1) }.max()!
            #expect(error < 1e-10 && outcome.relativeResidual < 1e-12, "\(name): max error \(error), residual \(outcome.relativeResidual)")
            #expect(outcome.products <= n + 1, "\(name): \(outcome.products) products for n = \(n)")
        }
    }
}

@Suite("Issue 16: the old methods under their other names")
struct MethodAliasTests {
    /// FRB (Malitsky & Tam 2020): x_{k+1} = P(x_k − 2αF(x_k) + αF(x_{k−1})), x_{−1} = x₀, written
    /// here from the paper; Saddle's `frb` (= OGDA) gives the same iterates on a box where the
    /// constraint is active.
    @Test func forwardReflectedBackwardIsOptimisticGradient() throws {
        #expect(SolverRegistry.builtIn.entry(named: "frb")?.kind == .ogda)
        let game = BilinearGame.random(dimension: 5, seed: 2, box: 0.2)
        let alpha = 0.3
        var x = game.initialPoint.copy(), previousField = game.exactField(at: x)
        var loop = try IterationLoop(OptimisticGradient(rule: try GradientStep(stepSize: alpha)), on: game)
        var active = false
        for _ in 0..<60 {
            let f = game.exactField(at: x)
            var next = x.copy()
            next.axpy(-2 * alpha, f)
            next.axpy(alpha, previousField)
            game.domain.project(&next)
            previousField = f
            x = next
            try loop.run(until: loop.iteration + 1)
            #expect(loop.omega.distance(to: x) <= 1e-14 * max(1, x.norm()))
            active = active || x.scalars.contains { abs(abs($0) - 0.2) < 1e-15 }
        }
        #expect(active, "the box never bound: the test would not tell FRB from unprojected OGDA")
    }

    /// GRAAL (Malitsky 2020, fixed step): x̄_k = ((φ − 1)x_k + x̄_{k−1})/φ, x_{k+1} = P(x̄_k − λF(x_k)),
    /// x̄₀ = x₀, at φ = golden ratio; Saddle's `graal` (= SRFB at δ = 1/φ) gives the same iterates.
    @Test func goldenRatioAlgorithmIsRelaxedForwardBackward() throws {
        #expect(SolverRegistry.builtIn.entry(named: "graal")?.kind == .srfb)
        let game = BilinearGame.random(dimension: 5, seed: 2, box: 0.2)
        let phi = (1 + 5.0.squareRoot()) / 2, lambda = 0.4
        var x = game.initialPoint.copy(), bar = x.copy()
        var loop = try IterationLoop(try RelaxedForwardBackward(stepSize: PerPlayer(lambda)), on: game)
        for _ in 0..<60 {
            let f = game.exactField(at: x)
            bar = BlockVector.linearCombination((phi - 1) / phi, x, 1 / phi, bar)
            var next = bar.copy()
            next.axpy(-lambda, f)
            game.domain.project(&next)
            x = next
            try loop.run(until: loop.iteration + 1)
            #expect(loop.omega.distance(to: x) <= 1e-14 * max(1, x.norm()), "\(loop.iteration): \(loop.omega.distance(to: x))")
        }
    }

    /// Lookahead keeps the base's state across pull-backs (Adam's clock runs on), as the authors' code does.
    @Test func lookaheadKeepsTheBaseState() throws {
        let adam = ForwardBackward(rule: try Adam(stepSize: PerPlayer(0.01)), kind: .adam)
        var loop = try IterationLoop(try Lookahead(adam, period: 3, pullBack: 0.5), on: BilinearGame.scalar())
        try loop.run(until: 7)
        #expect(loop.state.base.rule.count == 7 && loop.state.steps == 1)
        #expect(loop.output.isBitIdentical(to: loop.state.slow))
    }
}
