import Autodiff
import Tensors

/// A term added to one player's loss (or to both), so it changes only that player's block of F
/// (SPEC §3): the loss L_p becomes L_p + γ R(θ, φ), and F_p gains γ ∇_{ω_p} R.
///
/// Each regularizer names the players it acts on (``players``) and its weight γ ≥ 0. It has two
/// forms: a closed form for closed-form games (``value(at:of:)``, ``contribution(at:of:)``), and
/// terms on the recorded graph of any ``DifferentiableGame`` (``lossTerms(in:)``; ``fieldTerms(_:in:)``
/// for a term that depends on the field itself, like the consensus term), differentiated to
/// second order by ``Autodiff`` with the rest of the losses. ``Regularized`` applies a list of them
/// to a game. A regularizer of your own adopts this protocol in one file: implement
/// ``lossTerms(in:)`` for differentiable games, the closed form for closed-form games, and let
/// ``check(_:)`` say in one line where it cannot apply.
///
/// Conventions: every penalty is written (γ/2)·(a squared quantity), so its gradient is γ times the
/// residual's Jacobian-transpose product (Tikhonov: γφ; R1: γ E[J_rᵀ r]). Some public code
/// (GAN_stability's `train.py`) uses γ·E‖∇D‖² without the ½; its γ is half of ours.
public protocol Regularizer: Sendable, CustomStringConvertible {
    /// The players whose losses get the term (one for the asymmetric regularizers).
    var players: Set<Player> { get }
    /// γ ≥ 0.
    var weight: Double { get }
    /// Throws ``RegularizerError/unsupported(regularizer:game:reason:)`` when `game` cannot carry it.
    func check(_ game: any Game) throws
    /// γR(ω) for each player it acts on (0 for the others), closed form (games that are not
    /// ``DifferentiableGame``s; ``check(_:)`` has accepted the game).
    func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double>
    /// γ∇_{ω_p} R(ω) in the blocks of ``players``, zeros elsewhere, closed form.
    func contribution(at omega: BlockVector, of game: any Game) -> BlockVector
    /// γR as terms of each player's loss on a differentiable game's recorded graph (nil where it
    /// adds nothing).
    func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?>
    /// Whether the term depends on the game's field F itself (the consensus term (γ/2)‖F‖²): then
    /// ``fieldTerms(_:in:)`` is called with the recorded field of the game and of every regularizer
    /// before this one, and ``contribution(at:of:)`` receives that regularized game. False by default.
    var readsField: Bool { get }
    /// Loss terms that depend on `field` (recorded: it can be differentiated again); nil by default.
    func fieldTerms(_ field: PerPlayer<Variable>, in graph: GameGraph) -> PerPlayer<Variable?>?
    /// S after the regularizer (weight clipping confines φ to a box); the identity by default.
    func domain(_ base: ProductDomain) -> ProductDomain
    /// Whether a zero `star` of the game's F is still a zero of the regularized F.
    func keepsEquilibrium(_ star: BlockVector) -> Bool
    /// Whether ``lossTerms(in:)`` are a mean over the batch's samples plus terms that do not depend
    /// on the batch: then the field on a batch is the weighted average of the fields on its shards
    /// (``DifferentiableGame``). False by default (a term nonlinear in a batch mean, like the
    /// consensus term's ‖F‖², keeps the minibatch in one shard).
    var isMeanOverSamples: Bool { get }
}

extension Regularizer {
    /// A regularizer that exists only as loss terms on a ``DifferentiableGame``'s graph need not
    /// give a closed form: its ``check(_:)`` refuses other games, so these are never reached.
    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> {
        fatalError("\(description) has no closed form on \(game.name): its check(_:) must refuse games that are not DifferentiableGames")
    }
    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector {
        fatalError("\(description) has no closed form on \(game.name): its check(_:) must refuse games that are not DifferentiableGames")
    }
    public func domain(_ base: ProductDomain) -> ProductDomain { base }
    public var isMeanOverSamples: Bool { false }
    public var readsField: Bool { false }
    public func fieldTerms(_ field: PerPlayer<Variable>, in graph: GameGraph) -> PerPlayer<Variable?>? { nil }
    public func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?> { PerPlayer(nil) }
}

/// A regularizer that a game cannot carry, or an out-of-range parameter.
public enum RegularizerError: Error, CustomStringConvertible, Equatable {
    case unsupported(regularizer: String, game: String, reason: String)
    case outOfRange(parameter: String, value: Double, allowed: String)

    public var description: String {
        switch self {
        case .unsupported(let r, let g, let why): return "\(r) is not available on the game \(g): \(why)"
        case .outOfRange(let p, let v, let a): return "\(p) = \(v) is outside \(a)"
        }
    }
}

/// Checks γ ≥ 0 and finite.
func validateWeight(_ gamma: Double, _ name: String) throws {
    guard gamma >= 0, gamma.isFinite else { throw RegularizerError.outOfRange(parameter: "\(name) weight γ", value: gamma, allowed: "[0, ∞)") }
}

/// Which samples an input-gradient penalty averages over.
public enum PenaltySamples: String, Sendable, CaseIterable {
    /// x ∼ data (R1).
    case real
    /// x = G_θ(z), z ∼ noise (R2).
    case fake
}

/// A game whose discriminator reads an input x, so the input-gradient penalties are defined (SPEC §3).
///
/// For r_φ(x) = ∇x D_φ(x): the zero-centered penalty ½E‖r‖² with its φ-gradient E[J_rᵀ r]
/// (J_r = ∂r/∂φ), and the Gauss–Newton Gramian E[J_rᵀ J_r]; the expectation runs over real or fake
/// samples. Closed-form games give exact expectations; neural games use their evaluation batch.
public protocol InputGradientGame: Game {
    /// ½E‖∇x D_φ(x)‖² over `samples` and its gradient with respect to φ (weight 1, φ-block only).
    func inputGradientPenalty(at omega: BlockVector, on samples: PenaltySamples) -> (value: Double, gradient: Tensor)
    /// E[J_rᵀ J_r] over `samples`, an nφ × nφ matrix.
    func gaussNewtonGramian(at omega: BlockVector, on samples: PenaltySamples) -> Tensor
    /// The Gramian with what a report needs to read it: its Monte Carlo standard error when it is
    /// an estimate over a batch (nil for an exact expectation), the batch, and the parameters'
    /// names. The default is the exact ``gaussNewtonGramian(at:on:)``.
    func gaussNewtonGramianEstimate(at omega: BlockVector, on samples: PenaltySamples) -> GramianEstimate
    /// ½E(‖∇x D_φ(x̂)‖ − c)² on interpolates x̂ = εx + (1 − ε)G_θ(z), ε ∼ U(0, 1), and its φ-gradient;
    /// nil when the game has no closed form for it.
    func interpolatePenalty(at omega: BlockVector, target c: Double) -> (value: Double, gradient: Tensor)?
}

/// E[J_rᵀ J_r] as a game computes it (see ``InputGradientGame/gaussNewtonGramianEstimate(at:on:)``).
public struct GramianEstimate {
    public var mean: Tensor
    /// Per entry, sd/√n over the batch; nil for an exact expectation.
    public var standardError: Tensor?
    /// The batch the mean is over (nil: exact), its seed, and the input width d (rank ≤ n·d).
    public var samples: Int?
    public var seed: UInt64?
    public var inputWidth: Int?
    /// Names of the discriminator's parameters and their ranges in φ (empty when unnamed).
    public var parameterNames: [(name: String, range: Range<Int>)]
    public init(mean: Tensor, standardError: Tensor? = nil, samples: Int? = nil, seed: UInt64? = nil, inputWidth: Int? = nil,
                parameterNames: [(name: String, range: Range<Int>)] = []) {
        self.mean = mean; self.standardError = standardError; self.samples = samples; self.seed = seed
        self.inputWidth = inputWidth; self.parameterNames = parameterNames
    }
}

extension InputGradientGame {
    public func gaussNewtonGramianEstimate(at omega: BlockVector, on samples: PenaltySamples) -> GramianEstimate {
        GramianEstimate(mean: gaussNewtonGramian(at: omega, on: samples).converted(to: .float64))
    }
}

extension BlockVector {
    /// Zeros of `sizes`, with `player`'s block set to `values`.
    static func only(_ player: Player, _ values: Tensor, sizes: PerPlayer<Int>) -> BlockVector {
        var f = BlockVector(zeros: sizes, dtype: values.dtype)
        f.withBlock(player) { $0.copy(from: values) }
        return f
    }
}
