import Saddle

/// The samples of every shard of `gan`'s minibatch for `sample`, stacked into one batch (shard 0's
/// rows first): the batch whose single-graph field the sharded field must equal.
public func concatenatedShardBatch(_ gan: NeuralGAN, _ sample: SampleRequest, regularizers: [any Regularizer]) -> NeuralGAN.Batch {
    let (size, seed) = gan.batch(sample)
    let parts = gan.shardPlan(size: size, seed: seed, regularizers: regularizers).map { gan.batch(samples: $0.samples, seed: $0.seed) }
    func stack(_ ts: [Tensor]) -> Tensor {
        let width = ts[0].shape[1], rows = ts.reduce(0) { $0 + $1.shape[0] }
        let out = Tensor.zeros([rows, width], dtype: ts[0].dtype)
        var at = 0
        for t in ts { out.view(from: at * width, shape: t.shape).copy(from: t); at += t.shape[0] }
        return out
    }
    return NeuralGAN.Batch(real: stack(parts.map(\.real)), noise: stack(parts.map(\.noise)), mixing: stack(parts.map(\.mixing)))
}
