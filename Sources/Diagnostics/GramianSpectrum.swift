import Games
import Tensors

/// The spectrum of an SGP Gauss–Newton Gramian J_G = E[J_rᵀ J_r] (r = ∇x D_φ(x), J_r = ∂r/∂φ) and
/// its λ0 on the complement of the null space (SPEC §4).
///
/// For neural discriminators J_G is singular: ∇x D does not depend on the output bias at all, biases
/// before piecewise-linear units and rescaling symmetries leave directions unseen, and the rank is at
/// most n·d for n samples of dimension d. So λ0 is the smallest eigenvalue above the threshold
/// `1e-9 · max(1, λmax)` (1e-4 in Float32), and the null space is reported with its dimension and
/// sources: parameters whose own diagonal block of J_G vanishes (named), and the rest as directions
/// that mix parameters.
public struct GramianSpectrum: Codable, Sendable {
    /// Every eigenvalue, ascending.
    public var eigenvalues: [Double]
    /// The smallest eigenvalue above the threshold; nil if all vanish.
    public var lambda0: Double?
    public var largest: Double
    public var nullThreshold: Double
    public var nullDimension: Int
    /// Where the null space comes from, one line per source.
    public var nullSources: [String]
    /// How the expectation was taken ("exact expectation" or "evaluation batch of n samples").
    public var expectation: String
    /// For a batch estimate: the Frobenius norm of the entrywise standard errors of J_G, which bounds
    /// (by Weyl's inequality, at one standard error) how far each eigenvalue may sit from the
    /// expectation's; nil for exact expectations.
    public var eigenvalueStandardError: Double?

    public init(gramian: Tensor, parameters: [(name: String, range: Range<Int>)]? = nil, rankBound: Int? = nil,
                expectation: String, standardError: Tensor? = nil, float32: Bool = false) {
        eigenvalueStandardError = standardError.map { $0.norm() }
        let values = Eigenvalues.symmetric(gramian).values
        eigenvalues = values
        largest = values.last ?? 0
        let threshold = (float32 ? 1e-4 : 1e-9) * max(1, values.last ?? 0)
        nullThreshold = threshold
        lambda0 = values.first { $0 > threshold }
        nullDimension = values.filter { $0 <= threshold }.count
        self.expectation = expectation
        var sources: [String] = []
        var named = 0
        if let parameters {
            for p in parameters {
                let diag = p.range.reduce(0.0) { $0 + abs(gramian[$1, $1]) }
                if diag <= threshold * Double(p.range.count) {
                    sources.append("\(p.name): \(p.range.count) parameter(s) that ∇x D does not depend on")
                    named += p.range.count
                }
            }
        }
        let rest = nullDimension - named
        if rest > 0 {
            var line = "\(rest) direction(s) mixing parameters (biases before piecewise-linear units, rescaling symmetries, dead or saturated units"
            if let r = rankBound, r < gramian.shape[0] { line += "; rank ≤ n·d = \(r) samples × input coordinates" }
            sources.append(line + ")")
        }
        nullSources = sources
    }
}
