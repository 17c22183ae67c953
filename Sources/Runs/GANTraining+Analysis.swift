import Games
import Networks
import Tensors

/// The trained game in Float64, for `saddle analyze --checkpoint`: operator constants of a GAN
/// at a checkpoint's point.
extension GANTraining {
    /// The same game — architecture, losses, regularizer, data — in Float64, with a fixed batch
    /// (the exact field is the field on one evaluation batch of `batchSize` samples, drawn from the
    /// run's evaluation seed). Float64 so that Jacobian products, power iteration and Lanczos resolve
    /// the small eigenvalues the theory is about.
    public func float64Game(batchSize: Int? = nil) throws -> Regularized {
        let c = configuration
        guard usesConfiguredNetworks else {
            throw RunError.invalid(field: "networks", value: "your own", allowed: "a Float64 copy is made of the configuration's MLPs only")
        }
        var rng = RandomGenerator(seed: 0)  // weights are replaced by ω anyway
        let g = MLP([c.latent, c.hidden, c.hidden, data.width], hidden: .relu, output: data.generatorOutput, dtype: .float64, using: &rng)
        let d = MLP([data.width, c.hidden, c.hidden, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, using: &rng)
        let sample = data.sample
        let base = gan
        let copy = NeuralGAN(name: base.name + "-f64", generator: g, discriminator: d, loss: c.loss, batchSize: batchSize ?? c.batchSize,
                             stochastic: false, evaluationSeed: base.evaluationSeed, shards: base.shards, threads: base.threads) { rng, n in sample(&rng, n).converted(to: .float64) }
        return try Regularized(copy, by: c.regularizers())
    }
}
