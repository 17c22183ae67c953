import Data
import Foundation
import Networks
import Runs
import Tensors
import Testing

/// `saddle train --architecture dcgan` (issue #17): the configuration builds the DCGAN pair, and a
/// run stopped, checkpointed and resumed lands bit for bit where the uninterrupted run lands — the
/// batch-norm running statistics and the spectral-normalization vectors included, which live
/// outside ω and only the training loop advances.
@Suite("DCGAN training: configured networks and bit-identical resume")
struct DCGANTrainingTests {
    static let mnistPresent = FileManager.default.fileExists(atPath: MNIST.defaultMNIST5kPath)

    static func configuration(iterations: Int) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        try c.apply(yaml: TrainingConfiguration.presets["mnist-dcgan"]!, file: "preset mnist-dcgan")
        c.hidden = 4            // base width: D 1 → 4 → 8 channels
        c.latent = 8
        c.batchSize = 8
        c.shards = 2
        c.spectralNorm = true
        c.evaluationSamples = 64
        c.iterations = iterations
        c.logEvery = iterations
        c.checkpointEvery = 0
        c.seed = 11
        return c
    }

    static func state(_ t: GANTraining) -> [String: [Double]] {
        var s: [String: [Double]] = [:]
        for (player, network) in [("G", t.gan.generator), ("D", t.gan.discriminator)] {
            for (name, tensor) in network.nonTrainableState { s["\(player).\(name)"] = tensor.scalars }
        }
        return s
    }

    @Test(.enabled(if: mnistPresent, "data/mnist_5k.csv.gz is absent: run scripts/fetch-mnist5k (SKIPPED)"))
    func resumesBitIdenticallyWithRunningStatisticsAndSpectralVectors() throws {
        let whole = try GANTraining(try Self.configuration(iterations: 4))
        #expect(whole.gan.generator is DCGANGenerator && whole.gan.discriminator is DCGANDiscriminator)
        let initialState = Self.state(whole)
        let vectors = ["conv1", "conv2", "fc"].flatMap { ["D.\($0).weight_u", "D.\($0).weight_v"] }
        #expect(Set(initialState.keys) == Set(["G.bn1.running_mean", "G.bn1.running_var", "G.bn2.running_mean", "G.bn2.running_var"] + vectors),
                "\(initialState.keys.sorted())")
        var straight = try whole.initialState()
        #expect(try whole.run(from: &straight, TrainingSession()).exitStatus == "completed")
        let straightState = Self.state(whole)
        #expect(straightState != initialState, "training did not advance the running statistics or u")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-dcgan-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try GANTraining(try Self.configuration(iterations: 2))
        var part = try first.initialState()
        _ = try first.run(from: &part, TrainingSession())
        try first.serialize(part).write(to: path)

        let again = try GANTraining(try Self.configuration(iterations: 4))
        var resumed = try again.load(path)
        #expect(resumed.iteration == 2)
        _ = try again.run(from: &resumed, TrainingSession())
        #expect(resumed.omega.isBitIdentical(to: straight.omega), "resumed iterate differs")
        #expect(resumed.ema.scalars == straight.ema.scalars, "resumed EMA differs")
        #expect(Self.state(again) == straightState, "resumed running statistics or spectral vectors differ")

        // Samples for metrics are generated in passes of rows (memory): in evaluation mode each row
        // depends on its own noise only, so passes agree with one pass up to rounding.
        var rng = RandomGenerator(seed: 5)
        let z = Tensor.normal([11, whole.configuration.latent], using: &rng)
        let theta = straight.omega[.generator]
        let passes = whole.gan.generate(z, parameters: theta, rowsPerPass: 4).scalars, one = whole.gan.generate(z, parameters: theta).scalars
        #expect(passes.count == one.count && zip(passes, one).allSatisfy { abs($0 - $1) <= 1e-6 }, "passes of 4 rows differ from one pass beyond rounding")
        #expect(whole.gan.generate(z, parameters: theta, rowsPerPass: 4).scalars == passes)
    }
}
