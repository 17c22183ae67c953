import Autodiff
import Tensors

/// Tikhonov regularization of one player or both: L_p + (γ/2)‖ω_p‖², so F_p += γ ω_p.
///
/// - `Tikhonov(on: .discriminator, weight: γ)` is paper 1's asymmetric Tikhonov step: it adds γ to
///   the φ-block's curvature (κ = 1, λ0 = 1) and leaves F_θ untouched; it moves the equilibrium
///   unless φ* = 0.
/// - ``symmetric(weight:)`` is the baseline F + ε(θ, φ): strongly monotone (μ + ε) but biased.
/// On the Dirac-GAN, ∇x D = ψ, so the discriminator's Tikhonov term equals R1 (SPEC §3).
public struct Tikhonov: Regularizer {
    public let players: Set<Player>
    /// γ (ε for the symmetric baseline) ≥ 0.
    public let weight: Double

    /// - Parameters: player: whose loss gets (γ/2)‖ω_p‖²; weight: γ ≥ 0.
    public init(on player: Player, weight: Double) throws {
        try validateWeight(weight, "Tikhonov")
        players = [player]
        self.weight = weight
    }

    /// Both players: F += ε(θ, φ).
    public static func symmetric(weight epsilon: Double) throws -> Tikhonov {
        try validateWeight(epsilon, "symmetric Tikhonov")
        return Tikhonov(players: Player.both, weight: epsilon)
    }

    init(players: Set<Player>, weight: Double) { self.players = players; self.weight = weight }

    public var description: String {
        players.count == 2 ? "symmetric-tikhonov(ε=\(weight))" : "tikhonov(\(players.first!), γ=\(weight))"
    }

    public func check(_ game: any Game) throws {}

    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> {
        var v = PerPlayer(0.0)
        for p in players { v[p] = weight / 2 * omega[p].dot(omega[p]) }
        return v
    }

    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector {
        var f = BlockVector.zeros(like: omega)
        for p in players { f.withBlock(p) { $0.axpy(weight, omega[p]) } }
        return f
    }

    /// True: depends on the parameters only.
    public var isMeanOverSamples: Bool { true }

    public func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?> {
        var t = PerPlayer<Variable?>(nil)
        for p in players { t[p] = graph.parameters[p].squared().sum().scaled(by: weight / 2) }
        return t
    }

    public func keepsEquilibrium(_ star: BlockVector) -> Bool { players.allSatisfy { star[$0].maxAbs() == 0 } }
}
