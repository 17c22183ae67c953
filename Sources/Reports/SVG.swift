import Foundation

/// Writes a `Figure` as a standalone SVG 1.1 document: text as real `<text>` elements (selectable
/// and searchable, in ``FigureRenderer/fontFamily`` so browsers lay it out as Cairo measured it),
/// escaped so any label is safe; bitmaps inlined as PNG data URIs.
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
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(f.width))\" height=\"\(n(f.height))\" viewBox=\"0 0 \(n(f.width)) \(n(f.height))\" font-family=\"\(FigureRenderer.fontFamily), sans-serif\">\n"
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
            case let .text(t, x, y, anchor, size, c, angle):
                let turn = angle == 0 ? "" : " transform=\"rotate(\(n(-angle)) \(n(x)) \(n(y)))\""
                s += "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor.rawValue)\" font-size=\"\(n(size))\" fill=\"\(c.hex)\"\(turn)>\(escape(t))</text>\n"
            case let .image(bitmap, x, y, scale):
                // A bitmap that cannot be encoded is left out (it only happens out of memory).
                guard let png = try? bitmap.png() else { continue }
                s += "<image x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(Double(bitmap.width) * scale))\" height=\"\(n(Double(bitmap.height) * scale))\" image-rendering=\"pixelated\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(Foundation.Data(png).base64EncodedString())\"/>\n"
            }
        }
        return s + "</svg>\n"
    }
}
