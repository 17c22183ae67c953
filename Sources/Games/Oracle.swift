import Tensors

/// Oracle accounting in the smallest units (SPEC §1–2).
///
/// One **oracle call** is one evaluation of F, both blocks, on one minibatch. A block evaluation is
/// half a call, so alternating GDA with k discriminator steps costs (k+1)/2 calls per iteration.
public struct OracleCounter: Sendable, Equatable, Codable {
    /// Evaluations of one player's block of F.
    public var blockEvaluations: Int = 0
    /// Samples drawn (minibatch sizes summed over calls; 0 for exact operators).
    public var samples: Int = 0
    public init() {}
    /// Oracle calls: block evaluations divided by the number of players (2).
    public var oracleCalls: Double { Double(blockEvaluations) / 2 }
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
    }

    public var checkpoint: Checkpoint { Checkpoint(counter: counter, batchSize: batchSize, generator: generator) }

    /// Resumes from a checkpoint taken on an oracle for the same problem.
    public mutating func restore(_ c: Checkpoint) {
        counter = c.counter
        batchSize = c.batchSize
        generator = c.generator
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
        return problem.field(at: omega, blocks: blocks, sample: request)
    }

    /// ω ← P_S(ω).
    public func project(_ omega: inout BlockVector) { problem.domain.project(&omega) }

    /// Projects only `player`'s block.
    public func project(_ omega: inout BlockVector, player: Player) { problem.domain.project(&omega, player: player) }
}
