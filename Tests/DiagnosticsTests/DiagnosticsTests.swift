import Autodiff
import Diagnostics
import Foundation
import Games
import Networks
import Solvers
import Tensors
import Testing
import TestSupport

/// Issue 4, acceptance 2: spectra of J on the Dirac-GAN and the SGP Gramian of the
/// Gaussian-location game, against SPEC §3's closed forms.
@Suite("Diagnostics: closed-form spectra")
struct ClosedFormSpectrumTests {
    /// γ/2 ± √(γ²/4 − 1/4) (scale 1: Tikhonov or R1) or γ ± √(γ² − 1/4) (scale 2: default SGP), as
    /// complex numbers sorted like ``Eigenvalues/general(_:)``: the eigenvalues of [[0, ½], [−½, sγ]].
    func expected(_ gamma: Double, scale s: Double) -> [ComplexValue] {
        let half = s * gamma / 2, disc = half * half - 0.25
        let pair = disc >= 0 ? [ComplexValue(re: half - disc.squareRoot(), im: 0), ComplexValue(re: half + disc.squareRoot(), im: 0)]
                             : [ComplexValue(re: half, im: -(-disc).squareRoot()), ComplexValue(re: half, im: (-disc).squareRoot())]
        return pair
    }

    @Test(arguments: [0.5, 1.0, 2.0])
    func diracGANEigenvalues(gamma: Double) throws {
        let cases: [(String, any Regularizer, Double)] = [
            ("tikhonov", try Tikhonov(on: .discriminator, weight: gamma), 1),
            ("r1", try GradientPenalty.r1(weight: gamma), 1),
            ("sgp", try GradientPenalty(weight: gamma), 2),
        ]
        var options = AnalysisOptions()
        options.eftpIterations = 0
        for (label, r, scale) in cases {
            let game = try Regularized(DiracGAN(), by: [r])
            let a = try OperatorAnalysis.analyze(game, at: BlockVector(generator: [0], discriminator: [0]), options: options)
            let got = try #require(a.eigenvalues)
            let want = expected(gamma, scale: scale)
            #expect(got.count == 2)
            for (g, w) in zip(got, want) {
                #expect(abs(g.re - w.re) <= 1e-6 && abs(g.im - w.im) <= 1e-6, "\(label) γ = \(gamma): \(got) vs \(want)")
            }
            // sym(J) = diag(0, sγ): μθ = 0, so the calculator promises no rate.
            #expect(abs(a.symmetricEigenvalues![1] - scale * gamma) < 1e-9 && abs(a.symmetricEigenvalues![0]) < 1e-9)
            #expect(a.predictedSquaredDistanceFactor == nil && a.verdict.contains("no rate is guaranteed"))
            // κ of R1/Tikhonov on the Dirac-GAN is 1 (2 for the default SGP): σmax of diag(0, sγ)/γ.
            #expect(abs(a.regularizers[0].kappa! - scale) < 1e-6)
        }
    }

    /// SPEC §3: at θ = m = 1, J_G = [[1, 2], [2, 8]] for R1, eigenvalues (9 ± √65)/2, twice that with
    /// w_real = w_fake = 1 (the fake samples then have the same law as the real ones). Exact
    /// expectations (the game is Gaussian), so no Monte Carlo error.
    @Test func gaussianLocationGramian() throws {
        var options = AnalysisOptions()
        options.eftpIterations = 0
        let lo = (9 - 65.0.squareRoot()) / 2, hi = (9 + 65.0.squareRoot()) / 2
        #expect(abs(lo - 0.46887) < 1e-5 && abs(hi - 8.53113) < 1e-5)
        for (r, scale) in [(try GradientPenalty.r1(weight: 1), 1.0), (try GradientPenalty(weight: 1), 2.0), (try GradientPenalty(weight: 0.25), 2.0)] {
            let game = try Regularized(GaussianLocationGame(mean: 1), by: [r])
            let a = try OperatorAnalysis.analyze(game, at: BlockVector(generator: [1], discriminator: [0, 0]), options: options)
            let gram = try #require(a.regularizers[0].gramian)
            #expect(abs(gram.eigenvalues[0] - scale * lo) < 1e-5 && abs(gram.eigenvalues[1] - scale * hi) < 1e-5, "\(r): \(gram.eigenvalues)")
            #expect(gram.nullDimension == 0 && gram.expectation == "exact expectation")
            #expect(abs(a.regularizers[0].lambda0! - scale * lo) < 1e-9)
        }
    }
}

/// Issue 4, acceptance 3: on a strongly monotone quadratic game with known constants, the
/// matrix-free L and μ are within 1% of the truth, and the predicted EFTP rate bounds the observed one.
@Suite("Diagnostics: constants of a quadratic game")
struct QuadraticConstantsTests {
    /// F(ω) = J(ω − ω*), J = [[aI, A], [−Aᵀ, bI]], A = U diag(s) Vᵀ with Householder reflections U, V
    /// (so no coordinate shows the structure). sym(J) = diag(aI, bI) ⇒ μ = min(a, b), μθ = a, μφ = b.
    /// In the basis of U's and V's columns J splits into 2 × 2 blocks [[a, sᵢ], [−sᵢ, b]] with
    /// singular values σ² = (q ± √(q² − 4δ²))/2, q = a² + b² + 2sᵢ², δ = ab + sᵢ²: L = max σ.
    static func game(a: Double, b: Double, s: [Double]) -> (VectorFieldGame, L: Double) {
        let n = s.count
        func householder(_ seed: Int) -> Tensor {
            let u = (0..<n).map { Double(($0 * 37 + seed * 11) % 17) - 7.5 }
            let uu = u.reduce(0) { $0 + $1 * $1 }
            let h = Tensor.zeros([n, n], dtype: .float64)
            for i in 0..<n { for j in 0..<n { h[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu } }
            return h
        }
        let U = householder(1), V = householder(2)
        let S = Tensor.zeros([n, n], dtype: .float64)
        for i in 0..<n { S[i, i] = s[i] }
        let A = matmul(matmul(U, S), V, transposeB: true)
        let star = BlockVector(generator: (0..<n).map { 0.1 * Double($0) }, discriminator: (0..<n).map { -0.2 * Double($0 % 3) })
        let start = BlockVector(generator: [Double](repeating: 1, count: n), discriminator: [Double](repeating: -1, count: n))
        let game = VectorFieldGame(name: "quadratic-rotated", start: start, equilibrium: star) { w in
            let d = w - star
            let ft = Tensor.linearCombination(a, d[.generator], 1, matmul(A, d[.discriminator].reshaped([n, 1])).reshaped([n]))
            let fp = Tensor.linearCombination(b, d[.discriminator], -1, matmul(A, d[.generator].reshaped([n, 1]), transposeA: true).reshaped([n]))
            return BlockVector(generator: ft, discriminator: fp)
        }
        let L = s.map { si -> Double in
            let q = a * a + b * b + 2 * si * si, det = a * b + si * si
            return ((q + (q * q - 4 * det * det).squareRoot()) / 2).squareRoot()
        }.max()!
        return (game, L)
    }

    @Test(arguments: [(0.5, 1.0), (1.0, 1.0), (2.0, 0.3)])
    func constantsAndRate(a: Double, b: Double) throws {
        let (game, L) = Self.game(a: a, b: b, s: [0.2, 0.5, 1.0, 1.5, 2.2, 3.0])
        var options = AnalysisOptions()
        options.denseLimit = 0          // matrix-free only: power iteration and Lanczos
        options.lanczosSteps = 8        // fewer than n = 12, so Lanczos does real work
        options.eftpIterations = 4000
        let r = try OperatorAnalysis.analyze(game, options: options)
        let mu = min(a, b)
        #expect(abs(r.lipschitz - L) <= 0.01 * L, "L = \(r.lipschitz), truth \(L)")
        #expect(abs(r.strongMonotonicity - mu) <= 0.01 * mu, "μ = \(r.strongMonotonicity), truth \(mu)")
        #expect(abs(r.muGenerator - a) <= 0.01 * a && abs(r.muDiscriminator - b) <= 0.01 * b)
        let predicted = try #require(r.predictedSquaredDistanceFactor)
        let expected = 1 - mu / (4 * L)
        #expect(abs(predicted - expected) <= 0.01 * (1 - expected))
        let eftp = try #require(r.eftp)
        let observed = try #require(eftp.observedFactor)
        #expect(eftp.observedOf == "squared distance")
        #expect(observed < 1 && observed <= predicted, "observed \(observed) > predicted \(predicted)")
        #expect(eftp.predictionBoundsObserved == true)
    }

    /// The EFTP run is real: an observed factor from an independent loop over the same F at the same
    /// step, fitted the same way, agrees.
    @Test func observedRateMatchesAHandWrittenLoop() throws {
        let (game, _) = Self.game(a: 0.5, b: 1, s: [0.3, 1.0, 2.0])
        var options = AnalysisOptions()
        options.eftpIterations = 600
        let r = try OperatorAnalysis.analyze(game, options: options)
        let alpha = r.recommendedStepSize, star = game.equilibrium!
        var w = game.initialPoint.copy()
        var g = game.exactField(at: w)
        var distances = [w.distance(to: star)]
        for _ in 0..<600 {
            var lead = w; lead.axpy(-alpha, g)
            g = game.exactField(at: lead)
            w.axpy(-alpha, g)
            distances.append(w.distance(to: star))
        }
        let mine = ObservedRate.squaredDistanceFactor(distances: distances, floor: ObservedRate.floor(scale: star.norm()))!
        #expect(abs(r.eftp!.observedFactor! - mine) < 1e-9)
    }
}

/// Jacobian products of a regularized MLP GAN against finite differences of F, and the Gramian's
/// null space: the output bias never enters ∇x D.
@Suite("Diagnostics: neural GAN operator")
struct NeuralOperatorTests {
    static func gan() -> NeuralGAN {
        var rng = RandomGenerator(seed: 51)
        let g = MLP([2, 3, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 4, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(generator: g, discriminator: d, batchSize: 5, stochastic: false) { rng, n in
            Tensor.normal([n, 2], mean: 0.5, dtype: .float64, using: &rng)
        }
    }

    @Test func jvpAndVjpOfTheRegularizedFieldMatchFiniteDifferences() throws {
        let game = try Regularized(Self.gan(), by: [GradientPenalty(real: 1, fake: 0.5, weight: 0.8), Tikhonov(on: .discriminator, weight: 0.1)])
        let omega = game.initialPoint
        let lin = LinearizedOperator(game, at: omega)
        #expect(lin.method == "autodiff")
        var rng = RandomGenerator(seed: 52)
        let v = Tensor.normal([lin.count], dtype: .float64, using: &rng), u = Tensor.normal([lin.count], dtype: .float64, using: &rng)
        let jv = lin.jvp(v), jtu = lin.vjp(u)
        let h = 1e-5
        var plus = omega.copy(), minus = omega.copy()
        plus.withFlat { $0.axpy(h, v) }; minus.withFlat { $0.axpy(-h, v) }
        let fd = Tensor.linearCombination(1 / (2 * h), game.exactField(at: plus).flat, -1 / (2 * h), game.exactField(at: minus).flat)
        #expect(compareEntrywise(jv, fd, tolerance: 1e-6, label: "Jv") == nil)
        #expect(abs(u.dot(jv) - jtu.dot(v)) <= 1e-10 * max(1, abs(u.dot(jv))))
        #expect(jv.maxAbs() > 1e-3)
    }

    /// A linear discriminator D(x) = w·x + b has ∇x D = w at every x, so J_r = [I | 0] for every
    /// sample: J_G = diag(1, 1, 0) exactly, with zero Monte Carlo error, and the bias is the null space.
    @Test func linearDiscriminatorGramianIsExact() throws {
        var rng = RandomGenerator(seed: 53)
        let g = MLP([2, 3, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 1], hidden: .identity, dtype: .float64, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, batchSize: 7, stochastic: false) { rng, n in
            Tensor.normal([n, 2], dtype: .float64, using: &rng)
        }
        let e = gan.gaussNewtonGramianWithError(at: gan.initialPoint, on: .fake)
        #expect(e.mean.scalars == [1, 0, 0, 0, 1, 0, 0, 0, 0] && e.standardError.maxAbs() < 1e-15 && e.samples == 7)
        var options = AnalysisOptions()
        options.eftpIterations = 0
        let a = try OperatorAnalysis.analyze(try Regularized(gan, by: [GradientPenalty(weight: 1)]), options: options)
        let s = try #require(a.regularizers[0].gramian)
        // w_real = w_fake = 1: twice the single-set Gramian.
        #expect(s.eigenvalues.map { ($0 * 1e12).rounded() / 1e12 } == [0, 2, 2] && s.lambda0 == 2 && s.nullDimension == 1)
        #expect(s.nullSources == ["layers.0.bias: 1 parameter(s) that ∇x D does not depend on"])
        #expect(s.eigenvalueStandardError! < 1e-15)
    }

    @Test func gramianNullSpaceNamesTheOutputBias() throws {
        let gan = Self.gan()
        var options = AnalysisOptions()
        options.eftpIterations = 0
        let a = try OperatorAnalysis.analyze(try Regularized(gan, by: [GradientPenalty.r1(weight: 1)]), at: gan.initialPoint, options: options)
        let s = try #require(a.regularizers[0].gramian)
        #expect(s.nullDimension >= 1)
        #expect(s.nullSources.contains { $0.hasPrefix("layers.1.bias") })
        #expect(s.lambda0 != nil && s.lambda0! > s.nullThreshold)
        #expect(s.expectation.contains("evaluation batch"))
        // A nonlinear discriminator: the per-sample Gramians differ, so the batch mean has an error.
        #expect(s.eigenvalueStandardError! > 0)
        #expect(a.predictedSquaredDistanceFactor == nil || a.muGenerator > 0)
    }
}

/// Issue #20: `saddle analyze` printed a measured μ below "predicted μ ≥" without a word. The bound
/// min{μθ + Σγλ0, μφ + Σγλ0} holds where sym J has no θ–φ coupling and each penalty adds its γλ0;
/// the note names which of the two fails, and is absent where the bound holds.
@Suite("Diagnostics: the calculator's bound against the measured μ")
struct BoundShortfallTests {
    static var options: AnalysisOptions { var o = AnalysisOptions(); o.eftpIterations = 0; return o }

    /// A zero-sum game (sym J block-diagonal everywhere) and R1 at the Dirac-GAN's equilibrium: no note.
    @Test func noNoteWhereTheBoundHolds() throws {
        let quadratic = QuadraticGame(dimension: 3, generatorCurvature: 0.5, discriminatorCurvature: 1, coupling: 2, seed: 0)
        let q = try OperatorAnalysis.analyze(quadratic, at: BlockVector(generator: [1, 0, 0.5], discriminator: [0.2, 0, 1]), options: Self.options)
        #expect(q.boundNote == nil && q.strongMonotonicity >= q.predictedStrongMonotonicity - 1e-9, "\(q.strongMonotonicity) vs \(q.predictedStrongMonotonicity): \(q.boundNote ?? "")")
        let dirac = try Regularized(DiracGAN(), by: [try GradientPenalty.r1(weight: 0.5)])
        let d = try OperatorAnalysis.analyze(dirac, at: BlockVector(generator: [0], discriminator: [0]), options: Self.options)
        #expect(d.boundNote == nil)
    }

    /// The non-saturating Dirac-GAN is not zero-sum: at (1, 0.5) sym J = [[μθ, c], [c, μφ]] with
    /// c ≠ 0, so μ lies below both blocks (interlacing) and below the bound.
    @Test func couplingIsNamed() throws {
        let game = try Regularized(DiracGAN(loss: .nonSaturating), by: [try GradientPenalty.r1(weight: 0.5)])
        let a = try OperatorAnalysis.analyze(game, at: BlockVector(generator: [1], discriminator: [0.5]), options: Self.options)
        #expect(a.strongMonotonicity < min(a.muGenerator, a.muDiscriminator) - 1e-6)
        let note = try #require(a.boundNote)
        #expect(note.contains("couples θ and φ") && note.contains("not a guarantee"), "\(note)")
        #expect(!note.contains("\n"))
    }

    /// Away from an equilibrium, R1 on a small MLP GAN lowers the φ-block's smallest eigenvalue
    /// (its Hessian is not its Gauss–Newton part where ∇x D ≠ 0): the note says so.
    @Test func curvatureShortfallIsNamed() throws {
        var rng = RandomGenerator(seed: 0)
        let g = MLP([2, 8, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 8, 1], hidden: .softplus, dtype: .float64, using: &rng)
        // The ring's 8 centres (radius 2), in turn: a fixed evaluation batch is all the operator needs.
        let gan = NeuralGAN(name: "mlp", generator: g, discriminator: d, batchSize: 32, stochastic: false, evaluationSeed: 0) { _, n in
            var points: [Double] = []
            for i in 0..<n {
                let angle = Double(i % 8) * Double.pi / 4
                points += [2 * cos(angle), 2 * sin(angle)]
            }
            return Tensor(points, shape: [n, 2], dtype: .float64)
        }
        let a = try OperatorAnalysis.analyze(try Regularized(gan, by: [try GradientPenalty.r1(weight: 1)]), options: Self.options)
        let note = try #require(a.boundNote)
        #expect(a.muDiscriminator < a.bound.muDiscriminator && note.contains("moved μφ"), "\(note)")
    }
}
