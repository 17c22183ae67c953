import Foundation
import Testing
import TestSupport
import Data
import Metrics
import Tensors

@Suite("2-D mixtures and their metrics")
struct MixtureTests {
    @Test func ringAndGridAreAsSpecified() {
        #expect(GaussianMixture.ring.means.count == 8 && GaussianMixture.ring.standardDeviation == 0.02)
        for (x, y) in GaussianMixture.ring.means { #expect(abs((x * x + y * y).squareRoot() - 2) < 1e-12) }
        #expect(GaussianMixture.grid.means.count == 25 && GaussianMixture.grid.standardDeviation == 0.05)
        #expect(Set(GaussianMixture.grid.means.map { "\($0.0),\($0.1)" }).count == 25)
        #expect(GaussianMixture.grid.means.allSatisfy { [-4.0, -2, 0, 2, 4].contains($0.0) && [-4.0, -2, 0, 2, 4].contains($0.1) })
    }

    /// Real data scores as the protocol expects: every mode covered, ≈ 98.9% within 3 std
    /// (P(χ²₂ ≤ 9) = 1 − e^{−4.5} = 0.98889), KL near 0.
    @Test(arguments: ["ring", "grid"])
    func realSamplesScoreAsTheDistributionPredicts(_ name: String) {
        let mixture = name == "ring" ? GaussianMixture.ring : .grid
        var rng = RandomGenerator(seed: 8)
        let n = 20000
        let m = MixtureMetrics(samples: mixture.sample(n, using: &rng), mixture: mixture)
        #expect(m.modesCovered == mixture.means.count)
        let p = 1 - Foundation.exp(-4.5)
        let se = (p * (1 - p) / Double(n)).squareRoot()
        #expect(abs(m.highQualityPercent / 100 - p) < 5 * se, "HQ \(m.highQualityPercent)%")
        #expect(m.klToUniform < 0.01)
        #expect(abs(m.smallestModeShare / m.fairShare - 1) < 0.2)
    }

    @Test func collapsedAndShiftedSamples() {
        // All samples on one mode: 1 mode covered, KL = log 8, smallest share 0.
        let one = Tensor.zeros([100, 2]); for i in 0..<100 { one[i, 0] = 2 }
        let collapsed = MixtureMetrics(samples: one, mixture: .ring)
        #expect(collapsed.modesCovered == 1 && collapsed.highQualityPercent == 100)
        #expect(abs(collapsed.klToUniform - Foundation.log(8.0)) < 1e-12)
        #expect(collapsed.smallestModeShare == 0)
        // Samples 4 std away from every mode are not high quality and cover nothing.
        let off = Tensor.zeros([50, 2]); for i in 0..<50 { off[i, 0] = 2 + 4 * 0.02 }
        let far = MixtureMetrics(samples: off, mixture: .ring)
        #expect(far.highQualityPercent == 0 && far.modesCovered == 0)
    }
}
