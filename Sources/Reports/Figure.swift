/// A plot as device-independent marks in pixel coordinates (y grows downward, as in SVG), so the
/// SVG writer and the PNG rasterizer draw exactly the same figure.
public struct Figure: Sendable {
    public enum Mark: Sendable {
        case line(x0: Double, y0: Double, x1: Double, y1: Double, color: Color, width: Double)
        case polyline([(Double, Double)], color: Color, width: Double)
        /// Text is drawn in SVG only; the rasterizer omits it (PNGs carry the marks, not the labels).
        case text(String, x: Double, y: Double, anchor: String, size: Double, color: Color)
        /// A round dot of diameter `size` at each point (scatter plots).
        case points([(Double, Double)], color: Color, size: Double)
    }

    public var width: Double
    public var height: Double
    public var marks: [Mark] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A line with a two-stroke arrowhead at (x1, y1), `head` pixels long.
    public mutating func arrow(from p: (Double, Double), to q: (Double, Double), color: Color, head: Double) {
        marks.append(.line(x0: p.0, y0: p.1, x1: q.0, y1: q.1, color: color, width: 1))
        let dx = q.0 - p.0, dy = q.1 - p.1
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { return }
        let ux = dx / length, uy = dy / length
        for s in [-1.0, 1.0] {
            // ±25° from the shaft, pointing back.
            let c = 0.906, sn = 0.423 * s
            let bx = -(ux * c - uy * sn), by = -(ux * sn + uy * c)
            marks.append(.line(x0: q.0, y0: q.1, x1: q.0 + head * bx, y1: q.1 + head * by, color: color, width: 1))
        }
    }
}

/// An sRGB colour.
public struct Color: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public var hex: String {
        func h(_ v: UInt8) -> String { let s = String(v, radix: 16); return s.count == 1 ? "0" + s : s }
        return "#" + h(r) + h(g) + h(b)
    }
    public static let black = Color(0, 0, 0)
    public static let gray = Color(160, 160, 160)
    public static let lightGray = Color(225, 225, 225)
    /// Okabe–Ito's colour-blind-safe palette, cycled by series index.
    public static let palette: [Color] = [
        Color(0, 114, 178), Color(213, 94, 0), Color(0, 158, 115), Color(204, 121, 167),
        Color(230, 159, 0), Color(86, 180, 233), Color(0, 0, 0), Color(240, 228, 66),
    ]
}
