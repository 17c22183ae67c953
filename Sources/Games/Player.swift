/// The two players of a game. Each player **minimizes its own loss** (SPEC §1):
/// the generator over θ, the discriminator over φ.
public enum Player: Int, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// θ, the generator's parameters (block 0 of ω).
    case generator = 0
    /// φ, the discriminator's parameters (block 1 of ω).
    case discriminator = 1

    public var description: String { self == .generator ? "generator" : "discriminator" }

    /// Both players, generator first.
    public static let both: Set<Player> = [.generator, .discriminator]
}

/// One value per player: per-player step sizes, block sizes, constraint sets.
public struct PerPlayer<Value> {
    public var generator: Value
    public var discriminator: Value

    public init(generator: Value, discriminator: Value) {
        self.generator = generator
        self.discriminator = discriminator
    }

    /// The same value for both players.
    public init(_ both: Value) {
        self.generator = both
        self.discriminator = both
    }

    public subscript(player: Player) -> Value {
        get { player == .generator ? generator : discriminator }
        set { if player == .generator { generator = newValue } else { discriminator = newValue } }
    }

    public func map<T>(_ f: (Value) throws -> T) rethrows -> PerPlayer<T> {
        PerPlayer<T>(generator: try f(generator), discriminator: try f(discriminator))
    }
}

extension PerPlayer: Sendable where Value: Sendable {}
extension PerPlayer: Equatable where Value: Equatable {}
extension PerPlayer: Hashable where Value: Hashable {}
extension PerPlayer: Codable where Value: Codable {}

extension PerPlayer: CustomStringConvertible {
    public var description: String {
        if let g = generator as? Double, let d = discriminator as? Double, g == d { return "\(g)" }
        return "(generator: \(generator), discriminator: \(discriminator))"
    }
}
