import Autodiff
import Games
import Tensors

/// J = ∂F/∂ω at one point ω, as products: Jv and Jᵀu (SPEC §4).
///
/// For a ``NeuralGAN`` (bare or ``Regularized``) the products differentiate F itself through
/// ``JacobianProducts`` (Jv by the double-VJP trick, Jᵀu by one reverse sweep over the recorded
/// field), on the game's evaluation batch — matrix-free. For closed-form problems J is formed once
/// by central differences of F (``VariationalInequality/centralDifferenceJacobian(at:step:)``,
/// error about 1e-10 for O(1) fields, exact up to rounding for affine ones) and the products are
/// matrix products. Vectors are flat (θ first, then φ), Float64.
public struct LinearizedOperator {
    public let sizes: PerPlayer<Int>
    public let point: BlockVector
    /// How the products are computed: "autodiff" or "central differences".
    public let method: String
    let dense: Tensor?
    let field: (([Variable]) -> [Variable])?
    let dtype: DType

    public init(_ problem: any VariationalInequality, at omega: BlockVector) {
        sizes = omega.sizes
        point = omega
        dtype = problem.dtype
        let (gan, regs): (NeuralGAN?, [any Regularizer]) = {
            if let g = problem as? NeuralGAN { return (g, []) }
            if let r = problem as? Regularized, let g = r.neuralGAN { return (g, r.regularizers) }
            return (nil, [])
        }()
        if let gan {
            let batch = gan.batch(.exact)
            field = { xs in
                let f = gan.recordedField(theta: xs[0], phi: xs[1], batch: batch, regularizers: regs, createGraph: true)
                return [f.generator, f.discriminator]
            }
            dense = nil
            method = "autodiff"
        } else {
            field = nil
            dense = problem.centralDifferenceJacobian(at: omega)
            method = "central differences"
        }
    }

    public var count: Int { sizes.generator + sizes.discriminator }

    func split(_ v: Tensor) -> [Tensor] {
        let c = v.converted(to: dtype)
        return [c.view(from: 0, shape: [sizes.generator]).copy(), c.view(from: sizes.generator, shape: [sizes.discriminator]).copy()]
    }

    func join(_ parts: [Tensor]) -> Tensor {
        let out = Tensor.zeros([count], dtype: .float64)
        out.view(from: 0, shape: [sizes.generator]).copy(from: parts[0].converted(to: .float64))
        out.view(from: sizes.generator, shape: [sizes.discriminator]).copy(from: parts[1].converted(to: .float64))
        return out
    }

    /// J v.
    public func jvp(_ v: Tensor) -> Tensor {
        ensure(v.count == count, "jvp: \(v.count) entries for n = \(count)")
        if let dense { return matmul(dense, v.converted(to: .float64).reshaped([count, 1])).reshaped([count]) }
        let pts = [point[.generator].copy(), point[.discriminator].copy()]
        return join(JacobianProducts.jvp(of: field!, at: pts, tangents: split(v)).jvp)
    }

    /// Jᵀ u.
    public func vjp(_ u: Tensor) -> Tensor {
        ensure(u.count == count, "vjp: \(u.count) entries for n = \(count)")
        if let dense { return matmul(dense, u.converted(to: .float64).reshaped([count, 1]), transposeA: true).reshaped([count]) }
        let pts = [point[.generator].copy(), point[.discriminator].copy()]
        return join(JacobianProducts.vjp(of: field!, at: pts, cotangents: split(u)).vjp)
    }

    /// The full n × n Jacobian (row i = component i of F): the dense matrix, or n JVPs.
    public func matrix() -> Tensor {
        if let dense { return dense.copy() }
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
