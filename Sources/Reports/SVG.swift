import Foundation

/// Writes a `Figure` as a standalone SVG 1.1 document (text escaped, so any label is safe).
public enum SVG {
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func n(_ v: Double) -> String { String(format: "%.2f", v) }
    /// `v` with one decimal, without `String(format:)` (fast enough for thousands of scatter dots).
    static func tenths(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e12 else { return "0" }
        let t = Int((v * 10).rounded()), whole = abs(t) / 10
        return (t < 0 ? "-" : "") + String(whole) + "." + String(abs(t) % 10)
    }

    public static func render(_ f: Figure) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(f.width))\" height=\"\(n(f.height))\" viewBox=\"0 0 \(n(f.width)) \(n(f.height))\" font-family=\"sans-serif\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for m in f.marks {
            switch m {
            case let .line(x0, y0, x1, y1, c, w):
                s += "<line x1=\"\(n(x0))\" y1=\"\(n(y0))\" x2=\"\(n(x1))\" y2=\"\(n(y1))\" stroke=\"\(c.hex)\" stroke-width=\"\(n(w))\"/>\n"
            case let .polyline(points, c, w):
                let p = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                s += "<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(c.hex)\" stroke-width=\"\(n(w))\"/>\n"
            case let .points(points, c, size):
                // One path of zero-length strokes with round caps: a dot per point, ~20 bytes each.
                guard !points.isEmpty else { continue }
                var d = ""
                d.reserveCapacity(points.count * 16)
                for p in points { d += "M"; d += tenths(p.0); d += " "; d += tenths(p.1); d += "h0" }
                s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c.hex)\" stroke-width=\"\(n(size))\" stroke-linecap=\"round\"/>\n"
            case let .text(t, x, y, anchor, size, c):
                s += "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\" fill=\"\(c.hex)\">\(escape(t))</text>\n"
            }
        }
        return s + "</svg>\n"
    }
}
