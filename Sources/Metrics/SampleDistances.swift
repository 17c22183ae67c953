import Data
import Tensors

/// Distribution distances between generated samples and a reference sample, for any data
/// (2-D mixtures, images): the sliced 2-Wasserstein distance and the unbiased Gaussian-kernel MMD².
public struct SampleDistances: Sendable, Codable, Equatable {
    public var samples: Int
    public var referenceSamples: Int
    /// ``SlicedWasserstein`` SW₂ with `projections` directions from `seed`.
    public var slicedWasserstein: Double
    public var projections: Int
    /// ``MMD`` MMD²ᵤ, its standard error and the bandwidth (median heuristic unless given).
    public var mmd: MMDEstimate

    /// Distances between the rows of `samples` ([n, d]) and `reference` ([m, d]).
    public init(samples: Tensor, reference: Tensor, projections: Int = 128, seed: UInt64 = 0, bandwidth: Double? = nil) {
        self.samples = samples.shape[0]
        referenceSamples = reference.shape[0]
        self.projections = projections
        slicedWasserstein = SlicedWasserstein.distance(samples, reference, projections: projections, seed: seed)
        mmd = MMD.squared(samples, reference, bandwidth: bandwidth)
    }

    /// Distances between `samples` ([n, 2]) and `referenceCount` fresh draws from `mixture`
    /// (generated from `RandomGenerator(seed: seed)`; 2,500 by default, SPEC §6's sample size).
    public init(samples: Tensor, mixture: GaussianMixture, referenceCount: Int = 2500, seed: UInt64 = 0,
                projections: Int = 128, bandwidth: Double? = nil) {
        var rng = RandomGenerator(seed: seed)
        let reference = mixture.sample(referenceCount, dtype: .float64, using: &rng)
        self.init(samples: samples, reference: reference, projections: projections, seed: seed, bandwidth: bandwidth)
    }
}
