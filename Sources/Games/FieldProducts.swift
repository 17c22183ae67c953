import Autodiff
import Tensors

/// What Jacobian products of F cost, in oracle calls — the unit of SPEC §2's accounting (one
/// evaluation of F on one minibatch). Fixed constants declared by each game, derived from
/// operation counts, never timed, so budgets and results do not depend on the machine.
public struct ProductCosts: Sendable, Equatable, Codable, CustomStringConvertible {
    /// J·v, Jᵀu, and one player's Hessian-block product ∂F_p/∂ω_p · v_p.
    public var jvp: Double
    public var vjp: Double
    public var hvp: Double
    /// How the products are computed: "autodiff", "closed form" or "central differences".
    public var method: String
    public init(jvp: Double, vjp: Double, hvp: Double, method: String) { self.jvp = jvp; self.vjp = vjp; self.hvp = hvp; self.method = method }

    /// Affine games: a product is one more matrix–vector pass, like F itself.
    public static let affine = ProductCosts(jvp: 1, vjp: 1, hvp: 1, method: "closed form")
    /// Differentiable games (autodiff on the recorded field). Counted on the default GAN's field
    /// (W1's networks, batch 256, R1 γ = 0.1): recording F's backward graph and sweeping it forward
    /// (JVP) or backward (VJP) costs 2.8 F in matrix multiply–adds (`OracleProductTests`); 3 is declared.
    public static let autodiff = ProductCosts(jvp: 3, vjp: 3, hvp: 3, method: "autodiff")
    /// Central differences: a directional difference is two evaluations of F; Jᵀu needs every
    /// column of J, 2n evaluations for n = dim ω.
    public static func centralDifferences(dimension n: Int) -> ProductCosts {
        ProductCosts(jvp: 2, vjp: 2 * Double(n), hvp: 2, method: "central differences")
    }

    public var description: String { "JVP \(jvp), VJP \(vjp), HVP \(hvp) oracle calls" }
}

extension VariationalInequality {
    /// Central differences of F along v: (F(ω + hv) − F(ω − hv))/2h on the same minibatch, h =
    /// 1e-6·max(1, ‖ω‖)/‖v‖ in Float64 (error O(h²); exact up to rounding for affine F).
    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector {
        centralDifference(at: omega, along: v, sample: sample)
    }

    /// Jᵀu from J by central differences, column by column (2n evaluations of F).
    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector {
        let n = omega.count
        let out = Tensor.zeros([n], dtype: .float64)
        let u64 = u.converted(to: .float64).flat
        for c in 0..<n {
            let e = Tensor.zeros([n], dtype: .float64)
            e[c] = 1
            let column = centralDifference(at: omega, along: BlockVector(flat: e, sizes: omega.sizes), sample: sample)
            out[c] = column.converted(to: .float64).flat.dot(u64)
        }
        return BlockVector(flat: out.converted(to: omega.dtype), sizes: omega.sizes)
    }

    public var productCosts: ProductCosts { .centralDifferences(dimension: sizes.generator + sizes.discriminator) }

    func centralDifference(at omega: BlockVector, along v: BlockVector, sample: SampleRequest) -> BlockVector {
        let norm = v.norm()
        guard norm > 0 else { return BlockVector.zeros(like: omega) }
        let h = 1e-6 * max(1, omega.norm()) / norm
        var plus = omega.converted(to: .float64), minus = plus.copy()
        let v64 = v.converted(to: .float64)
        plus.axpy(h, v64)
        minus.axpy(-h, v64)
        let fp = field(at: plus.converted(to: dtype), blocks: Player.both, sample: sample).converted(to: .float64)
        let fm = field(at: minus.converted(to: dtype), blocks: Player.both, sample: sample).converted(to: .float64)
        var d = fp - fm
        d.scale(by: 1 / (2 * h))
        return d.converted(to: omega.dtype)
    }

    /// ∂F_p/∂ω_p · v_p, player p's diagonal block of J applied to v_p (the Hessian of L_p in ω_p
    /// for a game): J·(v_p, 0) restricted to p.
    public func hessianVectorProduct(at omega: BlockVector, _ v: Tensor, player: Player, sample: SampleRequest) -> Tensor {
        var tangent = BlockVector.zeros(like: omega)
        tangent.withBlock(player) { $0.copy(from: v.converted(to: omega.dtype)) }
        return jacobianVectorProduct(at: omega, tangent, sample: sample)[player].copy()
    }

    /// J(ω) as an n × n Float64 matrix (row i = component i of F), from n products J·eⱼ.
    public func jacobian(at omega: BlockVector, sample: SampleRequest = .exact) -> Tensor {
        let n = omega.count
        let j = Tensor.zeros([n, n], dtype: .float64)
        for c in 0..<n {
            let e = Tensor.zeros([n], dtype: omega.dtype)
            e[c] = 1
            let column = jacobianVectorProduct(at: omega, BlockVector(flat: e, sizes: omega.sizes), sample: sample).converted(to: .float64).flat
            for r in 0..<n { j[r, c] = column[r] }
        }
        return j
    }

    /// Jᵀu on the exact field (uncounted: for regularizers and diagnostics).
    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector) -> BlockVector {
        vectorJacobianProduct(at: omega, u, sample: .exact)
    }
}

/// A game whose F is affine, F(ω) = Jω + c, with J applied by the game itself: products are exact
/// and cost one matrix–vector pass (``ProductCosts/affine``).
public protocol AffineGame: VariationalInequality {
    /// J·v (or Jᵀ·v when `transposed`) on the minibatch `sample` asks for.
    func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector
}

extension AffineGame {
    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector {
        linearPart(v, transposed: false, sample: sample)
    }
    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector {
        linearPart(u, transposed: true, sample: sample)
    }
    public var productCosts: ProductCosts { .affine }
}

extension BlockVector {
    /// A vector of `sizes` from its two blocks.
    static func blocks(_ g: Tensor, _ d: Tensor) -> BlockVector { BlockVector(generator: g, discriminator: d) }
}

extension BilinearGame: AffineGame {
    /// J = [[0, A], [−Aᵀ, 0]]: Jv = (A v_φ, −Aᵀ v_θ), Jᵀu = (−A u_φ, Aᵀ u_θ).
    public func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector {
        let a = DenseLinearAlgebra.multiply(matrix, v[.discriminator])
        let at = DenseLinearAlgebra.multiply(matrix, v[.generator], transposed: true)
        return transposed ? .blocks(a.scaled(by: -1), at) : .blocks(a, at.scaled(by: -1))
    }
}

extension QuadraticGame: AffineGame {
    /// J = [[aI, A], [−Aᵀ, bI]].
    public func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector {
        let s: Double = transposed ? -1 : 1
        let g = DenseLinearAlgebra.multiply(coupling, v[.discriminator]).scaled(by: s)
        g.axpy(curvature.generator, v[.generator])
        let d = DenseLinearAlgebra.multiply(coupling, v[.generator], transposed: true).scaled(by: -s)
        d.axpy(curvature.discriminator, v[.discriminator])
        return .blocks(g, d)
    }
}

extension AffineVariationalInequality: AffineGame {
    /// J = M.
    public func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector {
        BlockVector(flat: DenseLinearAlgebra.multiply(matrix, v.flat, transposed: transposed), sizes: v.sizes)
    }
}

extension MatrixGame: AffineGame {
    /// F = (−Aᵀq, Ap − a), so J = [[0, −Aᵀ], [A, 0]]: Jv = (−Aᵀ v_q, A v_p), Jᵀu = (Aᵀ u_q, −A u_p).
    public func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector {
        let atq = DenseLinearAlgebra.multiply(payoff, v[.discriminator], transposed: true)
        let ap = DenseLinearAlgebra.multiply(payoff, v[.generator])
        return transposed ? .blocks(atq, ap.scaled(by: -1)) : .blocks(atq.scaled(by: -1), ap)
    }
}

extension FiniteSumBilinearGame: AffineGame {
    /// J of the terms the sample draws (all of them, averaged, for the exact field): [[0, M̄], [−M̄ᵀ, 0]].
    public func linearPart(_ v: BlockVector, transposed: Bool, sample: SampleRequest) -> BlockVector {
        guard case .minibatch(let size, let seed) = sample else { return mean.linearPart(v, transposed: transposed, sample: .exact) }
        var rng = RandomGenerator(seed: seed)
        let g = Tensor.zeros([sizes.generator], dtype: .float64), d = Tensor.zeros([sizes.discriminator], dtype: .float64)
        let w = 1 / Double(size), s: Double = transposed ? -1 : 1
        for _ in 0..<size {
            let i = Int(rng.next() % UInt64(terms.count))
            g.axpy(s * w, DenseLinearAlgebra.multiply(terms[i], v[.discriminator]))
            d.axpy(-s * w, DenseLinearAlgebra.multiply(terms[i], v[.generator], transposed: true))
        }
        return .blocks(g, d)
    }
}

extension AdditiveNoise {
    /// The noise is additive, so J is the base game's.
    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector {
        base.jacobianVectorProduct(at: omega, v, sample: .exact)
    }
    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector {
        base.vectorJacobianProduct(at: omega, u, sample: .exact)
    }
    public var productCosts: ProductCosts { base.productCosts }
}

extension DifferentiableGame {
    /// J·v by forward mode over the recorded field (forward over reverse), shard by shard like F.
    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector {
        jacobianVectorProduct(at: omega, v, sample: sample, regularizers: [])
    }
    /// Jᵀu by one reverse sweep through the recorded field, shard by shard like F.
    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector {
        vectorJacobianProduct(at: omega, u, sample: sample, regularizers: [])
    }
    public var productCosts: ProductCosts { .autodiff }

    /// The recorded field of each shard of `sample`'s minibatch, as a function of (θ, φ) variables.
    func recordedShards(_ sample: SampleRequest, regularizers: [any Regularizer]) -> (plan: [(samples: Int, seed: UInt64)], weights: [Double], field: (Int, [Variable]) -> [Variable]) {
        let (size, seed) = batch(sample)
        let plan = shardPlan(size: size, seed: seed, regularizers: regularizers)
        return (plan, plan.map { Double($0.samples) / Double(size) }, { s, xs in
            let f = self.recordedField(PerPlayer(generator: xs[0], discriminator: xs[1]), samples: plan[s].samples, seed: plan[s].seed,
                                       regularizers: regularizers, createGraph: true)
            return [f.generator, f.discriminator]
        })
    }

    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest, regularizers: [any Regularizer]) -> BlockVector {
        let shards = recordedShards(sample, regularizers: regularizers)
        let point = [omega[.generator].copy(), omega[.discriminator].copy()]
        let tangent = [v[.generator].converted(to: dtype).copy(), v[.discriminator].converted(to: dtype).copy()]
        let results = computeShards(shards.plan.count) { s in
            JacobianProducts.jvpOnly(of: { shards.field(s, $0) }, at: point, tangents: tangent)
        }
        return combineShards(results, weights: shards.weights)
    }

    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest, regularizers: [any Regularizer]) -> BlockVector {
        let shards = recordedShards(sample, regularizers: regularizers)
        let point = [omega[.generator].copy(), omega[.discriminator].copy()]
        let cotangent = [u[.generator].converted(to: dtype).copy(), u[.discriminator].converted(to: dtype).copy()]
        let results = computeShards(shards.plan.count) { s in
            JacobianProducts.vjp(of: { shards.field(s, $0) }, at: point, cotangents: cotangent).vjp
        }
        return combineShards(results, weights: shards.weights)
    }
}

extension Regularized {
    /// On a differentiable base: autodiff through the regularized recorded field. On a closed-form
    /// base: the base's product plus each regularizer's, by central differences of its closed-form
    /// contribution (exact up to rounding for the linear ones, Tikhonov).
    public func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest) -> BlockVector {
        if let game = differentiable { return game.jacobianVectorProduct(at: omega, v, sample: sample, regularizers: regularizers) }
        var out = base.jacobianVectorProduct(at: omega, v, sample: sample)
        for (k, r) in regularizers.enumerated() {
            let game: any Game = r.readsField ? prefix(k) : base
            let part = RegularizerContribution(regularizer: r, game: game, sizes: omega.sizes)
            out.axpy(1, part.centralDifference(at: omega, along: v, sample: .exact).converted(to: out.dtype))
        }
        return out
    }

    public func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest) -> BlockVector {
        if let game = differentiable { return game.vectorJacobianProduct(at: omega, u, sample: sample, regularizers: regularizers) }
        var out = base.vectorJacobianProduct(at: omega, u, sample: sample)
        for (k, r) in regularizers.enumerated() {
            let game: any Game = r.readsField ? prefix(k) : base
            let part = RegularizerContribution(regularizer: r, game: game, sizes: omega.sizes)
            // Jᵀu of the contribution, column by column.
            let n = omega.count, u64 = u.converted(to: .float64).flat
            let col = Tensor.zeros([n], dtype: .float64)
            for c in 0..<n {
                let e = Tensor.zeros([n], dtype: .float64)
                e[c] = 1
                col[c] = part.centralDifference(at: omega, along: BlockVector(flat: e, sizes: omega.sizes), sample: .exact)
                    .converted(to: .float64).flat.dot(u64)
            }
            out.axpy(1, BlockVector(flat: col.converted(to: out.dtype), sizes: omega.sizes))
        }
        return out
    }

    public var productCosts: ProductCosts {
        if let game = differentiable { return game.productCosts }
        var c = base.productCosts
        if !regularizers.isEmpty, c.method != "central differences" { c.method += " + central differences of the regularizers" }
        return c
    }
}

/// One regularizer's closed-form contribution γ∇R as an operator of its own (for its Jacobian).
struct RegularizerContribution: VariationalInequality {
    let regularizer: any Regularizer
    let game: any Game
    let sizes: PerPlayer<Int>
    var name: String { regularizer.description }
    var dtype: DType { game.dtype }
    var domain: ProductDomain { .unconstrained }
    var initialPoint: BlockVector { game.initialPoint }
    func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        regularizer.contribution(at: omega, of: game)
    }
}
