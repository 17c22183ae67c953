import Autodiff
import Foundation
import Games
import Networks
import Runs
import Tensors
import Testing

// The regularizer of the DocC article "Bring your own network, regularizer or solver"
// (Sources/Games/Games.docc/BringYourOwn.md), written as a user outside Saddle would: the public
// protocol only. Keep the two copies identical.

/// The drift penalty of Karras et al. 2018 (Progressive GANs, appendix A.1): (γ/2)·E_data[D(x)²]
/// on the discriminator's loss, which keeps D's outputs near zero. Their ε_drift = 0.001 is γ = 0.002.
struct DriftPenalty: Regularizer {
    let weight: Double
    var players: Set<Player> { [.discriminator] }
    var description: String { "drift(γ=\(weight))" }

    func check(_ game: any Game) throws {
        guard (game as? any DifferentiableGame)?.hasDiscriminatorInputs == true else {
            throw RegularizerError.unsupported(regularizer: "drift", game: game.name, reason: "it needs D's outputs on real data (a NeuralGAN)")
        }
    }

    func lossTerms(in graph: GameGraph) -> PerPlayer<Variable?> {
        guard let d = graph.discriminator else { return PerPlayer(nil) }
        var terms = PerPlayer<Variable?>(nil)
        terms[.discriminator] = d(d.real).squared().sum().scaled(by: weight / 2 / Double(graph.batchSize))
        return terms
    }

    var isMeanOverSamples: Bool { true }                         // a mean over samples: shards may split the batch
    func keepsEquilibrium(_ star: BlockVector) -> Bool { false } // D = 0 on the data is not every equilibrium's
}

@Suite("A regularizer written outside Saddle (the DocC article's drift penalty)")
struct CustomRegularizerTests {
    /// F_φ(γ) − F_φ(0) = γ ∇φ ½ mean D(x)² by central differences of the penalty in φ, Float64.
    @Test func fieldMatchesFiniteDifferencesOfThePenalty() throws {
        var rng = RandomGenerator(seed: 5)
        let g = MLP([3, 6, 2], hidden: .relu, dtype: .float64, using: &rng)
        let d = MLP([2, 6, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, batchSize: 7, stochastic: false) { rng, n in
            Tensor.normal([n, 2], mean: 0.3, dtype: .float64, using: &rng)
        }
        let gamma = 0.9
        let game = try Regularized(gan, by: [DriftPenalty(weight: gamma)])
        let omega = game.initialPoint
        let x = gan.evaluationBatch.real
        func penalty(_ phi: Tensor) -> Double {
            let out = GradientRecording.withoutRecording { d(Variable(x), parameters: Variable(phi)).value }
            return 0.5 * (0..<x.shape[0]).map { out[$0] * out[$0] }.reduce(0, +) / Double(x.shape[0])
        }
        let field = game.exactField(at: omega), plain = gan.exactField(at: omega)
        let autodiff = field[.discriminator] - plain[.discriminator]
        let phi = omega[.discriminator]
        var worst = 0.0
        for j in 0..<phi.count {
            let plus = phi.copy(), minus = phi.copy(), h = 1e-6
            plus[j] += h; minus[j] -= h
            let reference = gamma * (penalty(plus) - penalty(minus)) / (2 * h)
            worst = max(worst, abs(autodiff[j] - reference) / max(1, abs(reference)))
        }
        #expect(worst < 1e-7, "max relative error \(worst)")
        #expect(autodiff.norm() > 1e-3, "the penalty moves F_φ")
        // The generator's block is untouched (SPEC §3).
        #expect((field[.generator] - plain[.generator]).norm() == 0)
    }

    @Test func refusesAGameWithoutDiscriminatorInputsInOneLine() {
        #expect { try Regularized(BilinearGame.scalar(), by: [DriftPenalty(weight: 1)]) } throws: {
            "\($0)" == "drift is not available on the game \(BilinearGame.scalar().name): it needs D's outputs on real data (a NeuralGAN)"
        }
    }

    /// Through the training loop: the discriminator's outputs on the data stay smaller with the
    /// penalty than without it, and config.yaml says the regularizers were the caller's.
    @Test func trainsThroughGANTraining() throws {
        var c = TrainingConfiguration()
        c.hidden = 16; c.latent = 4; c.batchSize = 64; c.iterations = 300; c.checkpointEvery = 0; c.logEvery = 300
        c.evaluationSamples = 256
        func meanSquaredOutput(_ regularizers: [any Regularizer]) throws -> Double {
            let training = try GANTraining(c, regularizers: regularizers)
            var state = try training.initialState()
            _ = try training.run(from: &state, TrainingSession())
            let x = training.gan.evaluationBatch.real
            let out = GradientRecording.withoutRecording {
                training.gan.discriminator(Variable(x), parameters: Variable(state.omega[.discriminator])).value
            }
            return (0..<x.shape[0]).map { out[$0] * out[$0] }.reduce(0, +) / Double(x.shape[0])
        }
        let free = try meanSquaredOutput([])
        let drifted = try meanSquaredOutput([DriftPenalty(weight: 10)])
        #expect(drifted < free / 2, "E D(x)²: \(drifted) with the penalty, \(free) without")
        let yaml = try GANTraining(c, regularizers: [DriftPenalty(weight: 10)]).configurationYAML
        #expect(yaml.hasPrefix("# regularizers: drift(γ=10.0), given to GANTraining"))
    }
}
