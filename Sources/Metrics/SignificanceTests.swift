import Tensors

// The statistics behind the studies' verdicts: a one-sided two-sample permutation test, Holm's
// step-down correction, and the three-way verdict of a claim (PASS, FAIL, UNDECIDED).

/// The one-sided two-sample permutation test of the difference in means (Fisher 1935; Pitman
/// 1937): under H₀ the n + m values are exchangeable, so every split of the pooled values into
/// groups of n and m is equally likely, and the p-value is the share of splits whose first group
/// sums to at least the observed first group's sum (for ``Alternative/greater``; at most, for
/// ``Alternative/less``). The sum of the first group is equivalent to the difference of the
/// means, since the pooled total is fixed.
///
/// Exact for n + m ≤ 40 by meeting in the middle: the pooled values are cut into two halves, the
/// subset sums of each half are listed by subset size (2^⌈(n+m)/2⌉ sums), and for each way of
/// taking k values from the first half and n − k from the second the pairs reaching the
/// observed sum are counted with two pointers over the sorted lists. For n = m = 10 that is
/// 2·1,024 sums instead of C(20, 10) = 184,756 splits. Larger samples use `resamples` random
/// splits from a seeded generator, with p = (1 + hits)/(1 + resamples) (Phipson & Smyth 2010).
///
/// Sums that differ from the observed one only by rounding (a split that is a reordering of the
/// observed groups' values) count as reaching it: the comparison allows 1e-12 of Σ|x|.
public enum PermutationTest {
    public enum Alternative: String, Sendable, Codable {
        /// H₁: the first sample's values tend to be larger.
        case greater
        /// H₁: the first sample's values tend to be smaller.
        case less
    }

    /// The p-value of H₀ (`a` and `b` exchangeable) against `alternative`; 1 when either sample
    /// is empty. Values must be finite. Up to `exactUpTo` values in all (at most 40) the p-value
    /// is exact; above, it is estimated from `resamples` random splits drawn from `seed`.
    public static func pValue(_ a: [Double], _ b: [Double], alternative: Alternative,
                              resamples: Int = 200_000, seed: UInt64 = 0, exactUpTo: Int = 40) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 1 }
        ensure((a + b).allSatisfy(\.isFinite), "PermutationTest: the samples must be finite")
        let sign: Double = alternative == .greater ? 1 : -1
        let pooled = (a + b).map { sign * $0 }
        let observed = a.reduce(0) { $0 + sign * $1 }
        let tolerance = 1e-12 * pooled.reduce(0) { $0 + abs($1) }
        let threshold = observed - tolerance
        if pooled.count <= min(exactUpTo, 40) {
            return exactShare(pooled, groupSize: a.count, atLeast: threshold)
        }
        var rng = RandomGenerator(seed: seed)
        var values = pooled, hits = 0
        for _ in 0..<resamples {
            // A partial Fisher–Yates shuffle: the first n positions are a uniform n-subset.
            var sum = 0.0
            for i in 0..<a.count {
                let j = i + Int(rng.next() % UInt64(values.count - i))
                values.swapAt(i, j)
                sum += values[i]
            }
            if sum >= threshold { hits += 1 }
        }
        return Double(1 + hits) / Double(1 + resamples)
    }

    /// The share of the n-subsets of `values` whose sum is ≥ `threshold`, by meeting in the middle.
    static func exactShare(_ values: [Double], groupSize n: Int, atLeast threshold: Double) -> Double {
        let total = values.count, h = total / 2
        let left = Array(values[0..<h]), right = Array(values[h...])
        let sumsL = subsetSumsBySize(left), sumsR = subsetSumsBySize(right)
        var hits = 0.0
        for k in max(0, n - right.count)...min(n, left.count) {
            let xs = sumsL[k], ys = sumsR[n - k]  // both sorted ascending
            // For each x (ascending), the ys ≥ threshold − x: the first such index only moves left.
            var j = ys.count
            for x in xs {
                while j > 0 && x + ys[j - 1] >= threshold { j -= 1 }
                hits += Double(ys.count - j)
            }
        }
        return hits / binomial(total, n)
    }

    /// The sums of every subset of `x`, grouped by subset size and sorted ascending.
    static func subsetSumsBySize(_ x: [Double]) -> [[Double]] {
        var bySize = [[Double]](repeating: [], count: x.count + 1)
        var sums = [Double](repeating: 0, count: 1 << x.count)
        bySize[0].append(0)
        if x.count > 0 {
            for mask in 1..<(1 << x.count) {
                let low = mask.trailingZeroBitCount
                sums[mask] = sums[mask & (mask - 1)] + x[low]
                bySize[mask.nonzeroBitCount].append(sums[mask])
            }
        }
        return bySize.map { $0.sorted() }
    }

    /// C(n, k) as a Double (exact below 2^53).
    static func binomial(_ n: Int, _ k: Int) -> Double {
        var r = 1.0
        for i in 0..<min(k, n - k) { r = r * Double(n - i) / Double(i + 1) }
        return r.rounded()
    }
}

/// Holm's step-down procedure (Holm 1979): with the m p-values sorted, p₍ᵢ₎ is rejected at level
/// α when p₍ⱼ₎ ≤ α/(m − j + 1) for every j ≤ i. Equivalently, the adjusted p-values
/// p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎) are compared with α. It controls the
/// family-wise error rate at α under any dependence between the tests.
public enum Holm {
    /// The adjusted p-values, in the order given.
    public static func adjusted(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { (p[$0], $0) < (p[$1], $1) }
        var out = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            out[i] = running
        }
        return out
    }

    /// Which hypotheses are rejected at family-wise level `alpha`, in the order given.
    public static func rejected(_ p: [Double], alpha: Double) -> [Bool] {
        adjusted(p).map { $0 <= alpha }
    }
}

/// The verdict on a claim that one method beats each of several comparators on a metric.
public enum ClaimVerdict: String, Sendable, Codable {
    /// Every comparison favours the method, significantly after Holm's correction.
    case pass = "PASS"
    /// Some comparator beats the method, significantly after Holm's correction.
    case fail = "FAIL"
    /// Neither: the data cannot tell at this level with these seeds.
    case undecided = "UNDECIDED"
}

/// The test of a claim "the method beats each comparator": per comparison, a one-sided
/// permutation test in the claimed direction and one in the opposite direction, each family
/// corrected by ``Holm``. PASS when every claimed-direction test rejects; FAIL when any
/// opposite-direction test rejects; UNDECIDED otherwise. (The two cannot both happen at
/// α < 1/2, since the two one-sided p-values of one comparison sum to at least 1.)
public struct ClaimTest: Sendable, Codable {
    public struct Comparison: Sendable, Codable {
        public var comparator: String
        /// The method's scores (one per evaluation seed) and the comparator's.
        public var method: [Double]
        public var other: [Double]
        /// One-sided p-values, raw and Holm-adjusted, for "the method is better" and "worse".
        public var pBetter = 1.0, pWorse = 1.0, adjustedBetter = 1.0, adjustedWorse = 1.0
        public init(comparator: String, method: [Double], other: [Double]) {
            self.comparator = comparator
            self.method = method
            self.other = other
        }
    }

    public var claim: String
    public var lowerIsBetter: Bool
    public var alpha: Double
    public var comparisons: [Comparison]
    public var verdict: ClaimVerdict

    /// Runs the tests. Non-finite scores (a run that diverged) count as the worst possible:
    /// they are replaced by the largest finite score of the comparison plus its range (smallest
    /// minus range where higher is better), so a diverged run loses every pairing.
    public init(claim: String, lowerIsBetter: Bool, alpha: Double = 0.05, comparisons: [Comparison]) {
        self.claim = claim
        self.lowerIsBetter = lowerIsBetter
        self.alpha = alpha
        var cs = comparisons
        for i in cs.indices {
            let (x, y) = Self.finite(cs[i].method, cs[i].other, lowerIsBetter: lowerIsBetter)
            cs[i].pBetter = PermutationTest.pValue(x, y, alternative: lowerIsBetter ? .less : .greater)
            cs[i].pWorse = PermutationTest.pValue(x, y, alternative: lowerIsBetter ? .greater : .less)
        }
        let better = Holm.adjusted(cs.map(\.pBetter)), worse = Holm.adjusted(cs.map(\.pWorse))
        for i in cs.indices {
            cs[i].adjustedBetter = better[i]
            cs[i].adjustedWorse = worse[i]
        }
        self.comparisons = cs
        if !cs.isEmpty && better.allSatisfy({ $0 <= alpha }) {
            verdict = .pass
        } else if worse.contains(where: { $0 <= alpha }) {
            verdict = .fail
        } else {
            verdict = .undecided
        }
    }

    static func finite(_ a: [Double], _ b: [Double], lowerIsBetter: Bool) -> ([Double], [Double]) {
        let ok = (a + b).filter(\.isFinite)
        let lo = ok.min() ?? 0, hi = ok.max() ?? 0
        let worst = lowerIsBetter ? hi + (hi - lo) + 1 : lo - (hi - lo) - 1
        return (a.map { $0.isFinite ? $0 : worst }, b.map { $0.isFinite ? $0 : worst })
    }
}
