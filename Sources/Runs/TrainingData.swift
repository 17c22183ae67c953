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
    /// The side of a square one-channel image (28 for MNIST; 0 for points).
    public var imageSide: Int { width == MNIST.pixels ? 28 : 0 }
    /// Draws `count` real samples, [count, width], Float32.
    public let sample: NeuralGAN.DataSampler
    /// The mixture, for the 2-D data sets.
    public let mixture: GaussianMixture?
    /// The training images and the held-out images, for MNIST.
    public let images: (training: MNISTImages, heldOut: MNISTImages)?
    /// The classifier behind the image metrics (trained by Saddle on the training images, cached).
    public let classifier: MNISTClassifier?
    /// Real samples the generated ones are compared with (sliced Wasserstein): a fixed draw of
    /// `evaluationSamples` points for the mixtures (nil for images: ``ImageMetrics`` has its own).
    let reference: Tensor?

    /// The data set named by `configuration.dataset`; MNIST reads `configuration.dataFile` and loads
    /// (or trains and caches) its classifier, telling `log` what it did.
    public init(_ configuration: TrainingConfiguration, log: (String) -> Void = { _ in }) throws {
        switch configuration.dataset {
        case "ring", "grid":
            let m: GaussianMixture = configuration.dataset == "grid" ? .grid : .ring
            width = 2
            generatorOutput = .identity
            mixture = m
            images = nil
            classifier = nil
            var rng = RandomGenerator(seed: configuration.seed).split(5)
            reference = m.sample(configuration.evaluationSamples, using: &rng)
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
            reference = nil
            classifier = try MNISTClassifier.loadOrTrain(dataFile: path, log: log)
            let train = split.training.images
            sample = { rng, n in TrainingData.rows(of: train, count: n, using: &rng) }
        default:
            throw RunError.invalid(field: "dataset", value: configuration.dataset, allowed: "one of ring, grid, mnist")
        }
    }

    /// What a run's scores depend on besides its configuration, or nil when the configuration is
    /// all: for MNIST, the data file's bytes and the classifier's weights — the file at
    /// `configuration.dataFile` and the classifier cache beside it can change between two runs of
    /// the same configuration (another download, a cache trained at another BLAS thread count),
    /// and either moves every score. `data_sha256=… classifier_sha256=…`, each the SHA-256 of the
    /// bytes; loads (or trains and caches) the classifier as training would. A missing data file
    /// gives nil: the run itself then fails, naming the file.
    public static func scoringInputs(of configuration: TrainingConfiguration) throws -> String? {
        guard configuration.dataset == "mnist", FileManager.default.fileExists(atPath: configuration.dataFile) else { return nil }
        let classifier = try MNISTClassifier.loadOrTrain(dataFile: configuration.dataFile)
        return "data_sha256=\(classifier.dataSHA256 ?? "none") classifier_sha256=\(classifier.weightsSHA256)"
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
        if let reference { m.slicedWasserstein = SlicedWasserstein.distance(samples, reference) }
        if let classifier { m.images = classifier.metrics(of: samples) }
        return m
    }
}

/// Metrics of one generator's samples; `metrics.jsonl` and `summary.json` write them as one flat
/// object (the mixture metrics' keys or the image metrics' keys, and `slicedWasserstein`), each
/// group present when it applies.
public struct GeneratorMetrics: Sendable, Codable, Equatable {
    /// For the 2-D mixtures (SPEC §6).
    public var mixture: MixtureMetrics?
    /// For MNIST: classes covered, class-histogram KL, Fréchet distance, … (``ImageMetrics``).
    public var images: ImageMetrics?
    /// SW₂ between the samples and as many real samples (128 directions; for images, the image
    /// metrics' own value against the held-out images).
    public var slicedWasserstein: Double?
    public init() {}

    private enum Keys: String, CodingKey { case slicedWasserstein }

    public init(from decoder: Decoder) throws {
        mixture = try? MixtureMetrics(from: decoder)
        images = try? ImageMetrics(from: decoder)
        slicedWasserstein = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Double.self, forKey: .slicedWasserstein)
    }

    public func encode(to encoder: Encoder) throws {
        try mixture?.encode(to: encoder)
        try images?.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        if images == nil { try c.encodeIfPresent(slicedWasserstein, forKey: .slicedWasserstein) }
    }

    /// The sliced Wasserstein distance, wherever it was computed.
    public var slicedWassersteinDistance: Double? { slicedWasserstein ?? images?.slicedWasserstein }

    /// One line for logs: `modes 8/8  HQ 91.2 %  KL 0.002` or `classes 10/10  KL 0.04  FD 12.3`.
    public var brief: String {
        var parts: [String] = []
        if let m = mixture { parts.append(String(format: "modes %d/%d  HQ %.1f %%  KL %.3f", m.modesCovered, m.modes, m.highQualityPercent, m.klToUniform)) }
        if let m = images { parts.append(String(format: "classes %d/10  KL %.3f  FD %.3g", m.classesCovered, m.classHistogramKL, m.frechetDistance)) }
        return parts.joined(separator: "  ")
    }
}
