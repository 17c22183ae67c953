import ArgumentParser
import Saddle

/// The small MLP GAN `saddle analyze --neural-gan DATA` builds: G latent→h→2 (tanh), D 2→h→1
/// (softplus, smooth so every derivative exists), non-saturating losses, Float64, weights drawn from
/// --seed. The operator is taken on its fixed evaluation batch.
enum NeuralDataChoice: String, CaseIterable, ExpressibleByArgument { case ring, grid }

struct AnalyzeNeuralOptions: ParsableArguments {
    @Option(help: "Analyze a small MLP GAN on a 2-D mixture (\(NeuralDataChoice.choiceList)) instead of --game.")
    var neuralGan: NeuralDataChoice?

    @Option(parsing: .unconditional, help: "The MLP GAN's hidden width h (≥ 1).")
    var hidden: Int = 8

    @Option(parsing: .unconditional, help: "The MLP GAN's latent size (≥ 1).")
    var latent: Int = 2

    @Option(parsing: .unconditional, help: "The MLP GAN's evaluation batch (≥ 1): F, J and the SGP Gramian are means over it.")
    var neuralBatch: Int = 32

    func validate() throws {
        if hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if latent < 1 { throw ValidationError("--latent must be at least 1, got \(latent)") }
        if neuralBatch < 1 { throw ValidationError("--neural-batch must be at least 1, got \(neuralBatch)") }
    }

    func make(seed: UInt64) -> NeuralGAN? {
        guard let choice = neuralGan else { return nil }
        let mixture: GaussianMixture = choice == .ring ? .ring : .grid
        var rng = RandomGenerator(seed: seed)
        let g = MLP([latent, hidden, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, hidden, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(name: "mlp-gan-\(choice.rawValue)", generator: g, discriminator: d, batchSize: neuralBatch,
                         stochastic: false, evaluationSeed: seed) { rng, n in mixture.sample(n, dtype: .float64, using: &rng) }
    }
}
