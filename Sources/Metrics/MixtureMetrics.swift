import Data
import Tensors

/// Sample quality on a 2-D Gaussian mixture, by the literature's protocol (SPEC §6; VEEGAN,
/// PacGAN): each generated sample is assigned to its nearest mode.
///
/// - A sample is **high quality** when it lies within 3 standard deviations of its nearest mode.
/// - A mode is **covered** when at least one high-quality sample is assigned to it.
/// - **KL to uniform**: KL(p ‖ u) of the histogram p of nearest modes over all samples (PacGAN's
///   convention), 0 when every mode gets the same share, log(modes) when one mode gets all.
/// - **Smallest mode's share** of the high-quality samples, against the fair share 1/modes:
///   coverage by a single sample is too lenient to catch a nearly dropped mode.
public struct MixtureMetrics: Sendable, Codable, Equatable {
    public var samples: Int
    public var modes: Int
    public var modesCovered: Int
    /// Percentage (0–100) of samples within 3 std of their nearest mode.
    public var highQualityPercent: Double
    public var klToUniform: Double
    /// The smallest mode's share of the high-quality samples (0 when some mode has none).
    public var smallestModeShare: Double
    /// 1 / modes.
    public var fairShare: Double

    /// Scores `samples`, a [n, 2] tensor.
    public init(samples: Tensor, mixture: GaussianMixture) {
        ensure(samples.rank == 2 && samples.shape[1] == 2, "MixtureMetrics: samples must be [n, 2], got \(samples.shape)")
        let n = samples.shape[0], k = mixture.means.count
        var nearest = [Int](repeating: 0, count: k), quality = [Int](repeating: 0, count: k)
        let radius2 = 9 * mixture.standardDeviation * mixture.standardDeviation
        for i in 0..<n {
            let x = samples[i, 0], y = samples[i, 1]
            var best = 0, bestD = Double.infinity
            for (j, m) in mixture.means.enumerated() {
                let d = (x - m.0) * (x - m.0) + (y - m.1) * (y - m.1)
                if d < bestD { bestD = d; best = j }
            }
            nearest[best] += 1
            if bestD <= radius2 { quality[best] += 1 }
        }
        let hq = quality.reduce(0, +)
        self.samples = n
        modes = k
        modesCovered = quality.filter { $0 > 0 }.count
        highQualityPercent = n == 0 ? 0 : 100 * Double(hq) / Double(n)
        var kl = 0.0
        for c in nearest where c > 0 {
            let p = Double(c) / Double(n)
            kl += p * logarithm(p * Double(k))
        }
        klToUniform = kl
        smallestModeShare = hq == 0 ? 0 : Double(quality.min()!) / Double(hq)
        fairShare = 1 / Double(k)
    }
}

#if canImport(Glibc)
import Glibc
private func logarithm(_ x: Double) -> Double { Glibc.log(x) }
#else
import Foundation
private func logarithm(_ x: Double) -> Double { Foundation.log(x) }
#endif
