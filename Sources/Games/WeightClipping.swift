import Autodiff
import Tensors

/// Weight clipping (WGAN, Arjovsky et al. 2017, arXiv:1701.07875) as what it is in the VI view: the
/// projection onto the box Φ = [−c, c]^nφ (SPEC §1). It adds nothing to F; it changes S.
public struct WeightClipping: Regularizer {
    public let player: Player
    /// c > 0.
    public let bound: Double

    public init(on player: Player = .discriminator, bound: Double) throws {
        guard bound > 0, bound.isFinite else { throw RegularizerError.outOfRange(parameter: "clipping bound c", value: bound, allowed: "(0, ∞)") }
        self.player = player
        self.bound = bound
    }

    public var players: Set<Player> { [player] }
    public var weight: Double { 0 }
    public var description: String { "weight-clipping(\(player), c=\(bound))" }
    public func check(_ game: any Game) throws {
        guard game.domain[player] is Unconstrained || game.domain[player] is Box else {
            throw RegularizerError.unsupported(regularizer: "weight-clipping", game: game.name, reason: "the \(player)'s set is \(game.domain[player]), not a box")
        }
    }
    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> { PerPlayer(0) }
    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector { BlockVector.zeros(like: omega) }
    /// True: no loss terms.
    public var isMeanOverSamples: Bool { true }


    /// The intersection with [−c, c] (a box already there is tightened).
    public func domain(_ base: ProductDomain) -> ProductDomain {
        var sets = base.sets
        if let b = base[player] as? Box { sets[player] = Box(lower: max(b.lower, -bound), upper: min(b.upper, bound)) }
        else { sets[player] = Box(radius: bound) }
        return ProductDomain(generator: sets.generator, discriminator: sets.discriminator)
    }

    public func keepsEquilibrium(_ star: BlockVector) -> Bool { star[player].maxAbs() <= bound }
}
