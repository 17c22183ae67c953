import Autodiff
import Games
import Tensors

/// J = ∂F/∂ω at one point ω, as products: Jv and Jᵀu (SPEC §4), on the exact field.
///
/// The products are the game's own (``VariationalInequality/jacobianVectorProduct(at:_:sample:)``),
/// the entry points a solver uses through its ``Oracle``: autodiff through the recorded field for
/// any ``DifferentiableGame`` (bare or ``Regularized``; forward over reverse for Jv, one reverse
/// sweep for Jᵀu — matrix-free), exact matrix products for affine games, and central differences
/// of F for the other closed-form games. Vectors are flat (θ first, then φ), Float64.
public struct LinearizedOperator {
    public let sizes: PerPlayer<Int>
    public let point: BlockVector
    /// How the products are computed: "autodiff", "closed form" or "central differences".
    public let method: String
    let problem: any VariationalInequality
    let dtype: DType

    public init(_ problem: any VariationalInequality, at omega: BlockVector) {
        sizes = omega.sizes
        point = omega
        dtype = problem.dtype
        self.problem = problem
        method = problem.productCosts.method
    }

    public var count: Int { sizes.generator + sizes.discriminator }

    func block(_ v: Tensor) -> BlockVector { BlockVector(flat: v.converted(to: dtype).copy(), sizes: sizes) }

    /// J v.
    public func jvp(_ v: Tensor) -> Tensor {
        ensure(v.count == count, "jvp: \(v.count) entries for n = \(count)")
        return problem.jacobianVectorProduct(at: point, block(v), sample: .exact).flat.converted(to: .float64)
    }

    /// Jᵀ u.
    public func vjp(_ u: Tensor) -> Tensor {
        ensure(u.count == count, "vjp: \(u.count) entries for n = \(count)")
        return problem.vectorJacobianProduct(at: point, block(u), sample: .exact).flat.converted(to: .float64)
    }

    /// The full n × n Jacobian (row i = component i of F): n JVPs.
    public func matrix() -> Tensor {
        let j = Tensor.zeros([count, count], dtype: .float64)
        for c in 0..<count {
            let e = Tensor.zeros([count], dtype: .float64)
            e[c] = 1
            let col = jvp(e)
            for r in 0..<count { j[r, c] = col[r] }
        }
        return j
    }

    /// v ↦ sym(J)v = (Jv + Jᵀv)/2 restricted to `block` (nil: all of ω): the operator whose smallest
    /// eigenvalue is μ (block: μθ or μφ). Vectors live in the block's coordinates.
    public func symmetricPart(block: Player? = nil) -> (n: Int, apply: (Tensor) -> Tensor) {
        guard let p = block else {
            return (count, { v in Tensor.linearCombination(0.5, self.jvp(v), 0.5, self.vjp(v)) })
        }
        let start = p == .generator ? 0 : sizes.generator, n = sizes[p]
        return (n, { v in
            let full = Tensor.zeros([self.count], dtype: .float64)
            full.view(from: start, shape: [n]).copy(from: v)
            let s = Tensor.linearCombination(0.5, self.jvp(full), 0.5, self.vjp(full))
            return s.view(from: start, shape: [n]).copy()
        })
    }
}
