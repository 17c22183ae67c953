import Autodiff
import Games
import Networks
import Tensors
import Testing
import TestSupport

/// A minibatch drawn and differentiated as S shards (``DifferentiableGame``): F is the field of the
/// losses on all the shards' samples together — for every loss and every regularizer that is a
/// mean over samples — whatever the shard sizes; its bits depend on S only, not on the threads; the
/// consensus term, which squares F, keeps the minibatch in one shard.
@Suite("Differentiable games: F from S shards")
struct NeuralGANShardsTests {
    static func makeGAN(loss: NeuralGAN.Loss, shards: Int, threads: Int, batch: Int = 8) -> NeuralGAN {
        var rng = RandomGenerator(seed: 41)
        let g = MLP([3, 6, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 7, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(generator: g, discriminator: d, loss: loss, batchSize: batch, shards: shards, threads: threads) { rng, n in
            Tensor.normal([n, 2], mean: 0.5, dtype: .float64, using: &rng)
        }
    }

    static func regularizer(_ which: String) throws -> (any Regularizer)? {
        switch which {
        case "none": return nil
        case "tikhonov": return try Tikhonov(on: .discriminator, weight: 0.7)
        case "symmetric": return try Tikhonov.symmetric(weight: 0.7)
        case "sgp": return try GradientPenalty(real: 1, fake: 0.5, weight: 0.7)
        case "r1": return try GradientPenalty.r1(weight: 0.7)
        case "wgan-gp": return try WassersteinGradientPenalty(weight: 0.7)
        case "clipping": return try WeightClipping(bound: 0.5)
        default: return try Consensus(weight: 0.7)
        }
    }

    /// The independent computation: every shard's samples drawn as the plan says, concatenated
    /// into one batch, and F of the losses (with the regularizers' loss terms) on it, in one graph.
    static func concatenatedField(_ gan: NeuralGAN, _ rs: [any Regularizer], omega: BlockVector, sample: SampleRequest) -> BlockVector {
        let whole = concatenatedShardBatch(gan, sample, regularizers: rs)
        let graph = gan.graph(omega.leaves(), batch: whole)
        let f = gan.regularizedField(graph, regularizers: rs, createGraph: false).field
        return BlockVector(generator: f.generator.value, discriminator: f.discriminator.value)
    }

    @Test(arguments: ["none", "tikhonov", "symmetric", "sgp", "r1", "wgan-gp", "clipping", "consensus"], NeuralGAN.Loss.allCases)
    func shardsGiveTheFieldOfAllTheirSamples(which: String, loss: NeuralGAN.Loss) throws {
        let rs = try Self.regularizer(which).map { [$0] } ?? []
        for (batch, shards) in [(8, 2), (7, 3), (8, 1)] {
            let gan = Self.makeGAN(loss: loss, shards: shards, threads: 1, batch: batch)
            let game = try Regularized(gan, by: rs)
            let omega = game.initialPoint.copy()
            #expect(gan.shardPlan(size: batch, seed: 3, regularizers: rs).count == (which == "consensus" ? 1 : shards))
            for sample in [SampleRequest.exact, .minibatch(size: batch, seed: 3)] {
                let a = Self.concatenatedField(gan, rs, omega: omega, sample: sample)
                let b = game.field(at: omega, blocks: Player.both, sample: sample)
                #expect(a.distance(to: b) <= 1e-13 * max(1, a.norm()), "\(which), \(loss), n \(batch), S \(shards): ‖F_S − F‖ = \(a.distance(to: b))")
                #expect(a.norm() > 1e-3)
            }
        }
    }

    /// The bits depend on S only: 1, 2 and 3 threads give the same F for S = 4.
    @Test func threadsDoNotChangeTheBits() throws {
        let rs: [any Regularizer] = [try GradientPenalty.r1(weight: 0.3)]
        let fields = try [1, 2, 3].map { t in
            try Regularized(Self.makeGAN(loss: .nonSaturating, shards: 4, threads: t, batch: 12), by: rs)
                .field(at: Self.makeGAN(loss: .nonSaturating, shards: 4, threads: 1).initialPoint, blocks: Player.both, sample: .minibatch(size: 12, seed: 9))
        }
        #expect(fields[0].isBitIdentical(to: fields[1]) && fields[0].isBitIdentical(to: fields[2]))
    }
}

/// A two-rank group simulated in one process: this rank's bytes go to its slot; the other rank's
/// slot gets `other` (what that rank sent, recorded in an earlier call), or zeros.
final class SimulatedRank: ProcessGroup, @unchecked Sendable {
    let rank: Int
    let size = 2
    var other: [UInt8]?
    var sent: [UInt8] = []
    init(rank: Int, other: [UInt8]? = nil) { self.rank = rank; self.other = other }
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        sent = Array(send)
        let n = send.count
        for r in 0..<2 {
            let slot = UnsafeMutableRawBufferPointer(rebasing: receive[(r * n)..<((r + 1) * n)])
            if r == rank { slot.copyMemory(from: send) } else if let o = other { o.withUnsafeBytes { slot.copyMemory(from: $0) } } else {
                slot.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
    }
    func any(_ flag: Bool) -> Bool { flag }
    func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { bytes }
}

@Suite("Differentiable games: shards over ranks")
struct ShardsOverRanksTests {
    static func makeGAN(_ group: any ProcessGroup) -> NeuralGAN {
        var rng = RandomGenerator(seed: 41)
        let g = MLP([3, 6, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 7, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(generator: g, discriminator: d, batchSize: 12, shards: 4, threads: 1, processGroup: group) { rng, n in
            Tensor.normal([n, 2], mean: 0.5, dtype: .float64, using: &rng)
        }
    }

    /// Each of 2 ranks computes and sends 2 of the 4 shards' fields (2 × the parameter count of
    /// doubles), and with the other rank's shards the field has every bit of one process's.
    @Test func eachRankComputesItsShardsAndAllGetTheSameBits() throws {
        let single = Self.makeGAN(SingleProcess.shared)
        let omega = single.initialPoint.copy()
        let sample = SampleRequest.minibatch(size: 12, seed: 9)
        let reference = single.field(at: omega, blocks: Player.both, sample: sample)
        let r0 = SimulatedRank(rank: 0), r1 = SimulatedRank(rank: 1)
        _ = Self.makeGAN(r0).field(at: omega, blocks: Player.both, sample: sample)
        _ = Self.makeGAN(r1).field(at: omega, blocks: Player.both, sample: sample)
        #expect(r0.sent.count == 2 * omega.count * 8 && r1.sent.count == r0.sent.count)
        #expect(r0.sent != r1.sent)
        for (rank, other) in [(0, r1.sent), (1, r0.sent)] {
            let f = Self.makeGAN(SimulatedRank(rank: rank, other: other)).field(at: omega, blocks: Player.both, sample: sample)
            #expect(f.flat.scalars.map(\.bitPattern) == reference.flat.scalars.map(\.bitPattern), "rank \(rank)")
        }
        // Without the other rank's shards (zeros in their place) the field is not F.
        let partial = Self.makeGAN(SimulatedRank(rank: 0)).field(at: omega, blocks: Player.both, sample: sample)
        #expect(partial.flat.scalars != reference.flat.scalars)
    }
}

@Suite("Bilinear games: rows of A over ranks")
struct MatrixRowsOverRanksTests {
    /// Two simulated ranks each compute half of the rows of Aφ and their share of Aᵀθ, send
    /// (m/2 + n) doubles, and get every bit of the two-core product of one process.
    @Test func twoRanksGiveTheBitsOfTheTwoCoreSplit() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.normal([400, 400], dtype: .float64, using: &rng)
        let x = Tensor.normal([400], dtype: .float64, using: &rng), y = Tensor.normal([400], dtype: .float64, using: &rng)
        let reference = matrixVectorPair(a, x, y, cores: 2)
        let r0 = SimulatedRank(rank: 0), r1 = SimulatedRank(rank: 1)
        _ = matrixVectorPair(a, x, y, group: r0)
        _ = matrixVectorPair(a, x, y, group: r1)
        #expect(r0.sent.count == (200 + 400) * 8 && r1.sent.count == r0.sent.count)
        for (rank, other) in [(0, r1.sent), (1, r0.sent)] {
            let (ax, aty) = matrixVectorPair(a, x, y, group: SimulatedRank(rank: rank, other: other))
            #expect(ax.scalars.map(\.bitPattern) == reference.ax.scalars.map(\.bitPattern), "rank \(rank)")
            #expect(aty.scalars.map(\.bitPattern) == reference.aty.scalars.map(\.bitPattern), "rank \(rank)")
        }
        let (partial, _) = matrixVectorPair(a, x, y, group: SimulatedRank(rank: 0))
        #expect(partial.scalars != reference.ax.scalars)
    }
}
