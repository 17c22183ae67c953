import Autodiff
import Tensors

/// One evaluation of a ``DifferentiableGame``, recorded by Autodiff: the players' parameters as
/// variables, their losses as means over one minibatch, and — for a GAN — what its discriminator
/// reads, so regularizers can add terms that are differentiated with everything else.
public struct GameGraph {
    /// θ and φ as differentiable leaves.
    public let parameters: PerPlayer<Variable>
    /// (L_G, L_D), each a mean over the graph's samples (plus terms that do not depend on them).
    public let losses: PerPlayer<Variable>
    /// The number of samples the losses average over.
    public let batchSize: Int
    /// The discriminator and its inputs, for games that have them (GANs); nil otherwise.
    public let discriminator: DiscriminatorInputs?

    public init(parameters: PerPlayer<Variable>, losses: PerPlayer<Variable>, batchSize: Int, discriminator: DiscriminatorInputs? = nil) {
        self.parameters = parameters
        self.losses = losses
        self.batchSize = batchSize
        self.discriminator = discriminator
    }
}

/// A GAN's discriminator D_φ on a recorded graph, with its inputs: real samples x, generated
/// samples G_θ(z) and interpolates x̂ = εx + (1 − ε)G_θ(z) (ε ∼ U(0, 1) per sample), the inputs of
/// the input-gradient penalties of SPEC §3.
public struct DiscriminatorInputs {
    /// x (constants), G_θ(z) and x̂, rows = samples.
    public let real: Variable
    public let fake: Variable
    /// x̂, recorded when first asked for (only WGAN-GP reads it).
    public var interpolates: Variable { makeInterpolates() }
    let makeInterpolates: () -> Variable
    let apply: (Variable) -> Variable
    /// D's outputs already recorded for some inputs (the losses' D(x) and D(G(z))), reused by
    /// ``inputGradient(on:)`` instead of a second forward pass.
    let known: [(input: Variable, output: Variable)]

    /// - Parameters:
    ///   - discriminator: x ↦ D_φ(x) at the graph's φ.
    ///   - outputs: D's recorded outputs on inputs that require gradients (optional).
    public init(real: Variable, fake: Variable, interpolates: @escaping () -> Variable, outputs: [(input: Variable, output: Variable)] = [],
                discriminator: @escaping (Variable) -> Variable) {
        self.real = real
        self.fake = fake
        self.makeInterpolates = interpolates
        self.apply = discriminator
        self.known = outputs.filter { $0.input.requiresGradient }
    }

    /// D_φ at the rows of `x` (the recorded output when there is one).
    public func callAsFunction(_ x: Variable) -> Variable { known.first { $0.input === x }?.output ?? apply(x) }

    /// r = ∇x D_φ(x) per row ([n, d]), recorded so it can be differentiated with respect to φ (and
    /// θ, through generated samples).
    public func inputGradient(on x: Variable) -> Variable {
        if let k = known.first(where: { $0.input === x }) {
            return gradients(of: k.output.sum(), withRespectTo: [x], createGraph: true)[0]
        }
        let input = x.requiresGradient ? x : Variable(x.value, requiresGradient: true)
        return gradients(of: apply(input).sum(), withRespectTo: [input], createGraph: true)[0]
    }
}

/// A game whose losses are recorded `Variable` computations of both players' parameters and of a
/// minibatch drawn from a seed (SPEC §1): F = (∇θ L_G, ∇φ L_D), its Jacobian products, and every
/// regularizer's terms (``Regularizer/lossTerms(in:)``, ``Regularizer/fieldTerms(_:in:)``) all come
/// from the recorded graph, so they hold for any networks (``NeuralGAN`` with any ``Network``s, or a
/// user's own game) without a line of game-specific code.
///
/// A conforming type implements ``record(_:samples:seed:)``; the rest has defaults.
///
/// **Shards.** A minibatch of n samples is drawn as S = ``shards`` shards of ⌈n/S⌉ or ⌊n/S⌋
/// samples, shard s from its own seed (the call's seed itself when S = 1, else the first word of
/// `RandomGenerator(seed).split(s)`), and F = Σₛ (nₛ/n) Fₛ, summed over shard indices in a fixed
/// tree. Each shard is differentiated serially; ``threads`` threads compute the shards at once
/// (shard s on thread s mod threads). So F depends on S, never on the thread count or on where a
/// shard runs. This is exact for losses and regularizers that are means over the samples; a
/// regularizer that is not (``Regularizer/isMeanOverSamples``, the consensus term) makes the whole
/// minibatch one shard.
///
/// **Ranks.** With a ``processGroup`` of R processes (MPI ranks) and R dividing the shard count,
/// rank r computes shards r·S/R ..< (r+1)·S/R, the shards' results are all-gathered, and every rank
/// sums them in the same tree: the same bits as one process computing all S shards. When R does not
/// divide the count (one shard, for a regularizer that is not a mean), every rank computes all.
public protocol DifferentiableGame: Game {
    /// The players' losses at `parameters` (leaves θ, φ) on `samples` samples drawn from `seed`,
    /// as means over those samples.
    func record(_ parameters: PerPlayer<Variable>, samples: Int, seed: UInt64) -> GameGraph
    /// The seed of the evaluation batch: the exact field is the field on it (``SampleRequest/exact``).
    var evaluationSeed: UInt64 { get }
    /// Whether graphs carry ``GameGraph/discriminator`` (the input-gradient penalties need it).
    var hasDiscriminatorInputs: Bool { get }
    /// S, the shards a minibatch is drawn and differentiated as (1 by default).
    var shards: Int { get }
    /// Threads computing the shards (1 by default).
    var threads: Int { get }
    /// The processes sharing the shards (``SingleProcess`` by default).
    var processGroup: any ProcessGroup { get }
}

extension DifferentiableGame {
    public var hasDiscriminatorInputs: Bool { false }
    public var shards: Int { 1 }
    public var threads: Int { 1 }
    public var processGroup: any ProcessGroup { SingleProcess.shared }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        field(at: omega, blocks: blocks, sample: sample, regularizers: [])
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> { losses(at: omega, regularizers: []) }

    /// (size, seed) of the minibatch `sample` asks for.
    public func batch(_ sample: SampleRequest) -> (size: Int, seed: UInt64) {
        switch sample {
        case .exact: return (defaultBatchSize, evaluationSeed)
        case .minibatch(let size, let seed): return (size, seed)
        }
    }

    /// The shards of a minibatch of `size` from `seed` with `regularizers` applied: (samples, seed)
    /// per shard. One shard when S = 1, when a regularizer is not a mean over samples, or when the
    /// batch is smaller than S.
    public func shardPlan(size: Int, seed: UInt64, regularizers: [any Regularizer]) -> [(samples: Int, seed: UInt64)] {
        let s = shards
        guard s > 1, size >= s, regularizers.allSatisfy(\.isMeanOverSamples) else { return [(size, seed)] }
        let root = RandomGenerator(seed: seed)
        return (0..<s).map { k in
            var stream = root.split(UInt64(k))
            return (size / s + (k < size % s ? 1 : 0), stream.next())
        }
    }

    /// The recorded field of one shard: F = (∇θ L_G, ∇φ L_D) of the graph's losses with every
    /// regularizer applied in order — loss terms added to the losses, and field terms (which see
    /// the field of everything before them) added as loss terms of their own. With `createGraph`
    /// the result can be differentiated again (Jacobian products).
    public func recordedField(_ parameters: PerPlayer<Variable>, samples: Int, seed: UInt64,
                              regularizers: [any Regularizer], createGraph: Bool, into destination: PerPlayer<Tensor>? = nil) -> PerPlayer<Variable> {
        let graph = record(parameters, samples: samples, seed: seed)
        return regularizedField(graph, regularizers: regularizers, createGraph: createGraph, into: destination).field
    }

    /// F on a recorded graph with `regularizers`, and the regularized losses.
    ///
    /// The field is built lazily: pending loss terms are differentiated only when a field term
    /// needs the field so far, or at the end, so a list without field terms costs one reverse
    /// sweep per player, and each field term one more sweep through the recorded field.
    /// With `destination` (first order, no field term), each player's gradient is written there.
    public func regularizedField(_ graph: GameGraph, regularizers: [any Regularizer], createGraph: Bool, into destination: PerPlayer<Tensor>? = nil)
        -> (field: PerPlayer<Variable>, losses: PerPlayer<Variable>) {
        let p = graph.parameters
        var total = graph.losses
        var pending: PerPlayer<Variable?> = PerPlayer(generator: graph.losses.generator, discriminator: graph.losses.discriminator)
        var field: PerPlayer<Variable>? = nil
        func add(_ terms: PerPlayer<Variable?>) {
            for player in Player.allCases {
                guard let t = terms[player] else { continue }
                pending[player] = pending[player].map { $0 + t } ?? t
                total[player] = total[player] + t
            }
        }
        func differentiatePending(record: Bool) {
            var f = PerPlayer<Variable?>(nil)
            for player in Player.allCases {
                guard let loss = pending[player] else { continue }
                if record {
                    f[player] = gradients(of: loss, withRespectTo: [p[player]], createGraph: true)[0]
                } else {
                    // First order: each layer's gradient is written straight into its slice of the vector.
                    let g = field == nil ? destination?[player] ?? Tensor(uninitialized: p[player].shape, dtype: p[player].dtype)
                                         : Tensor(uninitialized: p[player].shape, dtype: p[player].dtype)
                    gradients(of: loss, withRespectTo: [p[player]], into: [g])
                    f[player] = Variable(g)
                }
            }
            var next = PerPlayer(generator: f.generator ?? Variable(Tensor.zeros(p.generator.shape, dtype: p.generator.dtype)),
                                 discriminator: f.discriminator ?? Variable(Tensor.zeros(p.discriminator.shape, dtype: p.discriminator.dtype)))
            if let before = field {
                next = PerPlayer(generator: f.generator.map { before.generator + $0 } ?? before.generator,
                                 discriminator: f.discriminator.map { before.discriminator + $0 } ?? before.discriminator)
            }
            field = next
            pending = PerPlayer(nil)
        }
        for r in regularizers {
            add(r.lossTerms(in: graph))
            if r.readsField {
                differentiatePending(record: true)
                if let terms = r.fieldTerms(field!, in: graph) { add(terms) }
            }
        }
        if field == nil || pending.generator != nil || pending.discriminator != nil { differentiatePending(record: createGraph) }
        return (field!, total)
    }

    /// F(ω) with `regularizers` (``Regularized`` calls this): the shards of the request's
    /// minibatch, each differentiated on one of ``threads`` threads, combined in a fixed order.
    /// Shard 0 writes its field straight into the result, which the others are then added to.
    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest, regularizers: [any Regularizer]) -> BlockVector {
        let (size, seed) = batch(sample)
        let plan = shardPlan(size: size, seed: seed, regularizers: regularizers)
        var out = BlockVector(flat: Tensor(uninitialized: [omega.count], dtype: dtype), sizes: omega.sizes)
        let destination = PerPlayer(generator: out[.generator], discriminator: out[.discriminator])
        let parts = computeShards(plan.count) { s in
            let f = recordedField(omega.leaves(), samples: plan[s].samples, seed: plan[s].seed, regularizers: regularizers,
                                  createGraph: false, into: s == 0 ? destination : nil)
            return [f.generator.value, f.discriminator.value]
        }
        combineShards(parts, weights: plan.map { Double($0.samples) / Double(size) }, into: out)
        for p in Player.allCases where !blocks.contains(p) { out.withBlock(p) { $0.fill(0) } }
        return out
    }

    /// Runs `body(s)` for every shard s in 0..<`count` on ``threads`` threads; results in shard order.
    func computeShards(_ count: Int, _ body: (Int) -> [Tensor]) -> [[Tensor]] {
        let group = processGroup
        let distributed = group.size > 1 && count % group.size == 0
        let per = distributed ? count / group.size : count, first = distributed ? group.rank * per : 0
        let slots = (0..<per).map { _ in ShardSlot() }
        forEachConcurrently(per, threads: threads) { i in slots[i].value = body(first + i) }
        let local = slots.map { $0.value }
        return distributed ? gatherShards(local, count: count, first: first, group: group) : local
    }

    /// Every rank's shard results (`local`: shards first ..< first + local.count, each a list of
    /// tensors of the same shapes on every shard and rank) on every rank, in shard order: the
    /// tensors' bytes, packed shard by shard, through one ``ProcessGroup/allGather(_:into:)``.
    func gatherShards(_ local: [[Tensor]], count: Int, first: Int, group: any ProcessGroup) -> [[Tensor]] {
        let layout = local[0].map { (shape: $0.shape, dtype: $0.dtype, bytes: $0.shape.count * $0.dtype.byteSize) }
        let shardBytes = layout.reduce(0) { $0 + $1.bytes }
        let send = UnsafeMutableRawBufferPointer.allocate(byteCount: max(local.count * shardBytes, 1), alignment: 64)
        let receive = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count * shardBytes, 1), alignment: 64)
        defer { send.deallocate(); receive.deallocate() }
        var at = 0
        for shard in local {
            for (t, l) in zip(shard, layout) {
                ensure(t.shape == l.shape && t.dtype == l.dtype, "gatherShards: shards of different shapes")
                (send.baseAddress! + at).copyMemory(from: t.address, byteCount: l.bytes)
                at += l.bytes
            }
        }
        group.allGather(UnsafeRawBufferPointer(start: send.baseAddress, count: local.count * shardBytes),
                        into: UnsafeMutableRawBufferPointer(start: receive.baseAddress, count: count * shardBytes))
        return (0..<count).map { s in
            if s >= first && s < first + local.count { return local[s - first] }
            var at = s * shardBytes
            return layout.map { l in
                let t = Tensor(uninitialized: l.shape, dtype: l.dtype)
                t.address.copyMemory(from: receive.baseAddress! + at, byteCount: l.bytes)
                at += l.bytes
                return t
            }
        }
    }

    /// Σₛ wₛ Fₛ over the shards' (θ, φ) blocks: a fixed binary tree over the shard indices, each
    /// player's block on its own thread; with equal weights the last addition also scales
    /// (w·(a + b) in one pass, as axpby), otherwise each part is scaled first.
    func combineShards(_ parts: [[Tensor]], weights: [Double]) -> BlockVector {
        let out = BlockVector(generator: parts[0][0], discriminator: parts[0][1])
        combineShards([[out[.generator], out[.discriminator]]] + parts.dropFirst(), weights: weights, into: out)
        return out
    }

    /// ``combineShards(_:weights:)`` into `out`, whose blocks hold shard 0's field already (or
    /// are `parts[0]`'s own storage).
    func combineShards(_ parts: [[Tensor]], weights: [Double], into out: BlockVector) {
        let destination = [out[.generator], out[.discriminator]]
        for b in 0..<2 where !(parts[0][b] === destination[b]) && !parts[0][b].overlaps(destination[b]) { destination[b].copy(from: parts[0][b]) }
        guard parts.count > 1 else { return }
        let equal = weights.allSatisfy { $0 == weights[0] }
        forEachConcurrently(2, threads: min(threads, 2)) { b in
            let level = [destination[b]] + parts.dropFirst().map { $0[b] }
            if !equal { for (t, w) in zip(level, weights) { t.scale(by: w) } }
            var step = 1
            while step < level.count {
                let last = 2 * step >= level.count
                for i in stride(from: 0, to: level.count - step, by: 2 * step) {
                    if last && equal { level[i].axpby(weights[0], level[i + step], weights[0]) } else { level[i].add(level[i + step]) }
                }
                step *= 2
            }
        }
    }

    /// (L_G, L_D) on the evaluation batch (one graph), with the regularizers' terms.
    public func losses(at omega: BlockVector, regularizers: [any Regularizer]) -> PerPlayer<Double> {
        let (size, seed) = batch(.exact)
        let graph = record(omega.leaves(), samples: size, seed: seed)
        guard regularizers.contains(where: \.readsField) else {
            var l = graph.losses
            for r in regularizers {
                let t = r.lossTerms(in: graph)
                for p in Player.allCases { if let term = t[p] { l[p] = l[p] + term } }
            }
            return l.map(\.scalar)
        }
        return regularizedField(graph, regularizers: regularizers, createGraph: false).losses.map(\.scalar)
    }
}

/// One shard's result, written by the thread that computed it.
final class ShardSlot: @unchecked Sendable { var value: [Tensor] = [] }

extension BlockVector {
    /// θ and φ as differentiable leaves: views of ω's storage, no copy (a recorded graph only
    /// reads its leaves; the caller must not change ω while the graph is in use).
    public func leaves() -> PerPlayer<Variable> {
        PerPlayer(generator: Variable(self[.generator], requiresGradient: true),
                  discriminator: Variable(self[.discriminator], requiresGradient: true))
    }
}
