import Tensors

/// The 2-D mixtures of the literature's protocol (SPEC §6): equal-weight isotropic Gaussians.
///
/// - ``ring``: 8 Gaussians on a circle of radius 2, std 0.02 (means at angles 2πk/8).
/// - ``grid``: 25 Gaussians with means {−4, −2, 0, 2, 4}², std 0.05.
public struct GaussianMixture: Sendable, Equatable {
    public let name: String
    /// Component means, one (x, y) pair per mode.
    public let means: [(Double, Double)]
    public let standardDeviation: Double

    public init(name: String, means: [(Double, Double)], standardDeviation: Double) {
        self.name = name
        self.means = means
        self.standardDeviation = standardDeviation
    }

    public static func == (a: GaussianMixture, b: GaussianMixture) -> Bool {
        a.name == b.name && a.standardDeviation == b.standardDeviation && a.means.count == b.means.count
            && zip(a.means, b.means).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// 8 modes on a circle of radius 2, std 0.02.
    public static let ring = GaussianMixture(
        name: "ring",
        means: (0..<8).map { k in
            let angle = 2 * Double.pi * Double(k) / 8
            return (2 * cosine(angle), 2 * sine(angle))
        },
        standardDeviation: 0.02)

    /// 25 modes on {−4, −2, 0, 2, 4}², std 0.05.
    public static let grid = GaussianMixture(
        name: "grid",
        means: [-4.0, -2, 0, 2, 4].flatMap { x in [-4.0, -2, 0, 2, 4].map { y in (x, y) } },
        standardDeviation: 0.05)

    /// `count` samples as a [count, 2] tensor: a uniformly chosen mode plus N(0, std² I).
    public func sample(_ count: Int, dtype: DType = .float32, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor.normal([count, 2], std: standardDeviation, dtype: dtype, using: &rng)
        let k = UInt64(means.count)
        for i in 0..<count {
            let m = means[Int(rng.next() % k)]  // modulo bias < 2⁻⁵⁸: negligible
            t[i, 0] += m.0
            t[i, 1] += m.1
        }
        return t
    }
}

#if canImport(Glibc)
import Glibc
private func cosine(_ x: Double) -> Double { Glibc.cos(x) }
private func sine(_ x: Double) -> Double { Glibc.sin(x) }
#else
import Foundation
private func cosine(_ x: Double) -> Double { Foundation.cos(x) }
private func sine(_ x: Double) -> Double { Foundation.sin(x) }
#endif
