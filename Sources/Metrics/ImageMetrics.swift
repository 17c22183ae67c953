import Foundation
import Tensors

/// Sample quality of generated MNIST images, measured with an ``MNISTClassifier`` (SPEC §6).
///
/// For n generated images, each gets the classifier's predicted class c(x) = argmax of the logits
/// and its confidence, the softmax probability of that class.
///
/// - **Classes covered**: the number of classes with at least one image predicted into it with
///   confidence ≥ ``confidenceThreshold`` (0.5 by default: the class holds the majority of the
///   probability), out of 10.
/// - **Class-histogram KL**: KL(p ‖ u) = Σ_c p_c log(10 p_c) of the histogram p of predicted
///   classes over *all* n images (no threshold; PacGAN's convention, as for mixtures): 0 when the
///   classes are equally frequent, log 10 ≈ 2.303 when one class takes every image.
/// - **Fréchet distance**: ``FrechetDistance`` between Gaussians fitted to the classifier's
///   128 penultimate features of the n images and of the reference images (by default the 1,000
///   held-out real images). Like FID it is biased upward for small n; compare runs at equal n
///   (docs/metrics.md uses n = 1,000).
/// - **Sliced Wasserstein**: ``SlicedWasserstein`` SW₂ in pixel space against the reference,
///   128 directions, seed 0.
public struct ImageMetrics: Sendable, Codable, Equatable {
    /// Number of generated images scored.
    public var samples: Int
    /// Number of reference images (the Fréchet distance's other set).
    public var referenceSamples: Int
    public var classesCovered: Int
    public var confidenceThreshold: Double
    /// Predicted-class histogram over all samples, index = class.
    public var classCounts: [Int]
    public var classHistogramKL: Double
    /// Mean confidence (top softmax probability) over all samples.
    public var meanConfidence: Double
    public var frechetDistance: Double
    public var slicedWasserstein: Double

    public init(samples: Int, referenceSamples: Int, classesCovered: Int, confidenceThreshold: Double, classCounts: [Int],
                classHistogramKL: Double, meanConfidence: Double, frechetDistance: Double, slicedWasserstein: Double) {
        self.samples = samples
        self.referenceSamples = referenceSamples
        self.classesCovered = classesCovered
        self.confidenceThreshold = confidenceThreshold
        self.classCounts = classCounts
        self.classHistogramKL = classHistogramKL
        self.meanConfidence = meanConfidence
        self.frechetDistance = frechetDistance
        self.slicedWasserstein = slicedWasserstein
    }

    /// KL(p ‖ uniform) of a histogram given by its counts: Σ pᵢ log(k pᵢ), k = counts.count.
    public static func klToUniform(_ counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        var kl = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / total
            kl += p * log(p * Double(counts.count))
        }
        return kl
    }
}

extension MNISTClassifier {
    /// The ``ImageMetrics`` of `images` ([n, 784], n ≥ 2, pixels in [0, 1] like ``MNISTImages``)
    /// against `reference` ([m, 784]; nil: the classifier's held-out images, whose feature
    /// statistics are precomputed).
    public func metrics(of images: Tensor, reference: Tensor? = nil, confidenceThreshold: Double = 0.5) -> ImageMetrics {
        ensure(images.rank == 2 && images.shape[1] == 784 && images.shape[0] >= 2,
               "MNISTClassifier.metrics: images must be [n, 784] with n ≥ 2, got \(images.shape)")
        let (logits, features) = forward(images)
        let predictions = Self.predictions(fromLogits: logits)
        var counts = [Int](repeating: 0, count: 10), confident = [Bool](repeating: false, count: 10)
        var confidenceSum = 0.0
        for p in predictions {
            counts[p.label] += 1
            confidenceSum += p.confidence
            if p.confidence >= confidenceThreshold { confident[p.label] = true }
        }
        let referenceImages = reference ?? heldOut.images
        let referenceStats = reference.map { GaussianStatistics(of: self.features($0)) } ?? referenceStatistics
        return ImageMetrics(
            samples: images.shape[0], referenceSamples: referenceImages.shape[0],
            classesCovered: confident.filter { $0 }.count, confidenceThreshold: confidenceThreshold,
            classCounts: counts, classHistogramKL: ImageMetrics.klToUniform(counts),
            meanConfidence: confidenceSum / Double(predictions.count),
            frechetDistance: FrechetDistance.distance(GaussianStatistics(of: features), referenceStats),
            slicedWasserstein: SlicedWasserstein.distance(images, referenceImages, projections: 128, seed: 0))
    }
}
