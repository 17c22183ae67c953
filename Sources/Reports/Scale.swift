import Foundation
import Tensors

/// Maps data values on one axis to pixels: linearly, or linearly in log₁₀ of the value.
public struct AxisScale: Sendable {
    public enum Kind: Sendable { case linear, log }
    public var kind: Kind
    public var lower: Double, upper: Double
    /// Pixel positions of `lower` and `upper` (for y, `pixelLower` is the larger one).
    public var pixelLower: Double, pixelUpper: Double
    /// Ticks only at whole numbers (iterations, oracle calls): a range shorter than one gets ticks
    /// one apart, never 300, 300.2, ….
    public var integer = false

    public init(_ kind: Kind, lower: Double, upper: Double, pixelLower: Double, pixelUpper: Double, integer: Bool = false) {
        ensure(kind == .linear || lower > 0, "AxisScale: a log axis needs lower > 0, got \(lower)")
        ensure(upper > lower, "AxisScale: upper \(upper) must exceed lower \(lower)")
        self.kind = kind; self.lower = lower; self.upper = upper
        self.pixelLower = pixelLower; self.pixelUpper = pixelUpper; self.integer = integer
    }

    func transformed(_ v: Double) -> Double { kind == .log ? log10(v) : v }

    /// The pixel for `value`; on a log axis, non-positive values map to nil (they have no place).
    public func pixel(_ value: Double) -> Double? {
        guard value.isFinite, kind == .linear || value > 0 else { return nil }
        let t = (transformed(value) - transformed(lower)) / (transformed(upper) - transformed(lower))
        return pixelLower + t * (pixelUpper - pixelLower)
    }

    /// Tick values: each power of ten on a log axis (every k-th if there are many), 4–10 round
    /// numbers (1, 2 or 5 times a power of ten) otherwise, whole numbers on an integer axis.
    public func ticks() -> [Double] {
        switch kind {
        case .log:
            let a = Int(floor(log10(lower))), b = Int(ceil(log10(upper)))
            let stride = max(1, (b - a) / 8)
            return Swift.stride(from: a, through: b, by: stride).map { pow(10, Double($0)) }.filter { $0 >= lower * 0.999 && $0 <= upper * 1.001 }
        case .linear:
            let raw = (upper - lower) / 6
            let mag = pow(10, floor(log10(raw)))
            var step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            if integer { step = max(1, step.rounded(.up)) }
            var out: [Double] = []
            // Multiples of the step, computed as k·step (no accumulated rounding).
            var k = (lower / step).rounded(.up)
            while k * step <= upper + step * 1e-9, out.count <= 20 {
                let v = k * step
                out.append(abs(v) < step * 1e-9 ? 0 : v)
                k += 1
            }
            return out
        }
    }

    /// The label of one tick: 1e-6 style on a log axis, %g otherwise.
    public func label(_ v: Double) -> String { labels([v])[0] }

    /// Labels of `ticks` (1e-6 style on a log axis; %g otherwise) with just enough significant
    /// digits that neighbours differ: ticks 1.0000001 apart do not all read "1".
    public func labels(_ ticks: [Double]) -> [String] {
        if kind == .log { return ticks.map { "1e\(Int(log10($0).rounded()))" } }
        for digits in 6...15 {
            let out = ticks.map { String(format: "%.\(digits)g", $0) }
            if Set(out).count == out.count { return out }
        }
        return ticks.map { String(format: "%.17g", $0) }
    }
}
