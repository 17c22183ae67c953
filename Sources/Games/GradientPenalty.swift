import Autodiff
import Tensors

/// SGP, the zero-centered input-gradient penalty on the discriminator (paper 1; SPEC §3):
/// R(θ, φ) = (w_real/2) E_data‖∇x D_φ(x)‖² + (w_fake/2) E_z‖∇x D_φ(G_θ(z))‖²,  L_D + γR.
///
/// F_φ gains γ(w_real E_data[J_rᵀ r] + w_fake E_fake[J_rᵀ r]) with r = ∇x D_φ(x), J_r = ∂r/∂φ, a
/// mixed second derivative; F_θ is untouched even though the fake term depends on θ (SPEC §1).
/// It vanishes where D is flat on both supports, so it keeps GAN equilibria. Near one its φ-Hessian
/// is γ times the Gauss–Newton Gramian w_real E_data[J_rᵀJ_r] + w_fake E_fake[J_rᵀJ_r].
///
/// - Parameters: real: w_real ≥ 0 (default 1); fake: w_fake ≥ 0 (default 1); weight: γ ≥ 0.
///   ``r1(weight:)`` is w_fake = 0 and ``r2(weight:)`` is w_real = 0 (Mescheder et al. 2018,
///   arXiv:1801.04406), in the (γ/2) convention; GAN_stability's code uses γ·E‖∇D‖² (its γ = ours/2).
/// Defined for games whose discriminator reads an input x — closed-form ``InputGradientGame``s and
/// ``DifferentiableGame``s with discriminator inputs (``NeuralGAN``, whatever its networks) — not
/// for bilinear games.
public struct GradientPenalty: Regularizer {
    public let player: Player
    public let realWeight: Double
    public let fakeWeight: Double
    public let weight: Double

    public init(on player: Player = .discriminator, real: Double = 1, fake: Double = 1, weight: Double) throws {
        try validateWeight(weight, "gradient penalty")
        try validateWeight(real, "gradient penalty real-sample")
        try validateWeight(fake, "gradient penalty fake-sample")
        guard player == .discriminator else {
            throw RegularizerError.unsupported(regularizer: "gradient-penalty", game: "any", reason: "∇x D is the discriminator's; put it on .discriminator")
        }
        self.player = player
        self.realWeight = real
        self.fakeWeight = fake
        self.weight = weight
    }

    /// R1: real samples only.
    public static func r1(weight: Double) throws -> GradientPenalty { try GradientPenalty(real: 1, fake: 0, weight: weight) }
    /// R2: fake samples only.
    public static func r2(weight: Double) throws -> GradientPenalty { try GradientPenalty(real: 0, fake: 1, weight: weight) }

    public var players: Set<Player> { [player] }
    public var description: String { "gradient-penalty(γ=\(weight), real=\(realWeight), fake=\(fakeWeight))" }

    public func check(_ game: any Game) throws {
        guard game is InputGradientGame || (game as? any DifferentiableGame)?.hasDiscriminatorInputs == true else {
            throw RegularizerError.unsupported(regularizer: "gradient-penalty", game: game.name,
                                               reason: "it needs a discriminator input x (dirac-gan, gaussian-location, neural GANs)")
        }
    }

    var sampleWeights: [(PenaltySamples, Double)] { [(.real, realWeight), (.fake, fakeWeight)].filter { $0.1 > 0 } }

    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> {
        var v = PerPlayer(0.0)
        guard let g = game as? InputGradientGame else { return v }   // check(_:) refused such a game
        for (s, w) in sampleWeights { v[player] += weight * w * g.inputGradientPenalty(at: omega, on: s).value }
        return v
    }

    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector {
        var f = BlockVector.zeros(like: omega)
        guard let g = game as? InputGradientGame else { return f }   // check(_:) refused such a game
        for (s, w) in sampleWeights {
            let grad = g.inputGradientPenalty(at: omega, on: s).gradient
            f.withBlock(player) { $0.axpy(weight * w, grad) }
        }
        return f
    }

    /// The weighted Gramian w_real E_data[J_rᵀJ_r] + w_fake E_fake[J_rᵀJ_r] (without γ).
    public func gaussNewtonGramian(at omega: BlockVector, of game: InputGradientGame) -> Tensor {
        let n = omega.sizes[player]
        let total = Tensor.zeros([n, n], dtype: .float64)
        for (s, w) in sampleWeights { total.axpy(w, game.gaussNewtonGramian(at: omega, on: s).converted(to: .float64)) }
        return total
    }

    /// True: (γ/2)·mean over the samples of ‖∇x D‖².
    public var isMeanOverSamples: Bool { true }

    public func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?> {
        guard let d = graph.discriminator else { return PerPlayer(nil) }   // check(_:) refused such a game
        var term: Variable? = nil
        for (s, w) in sampleWeights {
            let gx = d.inputGradient(on: s == .real ? d.real : d.fake)
            let t = gx.squared().sum().scaled(by: weight * w / 2 / Double(graph.batchSize))
            term = term.map { $0 + t } ?? t
        }
        var out = PerPlayer<Variable?>(nil)
        out[player] = term
        return out
    }

    public func keepsEquilibrium(_ star: BlockVector) -> Bool { true }
}
