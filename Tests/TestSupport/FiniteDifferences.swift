import Foundation
import Saddle

/// Central finite differences, the independent reference for every derivative Saddle computes.
///
/// Evaluate in Float64. For a smooth f, the error of (f(x + h eᵢ) − f(x − h eᵢ)) / 2h is
/// O(h² f‴) + O(ε |f| / h); h = 1e-5 keeps both near 1e-10 for O(1) functions.
public enum FiniteDifferences {
    /// ∂f/∂xₖ for every entry of every input, by central differences. `f` must not record.
    public static func gradient(of f: ([Tensor]) -> Double, at points: [Tensor], step h: Double = 1e-5) -> [Tensor] {
        points.indices.map { k in
            let g = Tensor.zeros(points[k].shape, dtype: .float64)
            for i in 0..<points[k].count {
                let xs = points.map { $0.copy() }
                let x0 = xs[k][i]
                xs[k][i] = x0 + h
                let fp = f(xs)
                xs[k][i] = x0 - h
                let fm = f(xs)
                g[i] = (fp - fm) / (2 * h)
            }
            return g
        }
    }

    /// The directional derivative (f(x + h v) − f(x − h v)) / 2h of a tensor-valued f.
    public static func directional(of f: ([Tensor]) -> [Tensor], at points: [Tensor], along v: [Tensor],
                                   step h: Double = 1e-5) -> [Tensor] {
        let plus = f(zip(points, v).map { Tensor.linearCombination(1, $0, h, $1) })
        let minus = f(zip(points, v).map { Tensor.linearCombination(1, $0, -h, $1) })
        return zip(plus, minus).map { Tensor.linearCombination(1 / (2 * h), $0, -1 / (2 * h), $1) }
    }
}

/// The comparison the acceptance criteria use: |g − g_ref| ≤ tol · max(1, ‖g_ref‖∞) per entry.
/// Returns nil when it holds, else a message naming the worst entry.
public func compareEntrywise(_ g: Tensor, _ reference: Tensor, tolerance: Double, label: String = "") -> String? {
    guard g.count == reference.count else { return "\(label): \(g.count) entries vs \(reference.count)" }
    let scale = max(1, reference.maxAbs())
    var worst = 0.0, at = 0
    for i in 0..<g.count {
        let e = abs(g[i] - reference[i])
        if !(e <= worst) { worst = e; at = i }
    }
    if worst <= tolerance * scale { return nil }
    return "\(label): entry \(at): \(g[at]) vs reference \(reference[at]) (|error| \(worst) > \(tolerance) × \(scale))"
}

/// Which test tier is running: the fast tier always, the thorough one when SADDLE_TIER=thorough.
public enum Tier {
    public static var thorough: Bool { ProcessInfo.processInfo.environment["SADDLE_TIER"] == "thorough" }
}

/// A Float64 tensor of uniform draws whose magnitudes lie in [lo, hi] with random signs: inputs
/// kept away from every kink at 0.
public func awayFromZero(_ shape: Shape, _ lo: Double = 0.1, _ hi: Double = 1, using rng: inout RandomGenerator) -> Tensor {
    let t = Tensor.uniform(shape, low: lo, high: hi, dtype: .float64, using: &rng)
    for i in 0..<t.count where rng.uniformDouble() < 0.5 { t[i] = -t[i] }
    return t
}
