import Testing
import Games
import Networks
import Tensors

/// With two threads a NeuralGAN computes F on the two halves of its minibatch at once and averages
/// them. That is the same F as one pass over the whole batch (in Float64, to rounding) for every
/// loss and every regularizer that is a mean over samples; the consensus term, which squares F,
/// and odd batches are computed in one pass.
@Suite("NeuralGAN: F from two batch halves on two threads")
struct NeuralGANHalvesTests {
    static func makeGAN(loss: NeuralGAN.Loss, threads: Int, batch: Int = 8) -> NeuralGAN {
        var rng = RandomGenerator(seed: 41)
        let g = MLP([3, 6, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 7, 1], hidden: .softplus, dtype: .float64, using: &rng)
        return NeuralGAN(generator: g, discriminator: d, loss: loss, batchSize: batch, threads: threads) { rng, n in
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

    @Test(arguments: ["none", "tikhonov", "symmetric", "sgp", "r1", "wgan-gp", "clipping", "consensus"], NeuralGAN.Loss.allCases)
    func halvesGiveTheWholeBatchField(which: String, loss: NeuralGAN.Loss) throws {
        let rs = try Self.regularizer(which).map { [$0] } ?? []
        let serial = try Regularized(Self.makeGAN(loss: loss, threads: 1), by: rs)
        let twoCores = Self.makeGAN(loss: loss, threads: 2)
        let parallel = try Regularized(twoCores, by: rs)
        #expect(twoCores.splitsIntoHalves(batchSize: 8, regularizers: rs) == (which != "consensus"))
        let omega = serial.initialPoint.copy()
        for sample in [SampleRequest.exact, .minibatch(size: 8, seed: 3)] {
            let a = serial.field(at: omega, blocks: [.generator, .discriminator], sample: sample)
            let b = parallel.field(at: omega, blocks: [.generator, .discriminator], sample: sample)
            let scale = max(1, a.norm())
            #expect(a.distance(to: b) <= 1e-13 * scale, "\(which), \(loss): ‖F₂ − F₁‖ = \(a.distance(to: b)), ‖F‖ = \(a.norm())")
            #expect(a.norm() > 1e-3)
            // The same thread count gives the same bits.
            let again = parallel.field(at: omega, blocks: [.generator, .discriminator], sample: sample)
            #expect(again.distance(to: b) == 0)
        }
    }

    @Test func oddBatchesAndOneThreadAreNotSplit() throws {
        #expect(!Self.makeGAN(loss: .nonSaturating, threads: 2).splitsIntoHalves(batchSize: 7, regularizers: []))
        #expect(!Self.makeGAN(loss: .nonSaturating, threads: 1).splitsIntoHalves(batchSize: 8, regularizers: []))
        #expect(Self.makeGAN(loss: .nonSaturating, threads: 2).splitsIntoHalves(batchSize: 8, regularizers: []))
    }
}
