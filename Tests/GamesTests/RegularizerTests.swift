import Autodiff
import Foundation
import Games
import Networks
import Tensors
import Testing
import TestSupport

/// Issue 4, acceptance 1: every regularizer's contribution to F against central finite differences
/// of its penalty, in Float64, on closed-form games and on an MLP GAN; the other block unchanged.
@Suite("Regularizers: contributions to F against finite differences")
struct RegularizerTests {
    /// ∂/∂ω_p of `penalty` by central differences, for each entry of `player`'s block.
    func fdGradient(_ penalty: (BlockVector) -> Double, at omega: BlockVector, player: Player, h: Double = 1e-5) -> Tensor {
        let g = Tensor.zeros([omega.sizes[player]], dtype: .float64)
        for i in 0..<omega.sizes[player] {
            var plus = omega.copy(), minus = omega.copy()
            plus.withBlock(player) { $0[i] += h }
            minus.withBlock(player) { $0[i] -= h }
            g[i] = (penalty(plus) - penalty(minus)) / (2 * h)
        }
        return g
    }

    /// contribution = F_reg − F_base; for each player the regularizer acts on it must equal the FD
    /// gradient of that player's penalty; elsewhere it must be exactly zero.
    func check(_ base: some Game, _ r: any Regularizer, at omega: BlockVector,
               penalty: PerPlayer<(BlockVector) -> Double>, tolerance: Double = 1e-6) throws {
        let game = try Regularized(base, by: [r])
        let diff = game.exactField(at: omega) - base.exactField(at: omega)
        var touched = false
        for p in Player.allCases {
            if r.players.contains(p) {
                let fd = fdGradient(penalty[p], at: omega, player: p)
                #expect(compareEntrywise(diff[p], fd, tolerance: tolerance, label: "\(base.name) \(r) \(p)") == nil)
                if fd.maxAbs() > 1e-3 { touched = true }
            } else {
                #expect(diff[p].maxAbs() == 0, "\(r) leaked into the \(p) block: \(diff[p].scalars)")
            }
        }
        #expect(touched, "\(r): the test point gives a zero contribution; it would not catch an error")
        // The losses carry the same penalty (F_p = ∂L_p/∂ω_p holds for the regularized game).
        let dl = game.losses(at: omega)
        let bl = base.losses(at: omega)
        for p in Player.allCases {
            let expected = r.players.contains(p) ? penalty[p](omega) : 0
            #expect(abs(dl[p] - bl[p] - expected) <= 1e-12 * max(1, abs(expected)), "\(r) loss of \(p)")
        }
    }

    static let gammas = [0.3, 1.7]

    /// Dirac-GAN: ∇x D = ψ, so every zero-centered penalty is a multiple of ψ²/2; penalties written
    /// here from their definitions (SPEC §3), not from Saddle.
    @Test(arguments: gammas)
    func diracGAN(gamma: Double) throws {
        let base = DiracGAN(loss: .standard)
        let omega = BlockVector(generator: [0.7], discriminator: [-0.4])
        let none: (BlockVector) -> Double = { _ in 0 }
        func psi(_ w: BlockVector) -> Double { w[.discriminator][0] }
        func theta(_ w: BlockVector) -> Double { w[.generator][0] }
        try check(base, Tikhonov(on: .discriminator, weight: gamma), at: omega,
                  penalty: PerPlayer(generator: none, discriminator: { gamma / 2 * psi($0) * psi($0) }))
        try check(base, Tikhonov(on: .generator, weight: gamma), at: omega,
                  penalty: PerPlayer(generator: { gamma / 2 * theta($0) * theta($0) }, discriminator: none))
        try check(base, Tikhonov.symmetric(weight: gamma), at: omega,
                  penalty: PerPlayer(generator: { gamma / 2 * theta($0) * theta($0) }, discriminator: { gamma / 2 * psi($0) * psi($0) }))
        for (real, fake) in [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.25, 2.0)] {
            try check(base, GradientPenalty(real: real, fake: fake, weight: gamma), at: omega,
                      penalty: PerPlayer(generator: none, discriminator: { gamma / 2 * (real + fake) * psi($0) * psi($0) }))
        }
        try check(base, WassersteinGradientPenalty(weight: gamma), at: omega,
                  penalty: PerPlayer(generator: none, discriminator: { gamma / 2 * (abs(psi($0)) - 1) * (abs(psi($0)) - 1) }))
        // Consensus: (γ/2)‖F‖² for both players, F the unregularized field written out here:
        // F = (ψσ(−ψθ), −θσ(−ψθ)).
        let consensus: (BlockVector) -> Double = { w in
            let s = 1 / (1 + Foundation.exp(psi(w) * theta(w)))
            let f1 = psi(w) * s, f2 = -theta(w) * s
            return gamma / 2 * (f1 * f1 + f2 * f2)
        }
        try check(base, Consensus(weight: gamma), at: omega, penalty: PerPlayer(generator: consensus, discriminator: consensus))
    }

    /// Gaussian-location game: r = ψ₁ + 2ψ₂x, E over N(μ, 1) gives E r² = (ψ₁ + 2μψ₂)² + 4ψ₂²
    /// (real μ = m, fake μ = θ). The fake term depends on θ, and still only F_ψ changes.
    @Test(arguments: gammas)
    func gaussianLocation(gamma: Double) throws {
        let m = 1.3
        let base = GaussianLocationGame(mean: m)
        let omega = BlockVector(generator: [0.4], discriminator: [0.6, -0.35])
        let none: (BlockVector) -> Double = { _ in 0 }
        func er2(_ w: BlockVector, _ mu: Double) -> Double {
            let p1 = w[.discriminator][0], p2 = w[.discriminator][1]
            return (p1 + 2 * mu * p2) * (p1 + 2 * mu * p2) + 4 * p2 * p2
        }
        for (real, fake) in [(1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.5, 3.0)] {
            try check(base, GradientPenalty(real: real, fake: fake, weight: gamma), at: omega,
                      penalty: PerPlayer(generator: none, discriminator: { w in gamma / 2 * (real * er2(w, m) + fake * er2(w, w[.generator][0])) }))
        }
        try check(base, Tikhonov(on: .discriminator, weight: gamma), at: omega,
                  penalty: PerPlayer(generator: none, discriminator: { gamma / 2 * $0[.discriminator].dot($0[.discriminator]) }))
        // F = (−ψ₁ − 2ψ₂θ, θ − m, θ² − m²) written out.
        let consensus: (BlockVector) -> Double = { w in
            let t = w[.generator][0], p1 = w[.discriminator][0], p2 = w[.discriminator][1]
            let f = [-p1 - 2 * p2 * t, t - m, t * t - m * m]
            return gamma / 2 * f.reduce(0) { $0 + $1 * $1 }
        }
        try check(base, Consensus(weight: gamma), at: omega, penalty: PerPlayer(generator: consensus, discriminator: consensus))
    }

    @Test func unsupportedCombinationsAreErrors() throws {
        #expect(throws: RegularizerError.self) { try Regularized(BilinearGame.scalar(), by: [GradientPenalty(weight: 1)]) }
        #expect(throws: RegularizerError.self) { try Regularized(GaussianLocationGame(), by: [WassersteinGradientPenalty(weight: 1)]) }
        #expect(throws: RegularizerError.self) { try GradientPenalty(weight: -1) }
        #expect(throws: RegularizerError.self) { try GradientPenalty(on: .generator, weight: 1) }
        #expect(throws: RegularizerError.self) { try WeightClipping(bound: 0) }
        let e = RegularizerError.outOfRange(parameter: "gradient penalty weight γ", value: -1, allowed: "[0, ∞)")
        #expect(!e.description.contains("\n") && e.description.contains("-1"))
    }

    /// Weight clipping is the box projection on Φ and adds nothing to F.
    @Test func weightClippingIsABox() throws {
        let game = try Regularized(DiracGAN(loss: .wasserstein), by: [WeightClipping(bound: 0.5)])
        var w = BlockVector(generator: [3], discriminator: [2])
        game.domain.project(&w)
        #expect(w.scalars == [3, 0.5])
        #expect(game.exactField(at: w).scalars == DiracGAN(loss: .wasserstein).exactField(at: w).scalars)
    }

    /// The built-in penalty weight of DiracGAN is the asymmetric Tikhonov / R1 term.
    @Test func builtInDiracPenaltyMatchesTheRegularizer() throws {
        let w = BlockVector(generator: [0.3], discriminator: [-1.1])
        let a = DiracGAN(penaltyWeight: 0.8).exactField(at: w)
        let b = try Regularized(DiracGAN(), by: [Tikhonov(on: .discriminator, weight: 0.8)]).exactField(at: w)
        let c = try Regularized(DiracGAN(), by: [GradientPenalty.r1(weight: 0.8)]).exactField(at: w)
        #expect(a.distance(to: b) < 1e-15 && a.distance(to: c) < 1e-15)
    }

    // MARK: MLP GAN (second-order autodiff)

    /// A small GAN in Float64 with smooth activations, so finite differences meet no kink.
    static func makeGAN(loss: NeuralGAN.Loss = .nonSaturating) -> NeuralGAN {
        var rng = RandomGenerator(seed: 41)
        let g = MLP([2, 4, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 5, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(generator: g, discriminator: d, loss: loss, batchSize: 6, stochastic: false) { rng, n in
            Tensor.normal([n, 2], mean: 0.5, dtype: .float64, using: &rng)
        }
    }

    /// The penalty values are the regularized losses minus the base losses (first-order autodiff of
    /// ∇x D); the contribution to F is a second-order derivative checked against their differences.
    @Test(arguments: ["tikhonov", "symmetric", "sgp", "r1", "r2", "wgan-gp", "consensus"], NeuralGAN.Loss.allCases)
    func neuralGAN(which: String, loss: NeuralGAN.Loss) throws {
        let gan = Self.makeGAN(loss: loss)
        let r: any Regularizer
        switch which {
        case "tikhonov": r = try Tikhonov(on: .discriminator, weight: 0.7)
        case "symmetric": r = try Tikhonov.symmetric(weight: 0.7)
        case "sgp": r = try GradientPenalty(real: 1, fake: 0.5, weight: 0.7)
        case "r1": r = try GradientPenalty.r1(weight: 0.7)
        case "r2": r = try GradientPenalty.r2(weight: 0.7)
        case "wgan-gp": r = try WassersteinGradientPenalty(weight: 0.7)
        default: r = try Consensus(weight: 0.7)
        }
        let game = try Regularized(gan, by: [r])
        let omega = gan.initialPoint.copy()
        func penalty(_ p: Player) -> (BlockVector) -> Double {
            { w in game.losses(at: w)[p] - gan.losses(at: w)[p] }
        }
        try check(gan, r, at: omega, penalty: PerPlayer(generator: penalty(.generator), discriminator: penalty(.discriminator)))
    }

    /// The unregularized NeuralGAN field is the pseudogradient of its losses (SPEC §1), for both losses.
    @Test(arguments: NeuralGAN.Loss.allCases)
    func neuralGANFieldIsThePseudogradient(loss: NeuralGAN.Loss) {
        let gan = Self.makeGAN(loss: loss)
        let omega = gan.initialPoint
        let f = gan.exactField(at: omega)
        for p in Player.allCases {
            let fd = fdGradient({ gan.losses(at: $0)[p] }, at: omega, player: p)
            #expect(compareEntrywise(f[p], fd, tolerance: 1e-6, label: "\(loss) \(p)") == nil)
            #expect(fd.maxAbs() > 1e-3)
        }
    }

    /// The penalty value itself, independently of the autodiff path that the tests above difference:
    /// ½ mean ‖∇x D‖² with ∇x D from central differences of D's output in x.
    @Test func neuralPenaltyValueMatchesInputFiniteDifferences() throws {
        let gan = Self.makeGAN()
        let omega = gan.initialPoint
        let (value, _) = gan.inputGradientPenalty(at: omega, on: .real)
        let x = gan.evaluationBatch.real
        let phi = Variable(omega[.discriminator].copy())
        func d(_ x: Tensor) -> Tensor { GradientRecording.withoutRecording { gan.discriminator(Variable(x), parameters: phi).value } }
        var total = 0.0
        let h = 1e-5
        for i in 0..<x.shape[0] {
            for k in 0..<x.shape[1] {
                let xp = x.copy(), xm = x.copy()
                xp[i, k] += h; xm[i, k] -= h
                let g = (d(xp)[i] - d(xm)[i]) / (2 * h)
                total += g * g
            }
        }
        let expected = total / 2 / Double(x.shape[0])
        #expect(abs(value - expected) <= 1e-8 * max(1, expected), "\(value) vs \(expected)")
    }
}
