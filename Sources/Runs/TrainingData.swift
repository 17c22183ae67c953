import Data
import Formats
import Foundation
import Games
import Metrics
import Networks
import Tensors

/// What a training run needs from its data set: how to draw real samples, the generator's output
/// activation, and how to score generated samples.
public struct TrainingData: @unchecked Sendable {
    /// Width of one sample (2 for the mixtures, 784 for MNIST).
    public let width: Int
    /// The generator's output activation: identity for points, sigmoid for [0, 1] pixels.
    public let generatorOutput: Activation
    /// Draws `count` real samples, [count, width], Float32.
    public let sample: NeuralGAN.DataSampler
    /// The mixture, for the 2-D data sets.
    public let mixture: GaussianMixture?
    /// The training images and the held-out images, for MNIST.
    public let images: (training: MNISTImages, heldOut: MNISTImages)?

    /// The data set named by `configuration.dataset`; MNIST reads `configuration.dataFile`.
    public init(_ configuration: TrainingConfiguration) throws {
        switch configuration.dataset {
        case "ring", "grid":
            let m: GaussianMixture = configuration.dataset == "grid" ? .grid : .ring
            width = 2
            generatorOutput = .identity
            mixture = m
            images = nil
            sample = { rng, n in m.sample(n, using: &rng) }
        case "mnist":
            let path = configuration.dataFile
            guard FileManager.default.fileExists(atPath: path) else {
                throw RunError.invalid(field: "data_file", value: path, allowed: "no such file; `bash scripts/fetch-mnist5k` downloads MNIST-5k to \(MNIST.defaultMNIST5kPath)")
            }
            let split = MNIST.split(try MNIST.readCSV(path))
            width = MNIST.pixels
            generatorOutput = .sigmoid
            mixture = nil
            images = split
            let train = split.training.images
            sample = { rng, n in TrainingData.rows(of: train, count: n, using: &rng) }
        default:
            throw RunError.invalid(field: "dataset", value: configuration.dataset, allowed: "one of ring, grid, mnist")
        }
    }

    /// `count` rows of `table` drawn uniformly with replacement.
    static func rows(of table: Tensor, count: Int, using rng: inout RandomGenerator) -> Tensor {
        let n = table.shape[0], w = table.shape[1]
        let out = Tensor(uninitialized: [count, w], dtype: table.dtype)
        for i in 0..<count {
            let r = Int(rng.next() % UInt64(n))
            out.view(from: i * w, shape: [w]).copy(from: table.view(from: r * w, shape: [w]))
        }
        return out
    }

    /// The metrics of generated samples [n, width].
    public func score(_ samples: Tensor) -> GeneratorMetrics {
        var m = GeneratorMetrics()
        if let mixture { m.mixture = MixtureMetrics(samples: samples, mixture: mixture) }
        return m
    }
}

/// Metrics of one generator's samples; `metrics.jsonl` and `summary.json` write them as one flat
/// object (the mixture metrics' keys, the image metrics' keys, …), each group present when it applies.
public struct GeneratorMetrics: Sendable, Codable, Equatable {
    /// For the 2-D mixtures (SPEC §6).
    public var mixture: MixtureMetrics?
    public init() {}

    public init(from decoder: Decoder) throws {
        mixture = try? MixtureMetrics(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try mixture?.encode(to: encoder)
        if mixture == nil { _ = encoder.container(keyedBy: CodingKeysForEmpty.self) }
    }
    private enum CodingKeysForEmpty: CodingKey {}

    /// One line for logs: `modes 8/8  HQ 91.2 %`.
    public var brief: String {
        var parts: [String] = []
        if let m = mixture { parts.append(String(format: "modes %d/%d  HQ %.1f %%  KL %.3f", m.modesCovered, m.modes, m.highQualityPercent, m.klToUniform)) }
        return parts.joined(separator: "  ")
    }
}
