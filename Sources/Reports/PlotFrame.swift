import Foundation
import Tensors

/// The layout of one plot: its figure size and the plot area's edges, with margins measured from
/// the text they hold (``FigureRenderer/textWidth(_:size:)``, Cairo's extents in DejaVu Sans), so
/// the title, tick labels, axis labels and legend all fit inside the figure and overlap nothing —
/// in the PNG and PDF, and in the SVG as a browser with DejaVu Sans draws it.
///
/// Layout, left to right: a pad, the y-axis label (turned 90°), a pad, the widest y tick label,
/// the ticks, the plot area, the legend. Top to bottom: the title, the plot area, the ticks, the
/// x tick labels, the x-axis label.
public struct PlotFrame: Sendable {
    public static let tickFont = 11.0, labelFont = 12.0, titleFont = 13.0, legendFont = 11.0
    static let tickLength = 5.0, pad = 6.0, gap = 3.0, legendRow = 16.0, legendKey = 22.0
    /// The smallest plot area a frame keeps, whatever its labels take.
    static let minimumArea = (width: 200.0, height: 140.0)

    /// The figure's size.
    public var width: Double, height: Double
    /// The plot area's edges in pixels (y grows downward: `top` < `bottom`).
    public var left: Double, right: Double, top: Double, bottom: Double

    /// A frame at least `width`×`height`, grown where the text needs room.
    public init(width: Double, height: Double, title: String, xLabel: String, yLabel: String,
                xTickLabels: [String], yTickLabels: [String], legend: [String]) {
        func w(_ s: String, _ size: Double) -> Double { FigureRenderer.textWidth(s, size: size) }
        func h(_ size: Double) -> Double { let e = FigureRenderer.fontExtents(size: size); return e.ascent + e.descent }
        let yTicks = yTickLabels.map { w($0, Self.tickFont) }.max() ?? 0
        let firstX = xTickLabels.first.map { w($0, Self.tickFont) } ?? 0, lastX = xTickLabels.last.map { w($0, Self.tickFont) } ?? 0
        left = max(Self.pad + (yLabel.isEmpty ? 0 : h(Self.labelFont) + Self.pad) + yTicks + Self.gap + Self.tickLength,
                   firstX / 2 + Self.pad)
        top = Self.pad + (title.isEmpty ? 0 : h(Self.titleFont) + Self.pad)
        let bottomMargin = Self.tickLength + Self.gap + h(Self.tickFont) + (xLabel.isEmpty ? 0 : Self.pad + h(Self.labelFont)) + Self.pad
        let legendWidth = legend.isEmpty ? 0 : 12 + Self.legendKey + (legend.map { w($0, Self.legendFont) }.max() ?? 0) + Self.pad
        let rightMargin = max(legendWidth, lastX / 2 + Self.pad, 2 * Self.pad)
        let areaWidth = max(Self.minimumArea.width, width - left - rightMargin, w(xLabel, Self.labelFont))
        self.width = max(left + areaWidth + rightMargin, w(title, Self.titleFont) + 2 * Self.pad)
        let legendHeight = 10 + Double(legend.count) * Self.legendRow
        let areaHeight = max(Self.minimumArea.height, height - top - bottomMargin, legendHeight, w(yLabel, Self.labelFont))
        self.height = top + areaHeight + bottomMargin
        right = self.width - rightMargin
        bottom = top + areaHeight
    }

    /// Frame, ticks with labels (a label that would overlap its neighbour is left out, its grid
    /// line kept), grid lines, the title and the two axis labels.
    func drawAxes(_ f: inout Figure, _ sx: AxisScale, _ sy: AxisScale, title: String, xLabel: String, yLabel: String) {
        let tickAscent = FigureRenderer.fontExtents(size: Self.tickFont).ascent
        let xTicks = sx.ticks(), xLabels = sx.labels(xTicks)
        var lastRight = -Double.infinity
        for (v, label) in zip(xTicks, xLabels) {
            guard let p = sx.pixel(v) else { continue }
            f.marks.append(.line(x0: p, y0: bottom, x1: p, y1: top, color: .lightGray, width: 1))
            f.marks.append(.line(x0: p, y0: bottom, x1: p, y1: bottom + Self.tickLength, color: .black, width: 1))
            let half = FigureRenderer.textWidth(label, size: Self.tickFont) / 2
            guard p - half >= lastRight + 4 else { continue }
            f.text(label, x: p, y: bottom + Self.tickLength + Self.gap + tickAscent, anchor: .middle, size: Self.tickFont)
            lastRight = p + half
        }
        let yTicks = sy.ticks(), yLabels = sy.labels(yTicks)
        var lastTop = Double.infinity
        let rowHeight = tickAscent + FigureRenderer.fontExtents(size: Self.tickFont).descent
        for (v, label) in zip(yTicks, yLabels) {
            guard let p = sy.pixel(v) else { continue }
            f.marks.append(.line(x0: left, y0: p, x1: right, y1: p, color: .lightGray, width: 1))
            f.marks.append(.line(x0: left - Self.tickLength, y0: p, x1: left, y1: p, color: .black, width: 1))
            // The label is centred on its tick: it spans p ± rowHeight/2.
            guard p + rowHeight / 2 <= lastTop - 1 else { continue }
            f.text(label, x: left - Self.tickLength - Self.gap, y: p + tickAscent - rowHeight / 2, anchor: .end, size: Self.tickFont)
            lastTop = p - rowHeight / 2
        }
        f.marks.append(.polyline([(left, top), (right, top), (right, bottom), (left, bottom), (left, top)], color: .black, width: 1))
        if !title.isEmpty {
            let tw = FigureRenderer.textWidth(title, size: Self.titleFont)
            let x = min(max((left + right) / 2, Self.pad + tw / 2), width - Self.pad - tw / 2)
            f.text(title, x: x, y: Self.pad + FigureRenderer.fontExtents(size: Self.titleFont).ascent, anchor: .middle, size: Self.titleFont)
        }
        let labelExtents = FigureRenderer.fontExtents(size: Self.labelFont)
        if !xLabel.isEmpty {
            f.text(xLabel, x: (left + right) / 2, y: height - Self.pad - labelExtents.descent, anchor: .middle, size: Self.labelFont)
        }
        if !yLabel.isEmpty {
            f.marks.append(.text(yLabel, x: Self.pad + labelExtents.ascent, y: (top + bottom) / 2, anchor: .middle,
                                 size: Self.labelFont, color: .black, angle: 90))
        }
    }

    /// Row `i` of the legend: its key's centre line, and where its text starts.
    func legendRow(_ i: Int) -> (keyX: Double, y: Double, textX: Double) {
        let y = top + 10 + Double(i) * Self.legendRow
        return (right + 12, y, right + 12 + Self.legendKey)
    }

    /// A legend entry's text, vertically centred on its key.
    func legendText(_ f: inout Figure, _ text: String, row i: Int) {
        let r = legendRow(i)
        f.text(text, x: r.textX, y: r.y + 4, anchor: .start, size: Self.legendFont)
    }

    /// "no data yet", centred in the plot area (a plot whose series have no drawable point).
    func noData(_ f: inout Figure) {
        f.text("no data yet", x: (left + right) / 2, y: (top + bottom) / 2, anchor: .middle, size: Self.labelFont, color: .gray)
    }
}
