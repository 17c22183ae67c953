/// A plot as device-independent marks in pixel coordinates (y grows downward, as in SVG), so the
/// SVG writer (``SVG``) and Cairo (``FigureRenderer``: PNG and PDF) draw exactly the same figure,
/// text included.
public struct Figure: Sendable {
    public enum Mark: Sendable {
        case line(x0: Double, y0: Double, x1: Double, y1: Double, color: Color, width: Double)
        case polyline([(Double, Double)], color: Color, width: Double)
        /// Text in DejaVu Sans whose baseline passes through (x, y), placed along the baseline by
        /// `anchor`, turned `angle` degrees counter-clockwise about (x, y) (90: read bottom to top,
        /// as a y-axis label is).
        case text(String, x: Double, y: Double, anchor: TextAnchor, size: Double, color: Color, angle: Double)
        /// A round dot of diameter `size` at each point (scatter plots).
        case points([(Double, Double)], color: Color, size: Double)
        /// A bitmap with its top-left corner at (x, y), each pixel drawn as a `scale`×`scale` square
        /// (nearest neighbour, so image samples stay sharp).
        case image(Bitmap, x: Double, y: Double, scale: Double)
    }

    public var width: Double
    public var height: Double
    public var marks: [Mark] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Horizontal text: the common case.
    public mutating func text(_ s: String, x: Double, y: Double, anchor: TextAnchor = .start, size: Double, color: Color = .black) {
        marks.append(.text(s, x: x, y: y, anchor: anchor, size: size, color: color, angle: 0))
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

/// Where a text mark's point lies on its baseline: SVG's `text-anchor`.
public enum TextAnchor: String, Sendable {
    case start, middle, end

    /// The offset of the text's start from the anchor point, for text `width` wide.
    func offset(width: Double) -> Double {
        switch self {
        case .start: return 0
        case .middle: return -width / 2
        case .end: return -width
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
    public static let white = Color(255, 255, 255)
    public static let gray = Color(160, 160, 160)
    public static let lightGray = Color(225, 225, 225)
    /// Okabe–Ito's colour-blind-safe palette, cycled by series index.
    public static let palette: [Color] = [
        Color(0, 114, 178), Color(213, 94, 0), Color(0, 158, 115), Color(204, 121, 167),
        Color(230, 159, 0), Color(86, 180, 233), Color(0, 0, 0), Color(240, 228, 66),
    ]
}
