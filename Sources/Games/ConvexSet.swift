import Tensors

/// A closed convex set with its Euclidean projection P(x) = argmin_{z ∈ C} ‖z − x‖ (SPEC §1).
///
/// Each player's block of ω lives in one such set; the feasible set of the game is the product
/// (``ProductDomain``). Projections work in place on a block's view.
public protocol ConvexSet: Sendable, CustomStringConvertible {
    /// Replaces `x` by its projection onto the set.
    func project(_ x: Tensor)
    /// Whether `x` lies in the set, up to `tolerance` per entry (or in norm, for a ball).
    func contains(_ x: Tensor, tolerance: Double) -> Bool
    /// Whether the set is bounded (the duality gap needs bounded sets).
    var isBounded: Bool { get }
}

/// The whole space Rⁿ; the projection is the identity.
public struct Unconstrained: ConvexSet {
    public init() {}
    public func project(_ x: Tensor) {}
    public func contains(_ x: Tensor, tolerance: Double) -> Bool { true }
    public var isBounded: Bool { false }
    public var description: String { "unconstrained" }
}

/// The box [lower, upper]ⁿ; the projection clips each entry. WGAN's weight clipping is the
/// projection onto [−c, c]ⁿ.
public struct Box: ConvexSet {
    public let lower: Double
    public let upper: Double
    /// - Precondition: lower ≤ upper.
    public init(lower: Double, upper: Double) {
        ensure(lower <= upper, "Box: empty interval [\(lower), \(upper)]")
        self.lower = lower
        self.upper = upper
    }
    /// The symmetric box [−radius, radius]ⁿ.
    public init(radius: Double) { self.init(lower: -radius, upper: radius) }
    public func project(_ x: Tensor) { x.clamp(lower, upper) }
    public func contains(_ x: Tensor, tolerance: Double) -> Bool {
        x.scalars.allSatisfy { $0 >= lower - tolerance && $0 <= upper + tolerance }
    }
    public var isBounded: Bool { lower.isFinite && upper.isFinite }
    public var description: String { "box[\(lower), \(upper)]" }
}

/// The Euclidean ball {x : ‖x‖ ≤ radius} centred at 0; the projection rescales points outside.
public struct Ball: ConvexSet {
    public let radius: Double
    /// - Precondition: radius ≥ 0.
    public init(radius: Double) {
        ensure(radius >= 0, "Ball: negative radius \(radius)")
        self.radius = radius
    }
    public func project(_ x: Tensor) {
        let n = x.norm()
        if n > radius { x.scale(by: radius / n) }
    }
    public func contains(_ x: Tensor, tolerance: Double) -> Bool { x.norm() <= radius + tolerance }
    public var isBounded: Bool { radius.isFinite }
    public var description: String { "ball(\(radius))" }
}

/// The non-negative orthant {x : x ≥ 0}; the projection is max(x, 0) per entry.
public struct NonnegativeOrthant: ConvexSet {
    public init() {}
    public func project(_ x: Tensor) { x.clamp(0, .infinity) }
    public func contains(_ x: Tensor, tolerance: Double) -> Bool { x.scalars.allSatisfy { $0 >= -tolerance } }
    public var isBounded: Bool { false }
    public var description: String { "nonnegative-orthant" }
}

/// The probability simplex Δ = {x ≥ 0 : Σ xᵢ = 1}: mixed strategies of a finite game.
///
/// The Euclidean projection is the sort-based algorithm (Held, Wolfe & Crowder 1974; Duchi et al.
/// 2008): find τ with Σ max(xᵢ − τ, 0) = 1 and set xᵢ ← max(xᵢ − τ, 0). Mirror methods (SPEC §5)
/// do not project; they stay on Δ by normalizing.
/// - Complexity: O(n log n).
public struct Simplex: ConvexSet {
    public init() {}
    public func project(_ x: Tensor) {
        let v = x.scalars
        let u = v.sorted(by: >)
        var cumulative = 0.0, tau = 0.0
        for (j, uj) in u.enumerated() {
            cumulative += uj
            let t = (cumulative - 1) / Double(j + 1)
            if uj - t > 0 { tau = t }
        }
        for i in 0..<v.count { x[i] = max(v[i] - tau, 0) }
    }
    public func contains(_ x: Tensor, tolerance: Double) -> Bool {
        let s = x.scalars
        return s.allSatisfy { $0 >= -tolerance } && abs(s.reduce(0, +) - 1) <= tolerance * Double(max(1, s.count))
    }
    public var isBounded: Bool { true }
    public var description: String { "simplex" }
}

/// S = Θ × Φ: one convex set per player.
public struct ProductDomain: Sendable, CustomStringConvertible {
    public var sets: PerPlayer<any ConvexSet>

    public init(generator: any ConvexSet, discriminator: any ConvexSet) {
        sets = PerPlayer(generator: generator, discriminator: discriminator)
    }

    /// The same set for both players.
    public init(_ both: any ConvexSet) { self.init(generator: both, discriminator: both) }

    /// R^nθ × R^nφ.
    public static var unconstrained: ProductDomain { ProductDomain(Unconstrained()) }

    public subscript(player: Player) -> any ConvexSet { sets[player] }

    /// ω ← P_S(ω), block by block.
    public func project(_ omega: inout BlockVector) {
        if isUnconstrained { return }
        for p in Player.allCases where !(sets[p] is Unconstrained) {
            omega.withBlock(p) { sets[p].project($0) }
        }
    }

    /// Projects only `player`'s block.
    public func project(_ omega: inout BlockVector, player: Player) {
        if sets[player] is Unconstrained { return }
        omega.withBlock(player) { sets[player].project($0) }
    }

    /// Whether ω ∈ S up to `tolerance`.
    public func contains(_ omega: BlockVector, tolerance: Double = 1e-12) -> Bool {
        Player.allCases.allSatisfy { sets[$0].contains(omega[$0], tolerance: tolerance) }
    }

    public var isUnconstrained: Bool { sets.generator is Unconstrained && sets.discriminator is Unconstrained }
    public var isBounded: Bool { sets.generator.isBounded && sets.discriminator.isBounded }

    public var description: String {
        "\(sets.generator) × \(sets.discriminator)"
    }
}
