import Autodiff
import Foundation
import Tensors

/// Batch normalization over the channels of x [N, C, …] (Ioffe & Szegedy 2015), with PyTorch's
/// `nn.BatchNorm2d` conventions: scale γ (`<name>.weight`, initially 1) and shift β (`<name>.bias`,
/// 0) are views into the player's ``ParameterBuffer``; ε = 1e-5; momentum 0.1; the running mean
/// and the unbiased running variance (`<name>.running_mean` 0, `<name>.running_var` 1, PyTorch's
/// buffer names; `num_batches_tracked` is not kept) are non-trainable state.
///
/// - `.training` mode: y = γ(x − μ_B)/√(σ²_B + ε) + β with the statistics of the batch the call
///   sees (``Autodiff/batchNormalization(_:scale:shift:epsilon:)``, differentiable to any order).
/// - `.evaluation` mode: the same with the running statistics, constants.
///
/// **Shards.** A GAN's minibatch is split into S shards whose fields are computed separately
/// (``NeuralGAN``), so each training-mode call normalizes with its own shard's statistics —
/// per-shard batch statistics, as PyTorch's DistributedDataParallel without SyncBatchNorm. F then
/// depends on S (as it does on the batch size) but not on threads or processes.
///
/// **Running statistics.** Every training-mode call records its batch statistics (μ_B, unbiased
/// σ²_B, and the entries m per channel) under a lock — shards run on threads. ``update()``, which
/// the network calls from ``Network/updateNonTrainableState(parameters:)`` once per solver iteration,
/// averages what was recorded since the last update, weighting by m, in a canonical order (sorted by
/// m, then by the bits of μ_B and σ²_B, so neither the threads' timing nor the shards' finishing
/// order changes a bit), folds the average in, r ← (1 − 0.1)·r + 0.1·average, and clears the
/// record. With one call per iteration this is PyTorch's update; with S shards it is the update of
/// the whole batch's per-shard statistics; calls made in training mode between two updates (the
/// solver's extra evaluations, an observer's loss evaluation) count toward the next update. The
/// record is not checkpointed: `saddle train` updates after its metrics' evaluations and before
/// its checkpoint, in every iteration, so nothing waits in the record when a checkpoint is written
/// (the metrics' evaluations at the exact batch, every `--log-every` iterations, do count).
///
/// **Processes (MPI).** A rank records only the shards it computes. ``update(group:)`` all-gathers
/// every rank's record and merges them — a statistic recorded by several ranks (a shard every rank
/// computed: the exact batch, or a shard count the ranks do not divide) counts as often as one
/// rank recorded it, one computed by one rank counts once — so every rank folds in what a single
/// process would have recorded, and the running statistics' bits do not depend on the rank count.
public final class BatchNorm {
    public let channels: Int
    public let name: String
    public let momentum = 0.1
    public let epsilon = 1e-5
    let weightIndex: Int, biasIndex: Int
    public unowned let buffer: ParameterBuffer
    /// Running statistics [C], in the buffer's dtype.
    public let runningMean: Tensor, runningVariance: Tensor

    struct Statistics {
        let entries: Int, mean: [Double], variance: [Double]
        /// The statistic's bits, for telling equal records apart.
        var key: [UInt64] { [UInt64(entries)] + (mean + variance).map(\.bitPattern) }
    }
    private let lock = NSLock()
    private var recorded: [Statistics] = []
    /// Open ``pausingStatistics(_:)`` scopes; statistics are recorded only when none is.
    private var pauses = 0
    /// Statistics taken by an open ``standing(_:passes:_:)`` scope instead of the record.
    private var captured: [Statistics]?
    /// Statistics kept between updates at most (the canonically smallest), should a caller evaluate
    /// in training mode many times without updating.
    static let recordLimit = 1024

    /// Declares γ and β in `buffer` (before it is finalized; ``ParameterBuffer/finalize(initializing:with:using:)``
    /// and the DCGAN networks set γ = 1 afterwards through ``resetParameters()``).
    public init(_ channels: Int, name: String, in buffer: ParameterBuffer) {
        ensure(channels > 0, "BatchNorm \(name): \(channels) channels")
        self.channels = channels
        self.name = name
        self.buffer = buffer
        weightIndex = buffer.declare("\(name).weight", shape: [channels])
        biasIndex = buffer.declare("\(name).bias", shape: [channels])
        runningMean = Tensor.zeros([channels], dtype: buffer.dtype)
        runningVariance = Tensor.ones([channels], dtype: buffer.dtype)
    }

    public var weight: ParameterBuffer.Parameter { buffer.parameters[weightIndex] }
    public var bias: ParameterBuffer.Parameter { buffer.parameters[biasIndex] }

    /// γ = 1, β = 0 (PyTorch's initialization), after the buffer is finalized.
    public func resetParameters() {
        weight.value.fill(1)
        bias.value.fill(0)
    }

    /// Normalizes x [N, C, …] with γ and β cut from `flat`.
    public func callAsFunction(_ x: Variable, parameters flat: Variable, mode: NetworkMode) -> Variable {
        ensure(x.value.rank >= 2 && x.shape[1] == channels, "BatchNorm \(name): input \(x.shape), expected [N, \(channels), …]")
        let gamma = flat.slice(from: weight.range.lowerBound, shape: [channels])
        let beta = flat.slice(from: bias.range.lowerBound, shape: [channels])
        switch mode {
        case .training:
            let (y, mean, variance) = batchNormalization(x, scale: gamma, shift: beta, epsilon: epsilon)
            record(Statistics(entries: x.count / channels, mean: mean.scalars, variance: variance.scalars))
            return y
        case .evaluation:
            // y = x·a + (β − μ_r·a) with a = γ/√(σ²_r + ε), μ_r and σ²_r constants.
            let shape = x.shape
            let a = gamma / Variable(runningVariance.affine(scale: 1, shift: epsilon).sqrt())
            let shift = beta - a * Variable(runningMean)
            return x * a.broadcastChannels(to: shape) + shift.broadcastChannels(to: shape)
        }
    }

    /// Runs `body` recording no statistics (``Network/pausingStatistics(_:)``); nests.
    public func pausingStatistics<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock(); pauses += 1; lock.unlock()
        defer { lock.lock(); pauses -= 1; lock.unlock() }
        return try body()
    }

    private func record(_ s: Statistics) {
        lock.lock()
        defer { lock.unlock() }
        if captured != nil { captured!.append(s); return }
        guard pauses == 0 else { return }
        recorded.append(s)
        if recorded.count > 2 * Self.recordLimit {
            recorded.sort(by: Self.canonicalOrder)
            recorded.removeLast(recorded.count - Self.recordLimit)
        }
    }

    static func canonicalOrder(_ a: Statistics, _ b: Statistics) -> Bool {
        if a.entries != b.entries { return a.entries < b.entries }
        for (x, y) in zip(a.mean + a.variance, b.mean + b.variance) where x.bitPattern != y.bitPattern {
            return x.bitPattern < y.bitPattern
        }
        return false
    }

    /// Folds the statistics recorded since the last update into the running statistics (see the
    /// type's notes) and clears the record; nothing when nothing was recorded. With a `group` of
    /// several processes, every rank must call it at the same point (two all-gathers).
    public func update(group: any ProcessGroup = SingleProcess.shared) {
        lock.lock()
        let local = recorded.sorted(by: Self.canonicalOrder)
        recorded.removeAll()
        lock.unlock()
        let taken = group.size > 1 ? Self.merged(gather(local, group)) : local
        guard !taken.isEmpty else { return }
        let total = Double(taken.reduce(0) { $0 + $1.entries })
        for c in 0..<channels {
            var mean = 0.0, variance = 0.0
            for s in taken {
                mean += Double(s.entries) * s.mean[c]
                variance += Double(s.entries) * s.variance[c]
            }
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean / total
            runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * variance / total
        }
    }

    /// Every rank's record, by rank: the counts in one all-gather, then the records padded to the
    /// largest count (entries, means, variances as doubles) in another.
    private func gather(_ local: [Statistics], _ group: any ProcessGroup) -> [[Statistics]] {
        let ranks = group.size, width = 1 + 2 * channels
        var count = Int64(local.count)
        var counts = [Int64](repeating: 0, count: ranks)
        withUnsafeBytes(of: &count) { send in counts.withUnsafeMutableBytes { group.allGather(send, into: $0) } }
        let most = Int(counts.max() ?? 0)
        var send = [Double](repeating: 0, count: max(most, 1) * width)
        for (k, s) in local.enumerated() {
            send[k * width] = Double(s.entries)
            for c in 0..<channels { send[k * width + 1 + c] = s.mean[c]; send[k * width + 1 + channels + c] = s.variance[c] }
        }
        var receive = [Double](repeating: 0, count: ranks * send.count)
        send.withUnsafeBytes { sent in receive.withUnsafeMutableBytes { group.allGather(sent, into: $0) } }
        return (0..<ranks).map { r in
            (0..<Int(counts[r])).map { k in
                let row = (r * max(most, 1) + k) * width
                return Statistics(entries: Int(receive[row]), mean: Array(receive[(row + 1)..<(row + 1 + channels)]),
                                  variance: Array(receive[(row + 1 + channels)..<(row + width)]))
            }
        }
    }

    /// The ranks' records merged: each distinct statistic as many times as the rank that recorded
    /// it most often did, in the canonical order.
    static func merged(_ byRank: [[Statistics]]) -> [Statistics] {
        var most: [[UInt64]: (Statistics, Int)] = [:]
        for records in byRank {
            var here: [[UInt64]: (Statistics, Int)] = [:]
            for s in records { here[s.key, default: (s, 0)].1 += 1 }
            for (key, (s, n)) in here where n > most[key]?.1 ?? 0 { most[key] = (s, n) }
        }
        return most.values.flatMap { s, n in Array(repeating: s, count: n) }.sorted(by: canonicalOrder)
    }

    /// Runs `body` with the evaluation-mode statistics of `layers` replaced by *standing statistics*
    /// (Brock, Donahue & Simonyan 2019, "Large scale GAN training", §B: "standing statistics"):
    /// the statistics of every entry the training-mode calls made by `passes` normalize, pooled as
    /// if they were one batch — over calls i with mᵢ entries per channel, batch means μᵢ and
    /// unbiased batch variances sᵢ², M = Σmᵢ,
    ///
    ///     μ = Σ mᵢμᵢ / M,   σ² = (Σ [(mᵢ − 1)sᵢ² + mᵢμᵢ²] − Mμ²) / (M − 1)   (unbiased, as the running variance).
    ///
    /// Why: running statistics are a moving average over the iterates that training visited; a
    /// generator at other parameters — the EMA of the iterates (``Solvers/Averaged``) above all,
    /// which no training-mode call ever ran — would be normalized with statistics of other weights.
    /// Standing statistics are those of the parameters `passes` runs with. The calls in `passes` are
    /// not recorded for the next ``update(group:)``, and the running statistics are restored, bit
    /// for bit, when `body` returns or throws: neither training nor a checkpoint sees the scope.
    /// Not reentrant; not for use while another thread evaluates the layers.
    public static func standing<R>(_ layers: [BatchNorm], passes: () -> Void, _ body: () throws -> R) rethrows -> R {
        for layer in layers {
            layer.lock.lock()
            ensure(layer.captured == nil, "BatchNorm \(layer.name): standing statistics are already being taken")
            layer.captured = []
            layer.lock.unlock()
        }
        passes()
        var saved: [(Tensor, Tensor)] = []
        for layer in layers {
            layer.lock.lock()
            let taken = layer.captured ?? []
            layer.captured = nil
            layer.lock.unlock()
            saved.append((layer.runningMean.copy(), layer.runningVariance.copy()))
            guard let pooled = pooled(taken, channels: layer.channels) else { continue }
            for c in 0..<layer.channels {
                layer.runningMean[c] = pooled.mean[c]
                layer.runningVariance[c] = pooled.variance[c]
            }
        }
        defer {
            for (layer, (mean, variance)) in zip(layers, saved) {
                layer.runningMean.copy(from: mean)
                layer.runningVariance.copy(from: variance)
            }
        }
        return try body()
    }

    /// The statistics of the union of the batches `s` describes (see ``standing(_:passes:_:)``);
    /// nil when they hold fewer than two entries per channel.
    static func pooled(_ s: [Statistics], channels: Int) -> (mean: [Double], variance: [Double])? {
        let total = s.reduce(0) { $0 + $1.entries }
        guard total >= 2 else { return nil }
        let m = Double(total)
        var mean = [Double](repeating: 0, count: channels), variance = mean
        for c in 0..<channels {
            var sum = 0.0, squares = 0.0
            for b in s {
                let k = Double(b.entries)
                sum += k * b.mean[c]
                squares += (k - 1) * b.variance[c] + k * b.mean[c] * b.mean[c]
            }
            mean[c] = sum / m
            variance[c] = max(0, (squares - m * mean[c] * mean[c]) / (m - 1))
        }
        return (mean, variance)
    }

    /// The running statistics, by name.
    public var state: [(name: String, tensor: Tensor)] { [("\(name).running_mean", runningMean), ("\(name).running_var", runningVariance)] }
}
