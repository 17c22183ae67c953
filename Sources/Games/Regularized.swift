import Autodiff
import Tensors

/// A game with regularizers attached to its players: `Regularized(game, by: [Tikhonov(on:
/// .discriminator, weight: 1), GradientPenalty.r1(weight: 0.5)])` (SPEC §3).
///
/// Each regularizer adds γR to the losses of the players it names, so F_p gains γ∇_{ω_p}R in those
/// blocks only; weight clipping replaces the discriminator's set by a box. Regularizers are applied
/// in order, and a term that reads the field (the consensus term) sees the field of everything
/// before it. On closed-form games the terms are closed forms (``InputGradientGame``); on any
/// ``DifferentiableGame`` (a ``NeuralGAN`` with any networks, or a game of your own) they are terms
/// on its recorded graph, differentiated to second order with the losses.
///
/// ``equilibrium`` is the base game's when every regularizer keeps it (SGP and consensus always do;
/// Tikhonov when the regularized player's block of ω* is 0), nil otherwise.
/// The base game's own built-in penalty weights (``DiracGAN/penaltyWeight``,
/// ``GaussianLocationGame/penaltyWeight``) stay in effect; `DiracGAN(penaltyWeight: γ)` equals
/// `Regularized(DiracGAN(), by: [Tikhonov(on: .discriminator, weight: γ)])`.
public struct Regularized: Game {
    public let base: any Game
    public let regularizers: [any Regularizer]
    public let domain: ProductDomain

    /// - Throws: ``RegularizerError`` when a regularizer needs what the game lacks (a gradient
    ///   penalty on a bilinear game).
    public init(_ base: any Game, by regularizers: [any Regularizer]) throws {
        for r in regularizers { try r.check(base) }
        self.base = base
        self.regularizers = regularizers
        self.domain = regularizers.reduce(base.domain) { $1.domain($0) }
    }

    public var name: String { ([base.name] + regularizers.map(\.description)).joined(separator: "+") }
    public var sizes: PerPlayer<Int> { base.sizes }
    public var dtype: DType { base.dtype }
    public var isStochastic: Bool { base.isStochastic }
    public var defaultBatchSize: Int { base.defaultBatchSize }
    public var initialPoint: BlockVector {
        var w = base.initialPoint.copy()
        domain.project(&w)
        return w
    }
    public var equilibrium: BlockVector? {
        guard let star = base.equilibrium, regularizers.allSatisfy({ $0.keepsEquilibrium(star) }) else { return nil }
        return star
    }

    /// The differentiable game underneath, when the base is one.
    public var differentiable: (any DifferentiableGame)? { base as? any DifferentiableGame }

    /// The game with only the first `count` regularizers (what the consensus term squares).
    func prefix(_ count: Int) -> Regularized {
        Regularized(unchecked: base, Array(regularizers.prefix(count)))
    }

    init(unchecked base: any Game, _ regularizers: [any Regularizer]) {
        self.base = base
        self.regularizers = regularizers
        self.domain = regularizers.reduce(base.domain) { $1.domain($0) }
    }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        if let game = differentiable { return game.field(at: omega, blocks: blocks, sample: sample, regularizers: regularizers) }
        var f = base.field(at: omega, blocks: Player.both, sample: sample)
        for (k, r) in regularizers.enumerated() {
            // A term that reads the field sees the game with the regularizers before it; the others see the base game.
            let c = r.contribution(at: omega, of: r.readsField ? prefix(k) : base)
            f.axpy(1, c.converted(to: f.dtype))
        }
        for p in Player.allCases where !blocks.contains(p) { f.withBlock(p) { $0.fill(0) } }
        return f
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        if let game = differentiable { return game.losses(at: omega, regularizers: regularizers) }
        var l = base.losses(at: omega)
        for (k, r) in regularizers.enumerated() {
            let v = r.value(at: omega, of: r.readsField ? prefix(k) : base)
            l.generator += v.generator; l.discriminator += v.discriminator
        }
        return l
    }
}
