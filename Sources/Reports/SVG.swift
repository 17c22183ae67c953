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
            case let .text(t, x, y, anchor, size, c):
                s += "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\" fill=\"\(c.hex)\">\(escape(t))</text>\n"
            }
        }
        return s + "</svg>\n"
    }
}
