import ArgumentParser
import Saddle

/// The small MLP GAN `saddle analyze --neural-gan DATA` builds: G latent→h→2 (tanh), D 2→h→1
/// (softplus, smooth so every derivative exists), non-saturating losses, Float64, weights drawn from
/// --seed. The operator is taken on its fixed evaluation batch.
enum NeuralDataChoice: String, CaseIterable, ExpressibleByArgument { case ring, grid }

struct AnalyzeNeuralOptions: ParsableArguments {
    @Option(help: "Analyze a small MLP GAN on a 2-D mixture (\(NeuralDataChoice.choiceList)) instead of --game.")
    var neuralGan: NeuralDataChoice?

    /// The MLP GAN's sizes when not given (the help states them).
    enum Defaults { static let hidden = 8, latent = 2, neuralBatch = 32 }

    @Option(parsing: .unconditional, help: ArgumentHelp("--neural-gan: the MLP GAN's hidden width h (≥ 1). (default: \(Defaults.hidden))", valueName: "h"))
    var hidden: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("--neural-gan: the MLP GAN's latent size (≥ 1). (default: \(Defaults.latent))", valueName: "n"))
    var latent: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("--neural-gan: the MLP GAN's evaluation batch (≥ 1): F, J and the SGP Gramian are means over it. (default: \(Defaults.neuralBatch))", valueName: "n"))
    var neuralBatch: Int?

    func validate() throws {
        if let v = hidden, v < 1 { throw ValidationError("--hidden must be at least 1, got \(v)") }
        if let v = latent, v < 1 { throw ValidationError("--latent must be at least 1, got \(v)") }
        if let v = neuralBatch, v < 1 { throw ValidationError("--neural-batch must be at least 1, got \(v)") }
    }

    func make(seed: UInt64) -> NeuralGAN? {
        guard let choice = neuralGan else { return nil }
        let mixture: GaussianMixture = choice == .ring ? .ring : .grid
        var rng = RandomGenerator(seed: seed)
        let (hidden, latent) = (self.hidden ?? Defaults.hidden, self.latent ?? Defaults.latent)
        let g = MLP([latent, hidden, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, hidden, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(name: "mlp-gan-\(choice.rawValue)", generator: g, discriminator: d, batchSize: neuralBatch ?? Defaults.neuralBatch,
                         stochastic: false, evaluationSeed: seed) { rng, n in mixture.sample(n, dtype: .float64, using: &rng) }
    }
}
