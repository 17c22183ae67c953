import Tensors

/// Oracle accounting in the smallest units (SPEC §1–2).
///
/// One **oracle call** is one evaluation of F, both blocks, on one minibatch. A block evaluation is
/// half a call, so alternating GDA with k discriminator steps costs (k+1)/2 calls per iteration.
///
/// Jacobian products of F are charged in the same unit, each at the cost its game declares
/// (``ProductCosts``: fixed constants from operation counts, e.g. 3 calls for a JVP of a neural
/// GAN's field), so methods that use them are compared at equal cost.
public struct OracleCounter: Sendable, Equatable, Codable {
    /// Evaluations of one player's block of F.
    public var blockEvaluations: Int = 0
    /// Samples drawn (minibatch sizes summed over calls; 0 for exact operators).
    public var samples: Int = 0
    /// Jacobian products taken, and their declared cost in oracle calls.
    public var jacobianVectorProducts: Int = 0
    public var vectorJacobianProducts: Int = 0
    public var hessianVectorProducts: Int = 0
    public var productCalls: Double = 0
    public init() {}
    /// Oracle calls: block evaluations divided by the number of players (2), plus the products' cost.
    public var oracleCalls: Double { Double(blockEvaluations) / 2 + productCalls }

    enum CodingKeys: String, CodingKey {
        case blockEvaluations, samples, jacobianVectorProducts, vectorJacobianProducts, hessianVectorProducts, productCalls
    }
    /// Counters written before products were counted (checkpoint format 2) read as zero products.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        blockEvaluations = try c.decode(Int.self, forKey: .blockEvaluations)
        samples = try c.decode(Int.self, forKey: .samples)
        jacobianVectorProducts = try c.decodeIfPresent(Int.self, forKey: .jacobianVectorProducts) ?? 0
        vectorJacobianProducts = try c.decodeIfPresent(Int.self, forKey: .vectorJacobianProducts) ?? 0
        hessianVectorProducts = try c.decodeIfPresent(Int.self, forKey: .hessianVectorProducts) ?? 0
        productCalls = try c.decodeIfPresent(Double.self, forKey: .productCalls) ?? 0
    }
}

/// The only road from a solver to F: evaluates the problem's operator and charges the counter.
///
/// For a stochastic problem each call draws a fresh minibatch of ``batchSize`` samples, from a seed
/// taken from the oracle's own generator, so a run is reproducible from its seed.
public struct Oracle {
    public let problem: any VariationalInequality
    public private(set) var counter = OracleCounter()
    /// The minibatch size of the next calls (SRFB's schedules change it per iteration).
    public var batchSize: Int
    var generator: RandomGenerator
    /// The minibatch of the latest evaluation of F: Jacobian products are taken on it unless told otherwise.
    public private(set) var lastSample: SampleRequest = .exact
    /// The most oracle calls the run may spend (its `maxOracleCalls`), when it has a budget: a method
    /// whose iterations cost a varying number of calls (CGD's inner solve) sizes its work to fit.
    /// Not part of a checkpoint: the run's configuration sets it.
    public var callBudget: Double? = nil
    /// Calls left under ``callBudget`` (nil without a budget).
    public var remainingCalls: Double? { callBudget.map { $0 - counter.oracleCalls } }

    /// - Parameters:
    ///   - seed: seeds the minibatch draws.
    ///   - batchSize: default the problem's ``VariationalInequality/defaultBatchSize``.
    public init(_ problem: any VariationalInequality, seed: UInt64 = 0, batchSize: Int? = nil) {
        self.problem = problem
        self.batchSize = batchSize ?? problem.defaultBatchSize
        self.generator = RandomGenerator(seed: seed)
    }

    /// What a checkpoint needs to resume the oracle bit for bit: counts, batch size, generator state.
    public struct Checkpoint: Codable, Sendable, Equatable {
        public var counter: OracleCounter
        public var batchSize: Int
        public var generator: RandomGenerator
        /// nil in checkpoints written before products existed (format 2): the exact field.
        public var lastSample: SampleRequest?
    }

    public var checkpoint: Checkpoint { Checkpoint(counter: counter, batchSize: batchSize, generator: generator, lastSample: lastSample) }

    /// Resumes from a checkpoint taken on an oracle for the same problem.
    public mutating func restore(_ c: Checkpoint) {
        counter = c.counter
        batchSize = c.batchSize
        generator = c.generator
        lastSample = c.lastSample ?? .exact
    }

    /// S = Θ × Φ.
    public var domain: ProductDomain { problem.domain }

    /// F(ω) on `blocks` (both by default; the others are zeros), charging one block evaluation per
    /// block and, for a stochastic problem, `batchSize` samples.
    public mutating func field(at omega: BlockVector, blocks: Set<Player> = Player.both) -> BlockVector {
        counter.blockEvaluations += blocks.count
        let request: SampleRequest
        if problem.isStochastic {
            ensure(batchSize >= 1, "Oracle: batch size \(batchSize) < 1")
            counter.samples += batchSize
            request = .minibatch(size: batchSize, seed: generator.next())
        } else {
            request = .exact
        }
        lastSample = request
        return problem.field(at: omega, blocks: blocks, sample: request)
    }

    /// J(ω)·v, charged ``ProductCosts/jvp`` oracle calls; on `sample` (default: the minibatch of
    /// the latest evaluation of F, so F and its products see the same samples).
    public mutating func jacobianVectorProduct(at omega: BlockVector, _ v: BlockVector, sample: SampleRequest? = nil) -> BlockVector {
        counter.jacobianVectorProducts += 1
        counter.productCalls += problem.productCosts.jvp
        return problem.jacobianVectorProduct(at: omega, v, sample: sample ?? lastSample)
    }

    /// Jᵀ(ω)·u, charged ``ProductCosts/vjp`` oracle calls (sample as for the JVP).
    public mutating func vectorJacobianProduct(at omega: BlockVector, _ u: BlockVector, sample: SampleRequest? = nil) -> BlockVector {
        counter.vectorJacobianProducts += 1
        counter.productCalls += problem.productCosts.vjp
        return problem.vectorJacobianProduct(at: omega, u, sample: sample ?? lastSample)
    }

    /// ∂F_p/∂ω_p · v_p, player p's Hessian block (its loss's Hessian in its own parameters for a
    /// game), charged ``ProductCosts/hvp`` oracle calls (sample as for the JVP).
    public mutating func hessianVectorProduct(at omega: BlockVector, _ v: Tensor, player: Player, sample: SampleRequest? = nil) -> Tensor {
        counter.hessianVectorProducts += 1
        counter.productCalls += problem.productCosts.hvp
        return problem.hessianVectorProduct(at: omega, v, player: player, sample: sample ?? lastSample)
    }

    /// ω ← P_S(ω).
    public func project(_ omega: inout BlockVector) { problem.domain.project(&omega) }

    /// Projects only `player`'s block.
    public func project(_ omega: inout BlockVector, player: Player) { problem.domain.project(&omega, player: player) }
}
