import Foundation
import Tensors

/// A scatter plot of 2-D points: one or more named series of dots over optional reference circles
/// (e.g. a Gaussian mixture's modes, drawn at 3 standard deviations), with axes, ticks and a
/// legend. Points outside the axes' ranges are left out and counted in the legend.
public struct ScatterPlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double], y: [Double]
        public init(name: String, x: [Double], y: [Double]) {
            ensure(x.count == y.count, "ScatterPlot.Series \(name): \(x.count) x values, \(y.count) y values")
            self.name = name; self.x = x; self.y = y
        }
        /// The rows of an [n, 2] tensor (first column x, second y).
        public init(name: String, points: Tensor) {
            ensure(points.rank == 2 && points.shape[1] == 2, "ScatterPlot.Series \(name): points must be [n, 2], got \(points.shape)")
            let s = points.scalars
            self.init(name: name, x: stride(from: 0, to: s.count, by: 2).map { s[$0] }, y: stride(from: 1, to: s.count, by: 2).map { s[$0] })
        }
    }

    public var title: String, xLabel: String, yLabel: String
    public var series: [Series]
    /// Circles drawn over the points: centres and a radius in data units (at least 3 pixels drawn).
    public var references: [(Double, Double)] = []
    public var referenceRadius = 0.0
    public var referenceName = "modes"
    /// Axis ranges; nil: the data's range padded by 5% (the same for x and y, so distances read true).
    public var xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?
    /// Dot diameter in pixels.
    public var dotSize = 2.0
    /// The figure's smallest size; it grows where labels need room (``PlotFrame``).
    public var width = 520.0, height = 440.0

    public init(title: String, xLabel: String = "x", yLabel: String = "y", series: [Series],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xRange = xRange; self.yRange = yRange
    }

    /// The legend's entries: each series with the count of its points outside the axes, then the references.
    func legend(_ sx: AxisScale, _ sy: AxisScale) -> [String] {
        series.map { s in
            let outside = zip(s.x, s.y).filter { !(($0 >= sx.lower && $0 <= sx.upper) && ($1 >= sy.lower && $1 <= sy.upper)) }.count
            return s.name + (outside > 0 ? " (\(outside) outside)" : "")
        } + (references.isEmpty ? [] : [referenceName])
    }

    public func frame() -> PlotFrame {
        let (x0, x1, y0, y1) = ranges()
        let sx = AxisScale(.linear, lower: x0, upper: x1, pixelLower: 0, pixelUpper: 1)
        let sy = AxisScale(.linear, lower: y0, upper: y1, pixelLower: 1, pixelUpper: 0)
        return PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                         xTickLabels: sx.labels(sx.ticks()), yTickLabels: sy.labels(sy.ticks()), legend: legend(sx, sy))
    }

    /// The axes' scales on the plot area of ``frame()``: the given ranges, or one common padded
    /// range of every finite coordinate.
    public func scales() -> (x: AxisScale, y: AxisScale) {
        let (x0, x1, y0, y1) = ranges(), p = frame()
        return (AxisScale(.linear, lower: x0, upper: x1, pixelLower: p.left, pixelUpper: p.right),
                AxisScale(.linear, lower: y0, upper: y1, pixelLower: p.bottom, pixelUpper: p.top))
    }

    func ranges() -> (Double, Double, Double, Double) {
        var xr = xRange, yr = yRange
        if xr == nil || yr == nil {
            let values = (series.flatMap(\.x) + series.flatMap(\.y) + references.flatMap { [$0.0, $0.1] }).filter(\.isFinite)
            var lo = values.min() ?? -1, hi = values.max() ?? 1
            if hi <= lo { lo -= 1; hi += 1 }
            let pad = 0.05 * (hi - lo)
            if xr == nil { xr = (lo - pad)...(hi + pad) }
            if yr == nil { yr = (lo - pad)...(hi + pad) }
        }
        func proper(_ r: ClosedRange<Double>) -> (Double, Double) { r.upperBound > r.lowerBound ? (r.lowerBound, r.upperBound) : (r.lowerBound - 1, r.lowerBound + 1) }
        let (x0, x1) = proper(xr!), (y0, y1) = proper(yr!)
        return (x0, x1, y0, y1)
    }

    public func figure() -> Figure {
        let p = frame()
        var f = Figure(width: p.width, height: p.height)
        let (sx, sy) = scales()
        p.drawAxes(&f, sx, sy, title: title, xLabel: xLabel, yLabel: yLabel)
        func inside(_ x: Double, _ y: Double) -> (Double, Double)? {
            guard x >= sx.lower, x <= sx.upper, y >= sy.lower, y <= sy.upper, let px = sx.pixel(x), let py = sy.pixel(y) else { return nil }
            return (px, py)
        }
        let entries = legend(sx, sy)
        var drawn = 0
        for (i, s) in series.enumerated() {
            let color = Color.palette[i % Color.palette.count]
            let points = zip(s.x, s.y).compactMap { inside($0, $1) }
            f.marks.append(.points(points, color: color, size: dotSize))
            drawn += points.count
            let r = p.legendRow(i)
            f.marks.append(.points([(r.keyX + 9, r.y)], color: color, size: 6))
            p.legendText(&f, entries[i], row: i)
        }
        if !references.isEmpty {
            let radius = max(3, referenceRadius * (sx.pixelUpper - sx.pixelLower) / (sx.upper - sx.lower))
            for (x, y) in references { if let (px, py) = inside(x, y) { circle(&f, px, py, radius, .black) } }
            let r = p.legendRow(series.count)
            circle(&f, r.keyX + 9, r.y, 4, .black)
            p.legendText(&f, referenceName, row: series.count)
        }
        if drawn == 0 && references.isEmpty { p.noData(&f) }
        return f
    }

    public func svg() -> String { SVG.render(figure()) }
    public func png() throws -> [UInt8] { try FigureRenderer.png(figure()) }
}

/// A 20-gon of radius `r` pixels around (x, y).
func circle(_ f: inout Figure, _ x: Double, _ y: Double, _ r: Double, _ color: Color) {
    let points = (0...20).map { k -> (Double, Double) in
        let a = Double(k) * 2 * Double.pi / 20
        return (x + r * cos(a), y + r * sin(a))
    }
    f.marks.append(.polyline(points, color: color, width: 1))
}
