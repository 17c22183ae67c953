import Autodiff
import Tensors

/// The consensus term (Mescheder, Nowozin & Geiger 2017, arXiv:1705.10461): both players add
/// (γ/2)‖F(ω)‖² to their losses, so F ← F + γ JᵀF with J = ∂F/∂ω (the full vector–Jacobian product,
/// each player taking its own block of it).
///
/// F here is the field with every other regularizer of the list already applied. On neural GANs JᵀF
/// is one extra reverse sweep through the recorded field; on closed-form games J comes from central
/// differences of F (step 1e-5, error about 1e-10 for O(1) fields; exact for affine ones up to rounding).
/// It keeps every zero of F.
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
        let j = game.centralDifferenceJacobian(at: omega)
        let jtf = matmul(j, f.flat.reshaped([f.count, 1]), transposeA: true).reshaped([f.count])
        return BlockVector(flat: jtf.scaled(by: weight), sizes: omega.sizes)
    }

    /// Handled by ``NeuralGAN`` itself, which holds the recorded field.
    public func lossTerms(in graph: NeuralGAN.Graph) -> PerPlayer<Variable?> { PerPlayer(nil) }
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
