import Autodiff
import Tensors

/// WGAN-GP's one-centered penalty on interpolates (Gulrajani et al. 2017, arXiv:1704.00028):
/// R(θ, φ) = ½ E(‖∇x D_φ(x̂)‖ − c)²,  x̂ = εx + (1 − ε)G_θ(z),  ε ∼ U(0, 1),  L_D + γR.
///
/// (γ/2) convention as every Saddle penalty; the paper's λ·E(‖∇D‖ − 1)² is γ = 2λ. Target c = 1
/// by default. Unlike SGP it does not vanish at a flat discriminator, so it moves equilibria.
/// Closed forms: the Dirac-GAN (∇x D = ψ everywhere: F_ψ += γ(|ψ| − c) sign ψ); neural GANs.
public struct WassersteinGradientPenalty: Regularizer {
    public let weight: Double
    public let target: Double

    public init(on player: Player = .discriminator, weight: Double, target: Double = 1) throws {
        try validateWeight(weight, "WGAN-GP")
        guard player == .discriminator else {
            throw RegularizerError.unsupported(regularizer: "wgan-gp", game: "any", reason: "∇x D is the discriminator's; put it on .discriminator")
        }
        guard target >= 0, target.isFinite else { throw RegularizerError.outOfRange(parameter: "WGAN-GP target c", value: target, allowed: "[0, ∞)") }
        self.weight = weight
        self.target = target
    }

    public var players: Set<Player> { [.discriminator] }
    public var description: String { "wgan-gp(γ=\(weight), c=\(target))" }

    public func check(_ game: any Game) throws {
        if (game as? any DifferentiableGame)?.hasDiscriminatorInputs == true { return }
        guard let g = game as? InputGradientGame, g.interpolatePenalty(at: game.initialPoint, target: target) != nil else {
            throw RegularizerError.unsupported(regularizer: "wgan-gp", game: game.name,
                                               reason: "no closed form of E(‖∇x D(x̂)‖ − c)² on interpolates here (dirac-gan and neural GANs have one)")
        }
    }

    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> {
        // check(_:) accepted only games with a closed form.
        guard let p = (game as? InputGradientGame)?.interpolatePenalty(at: omega, target: target) else { return PerPlayer(0) }
        return PerPlayer(generator: 0, discriminator: weight * p.value)
    }

    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector {
        guard let p = (game as? InputGradientGame)?.interpolatePenalty(at: omega, target: target) else { return BlockVector.zeros(like: omega) }
        return BlockVector.only(.discriminator, p.gradient.scaled(by: weight), sizes: omega.sizes)
    }

    /// True: (γ/2)·mean over the interpolates.
    public var isMeanOverSamples: Bool { true }

    public func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?> {
        guard let d = graph.discriminator else { return PerPlayer(nil) }   // check(_:) refused such a game
        let gx = d.inputGradient(on: d.interpolates)
        // ‖r‖ per row as exp(½ log Σ r²): differentiable to every order away from r = 0.
        let norms = gx.squared().sumColumns().log().scaled(by: 0.5).exp()
        let term = norms.adding(-target).squared().sum().scaled(by: weight / 2 / Double(graph.batchSize))
        return PerPlayer(generator: nil, discriminator: term)
    }

    public func keepsEquilibrium(_ star: BlockVector) -> Bool { weight == 0 }
}
