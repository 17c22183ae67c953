import Autodiff
import Tensors

/// The consensus term (Mescheder, Nowozin & Geiger 2017, arXiv:1705.10461): both players add
/// (γ/2)‖F(ω)‖² to their losses, so F ← F + γ JᵀF with J = ∂F/∂ω (the full vector–Jacobian product,
/// each player taking its own block of it).
///
/// F here is the field with every regularizer before it in the list applied (``readsField``). On a
/// ``DifferentiableGame`` the term is (γ/2)‖F‖² on the recorded field, and its gradient JᵀF is one
/// more reverse sweep through it; on closed-form games JᵀF is the game's vector–Jacobian product
/// (``VariationalInequality/vectorJacobianProduct(at:_:)``: exact for the affine games, central
/// differences otherwise). It keeps every zero of F.
public struct Consensus: Regularizer {
    public let weight: Double

    public init(weight: Double) throws {
        try validateWeight(weight, "consensus")
        self.weight = weight
    }

    public var players: Set<Player> { Player.both }
    public var description: String { "consensus(γ=\(weight))" }
    public func check(_ game: any Game) throws {}

    public func value(at omega: BlockVector, of game: any Game) -> PerPlayer<Double> {
        let f = game.exactField(at: omega)
        return PerPlayer(weight / 2 * f.dot(f))
    }

    public func contribution(at omega: BlockVector, of game: any Game) -> BlockVector {
        let f = game.exactField(at: omega)
        var jtf = game.vectorJacobianProduct(at: omega, f)
        jtf.scale(by: weight)
        return jtf
    }

    public var readsField: Bool { true }

    /// (γ/2)‖F‖² to both players' losses.
    public func fieldTerms(_ field: PerPlayer<Variable>, in graph: GameGraph) -> PerPlayer<Variable?>? {
        let half = (field.generator.squared().sum() + field.discriminator.squared().sum()).scaled(by: weight / 2)
        return PerPlayer(generator: half, discriminator: half)
    }
    public func keepsEquilibrium(_ star: BlockVector) -> Bool { true }
}

extension VariationalInequality {
    /// J = ∂F/∂ω by central differences of the exact field, (F(ω + h eⱼ) − F(ω − h eⱼ))/2h per column
    /// (n × n, Float64, row i = component i of F). For small closed-form problems.
    public func centralDifferenceJacobian(at omega: BlockVector, step h: Double = 1e-5) -> Tensor {
        let n = omega.count
        let j = Tensor.zeros([n, n], dtype: .float64)
        for c in 0..<n {
            var plus = omega.converted(to: .float64), minus = plus.copy()
            plus.withFlat { $0[c] += h }
            minus.withFlat { $0[c] -= h }
            let fp = exactField(at: plus.converted(to: dtype)).converted(to: .float64)
            let fm = exactField(at: minus.converted(to: dtype)).converted(to: .float64)
            for r in 0..<n { j[r, c] = (fp.flat[r] - fm.flat[r]) / (2 * h) }
        }
        return j
    }
}
