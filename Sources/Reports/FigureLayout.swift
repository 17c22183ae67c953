import Foundation
import Tensors

extension Figure.Mark {
    /// The mark moved by (dx, dy) pixels.
    func offset(_ dx: Double, _ dy: Double) -> Figure.Mark {
        switch self {
        case let .line(x0, y0, x1, y1, c, w): return .line(x0: x0 + dx, y0: y0 + dy, x1: x1 + dx, y1: y1 + dy, color: c, width: w)
        case let .polyline(p, c, w): return .polyline(p.map { ($0.0 + dx, $0.1 + dy) }, color: c, width: w)
        case let .text(t, x, y, a, s, c, angle): return .text(t, x: x + dx, y: y + dy, anchor: a, size: s, color: c, angle: angle)
        case let .points(p, c, s): return .points(p.map { ($0.0 + dx, $0.1 + dy) }, color: c, size: s)
        case let .image(b, x, y, s): return .image(b, x: x + dx, y: y + dy, scale: s)
        }
    }
}

extension Figure {
    /// Several figures tiled left to right, `columns` per row, into one (each cell as large as the
    /// largest figure), so several plots make one SVG, PNG or PDF file.
    public static func grid(_ figures: [Figure], columns: Int) -> Figure {
        ensure(columns > 0, "Figure.grid: columns must be positive")
        guard !figures.isEmpty else { return Figure(width: 1, height: 1) }
        let cw = figures.map(\.width).max()!, ch = figures.map(\.height).max()!
        let cols = min(columns, figures.count), rows = (figures.count + columns - 1) / columns
        var out = Figure(width: cw * Double(cols), height: ch * Double(rows))
        for (i, f) in figures.enumerated() {
            let dx = Double(i % columns) * cw, dy = Double(i / columns) * ch
            out.marks += f.marks.map { $0.offset(dx, dy) }
        }
        return out
    }
}

extension Figure {
    /// The figure as an SVG document (``SVG/render(_:)``).
    public func svg() -> String { SVG.render(self) }
    /// The figure as a PNG file, drawn by Cairo (``FigureRenderer/png(_:)``).
    public func png() throws -> [UInt8] { try FigureRenderer.png(self) }
    /// The figure as a one-page PDF, drawn by Cairo (``FigureRenderer/pdf(_:)``).
    public func pdf() throws -> [UInt8] { try FigureRenderer.pdf(self) }
}

extension HTMLReport {
    /// Inlines a PNG as a data URI (the page stays one self-contained file).
    public mutating func image(png: [UInt8], alt: String) {
        body += "<div class=\"fig\"><img alt=\"\(SVG.escape(alt))\" src=\"data:image/png;base64,\(Foundation.Data(png).base64EncodedString())\"/></div>\n"
    }
    /// Text shown as is, in a monospaced block (configuration files).
    public mutating func preformatted(_ text: String) { body += "<pre>\(SVG.escape(text))</pre>\n" }
    /// A bulleted list.
    public mutating func list(_ items: [String]) {
        body += "<ul>" + items.map { "<li>\(SVG.escape($0))</li>" }.joined() + "</ul>\n"
    }
}
