import Foundation
import Tensors

/// A line plot of several named series, with axis labels, ticks and a legend; y may be log-scale.
/// A series with one drawable point shows as a dot; a plot with none says "no data yet".
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double], y: [Double]
        public init(name: String, x: [Double], y: [Double]) {
            ensure(x.count == y.count, "LinePlot.Series \(name): \(x.count) x values, \(y.count) y values")
            self.name = name; self.x = x; self.y = y
        }
    }

    public var title: String, xLabel: String, yLabel: String
    public var logY: Bool
    public var series: [Series]
    /// The figure's smallest size; it grows where labels need room (``PlotFrame``).
    public var width = 640.0, height = 400.0

    public init(title: String, xLabel: String, yLabel: String, logY: Bool, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY; self.series = series
    }

    /// The data ranges: on a log axis, non-positive and non-finite values are left out. A single
    /// value gets a range around it (±1 for whole numbers, ±5% otherwise).
    func ranges() -> (x: (Double, Double), y: (Double, Double), integerX: Bool) {
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap(\.y).filter { $0.isFinite && (!logY || $0 > 0) }
        let integerX = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1
        if x1 <= x0 { let d = integerX ? 1 : max(abs(x0) * 0.05, 0.5); x0 -= d; x1 += d }
        var y0 = ys.min() ?? (logY ? 1e-3 : 0), y1 = ys.max() ?? 1
        if logY {
            y0 = pow(10, floor(log10(y0))); y1 = pow(10, ceil(log10(y1)))
            if y1 <= y0 { y1 = y0 * 10 }
        } else if y1 - y0 <= 1e-12 * max(abs(y0), abs(y1)) {
            let d = y0 == 0 ? 0.5 : abs(y0) * 0.05
            y0 -= d; y1 += d
        } else {
            // 5% of the range above and below, so the extreme points sit inside the frame, not on it.
            let d = 0.05 * (y1 - y0)
            y0 -= d; y1 += d
        }
        return ((x0, x1), (y0, y1), integerX)
    }

    public func frame() -> PlotFrame {
        let r = ranges()
        let sx = AxisScale(.linear, lower: r.x.0, upper: r.x.1, pixelLower: 0, pixelUpper: 1, integer: r.integerX)
        let sy = AxisScale(logY ? .log : .linear, lower: r.y.0, upper: r.y.1, pixelLower: 1, pixelUpper: 0)
        return PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                         xTickLabels: sx.labels(sx.ticks()), yTickLabels: sy.labels(sy.ticks()), legend: series.map(\.name))
    }

    /// The axes' scales on the plot area of ``frame()``.
    public func scales() -> (x: AxisScale, y: AxisScale) {
        let r = ranges(), p = frame()
        return (AxisScale(.linear, lower: r.x.0, upper: r.x.1, pixelLower: p.left, pixelUpper: p.right, integer: r.integerX),
                AxisScale(logY ? .log : .linear, lower: r.y.0, upper: r.y.1, pixelLower: p.bottom, pixelUpper: p.top))
    }

    public func figure() -> Figure {
        let p = frame()
        var f = Figure(width: p.width, height: p.height)
        let (sx, sy) = scales()
        p.drawAxes(&f, sx, sy, title: title, xLabel: xLabel, yLabel: yLabel)
        var drawn = 0
        for (i, s) in series.enumerated() {
            let color = Color.palette[i % Color.palette.count]
            // A non-finite or (on a log axis) non-positive value breaks the line; a run of one
            // point is a dot.
            var run: [(Double, Double)] = []
            func flush() {
                if run.count > 1 { f.marks.append(.polyline(run, color: color, width: 1.5)) }
                if run.count == 1 { f.marks.append(.points(run, color: color, size: 4)) }
                drawn += run.count
                run = []
            }
            for (x, y) in zip(s.x, s.y) {
                if let px = sx.pixel(x), let py = sy.pixel(y) {
                    run.append((px, min(max(py, p.top - 5), p.bottom + 5)))
                } else { flush() }
            }
            flush()
            let r = p.legendRow(i)
            f.marks.append(.line(x0: r.keyX, y0: r.y, x1: r.keyX + 18, y1: r.y, color: color, width: 2))
            p.legendText(&f, s.name, row: i)
        }
        if drawn == 0 { p.noData(&f) }
        return f
    }

    public func svg() -> String { SVG.render(figure()) }
}
