import Foundation
import Tensors

/// Maps data values on one axis to pixels: linearly, or linearly in log₁₀ of the value.
public struct AxisScale: Sendable {
    public enum Kind: Sendable { case linear, log }
    public var kind: Kind
    public var lower: Double, upper: Double
    /// Pixel positions of `lower` and `upper` (for y, `pixelLower` is the larger one).
    public var pixelLower: Double, pixelUpper: Double

    public init(_ kind: Kind, lower: Double, upper: Double, pixelLower: Double, pixelUpper: Double) {
        ensure(kind == .linear || lower > 0, "AxisScale: a log axis needs lower > 0, got \(lower)")
        ensure(upper > lower, "AxisScale: upper \(upper) must exceed lower \(lower)")
        self.kind = kind; self.lower = lower; self.upper = upper
        self.pixelLower = pixelLower; self.pixelUpper = pixelUpper
    }

    func transformed(_ v: Double) -> Double { kind == .log ? log10(v) : v }

    /// The pixel for `value`; on a log axis, non-positive values map to nil (they have no place).
    public func pixel(_ value: Double) -> Double? {
        guard value.isFinite, kind == .linear || value > 0 else { return nil }
        let t = (transformed(value) - transformed(lower)) / (transformed(upper) - transformed(lower))
        return pixelLower + t * (pixelUpper - pixelLower)
    }

    /// Tick values: each power of ten on a log axis (every k-th if there are many), 5–10 round numbers otherwise.
    public func ticks() -> [Double] {
        switch kind {
        case .log:
            let a = Int(floor(log10(lower))), b = Int(ceil(log10(upper)))
            let stride = max(1, (b - a) / 8)
            return Swift.stride(from: a, through: b, by: stride).map { pow(10, Double($0)) }.filter { $0 >= lower * 0.999 && $0 <= upper * 1.001 }
        case .linear:
            let raw = (upper - lower) / 6
            let mag = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            var out: [Double] = []
            var v = ceil(lower / step) * step
            while v <= upper + step * 1e-9 { out.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
            return out
        }
    }

    /// The label of a tick: 1e-6 style on a log axis, %g otherwise.
    public func label(_ v: Double) -> String {
        kind == .log ? "1e\(Int(log10(v).rounded()))" : String(format: "%g", v)
    }
}
