import Foundation
import Tensors

/// A line plot of several named series, with axis labels, ticks and a legend; y may be log-scale.
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
    public var width = 640.0, height = 400.0

    public init(title: String, xLabel: String, yLabel: String, logY: Bool, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY; self.series = series
    }

    static let left = 70.0, right = 170.0, top = 30.0, bottom = 50.0

    /// The axes' scales; on a log axis, non-positive and non-finite values are left out of the range.
    public func scales() -> (x: AxisScale, y: AxisScale) {
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap(\.y).filter { $0.isFinite && (!logY || $0 > 0) }
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1
        if x1 <= x0 { x1 = x0 + 1 }
        var y0 = ys.min() ?? (logY ? 1e-3 : 0), y1 = ys.max() ?? 1
        if logY {
            y0 = pow(10, floor(log10(y0))); y1 = pow(10, ceil(log10(y1)))
            if y1 <= y0 { y1 = y0 * 10 }
        } else if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
        if !logY { x0 = min(x0, x1) }
        let xs_ = AxisScale(.linear, lower: x0, upper: x1, pixelLower: Self.left, pixelUpper: width - Self.right)
        let ys_ = AxisScale(logY ? .log : .linear, lower: y0, upper: y1, pixelLower: height - Self.bottom, pixelUpper: Self.top)
        return (xs_, ys_)
    }

    public func figure() -> Figure {
        var f = Figure(width: width, height: height)
        let (sx, sy) = scales()
        axes(&f, sx, sy, title: title, xLabel: xLabel, yLabel: yLabel)
        for (i, s) in series.enumerated() {
            let color = Color.palette[i % Color.palette.count]
            // A non-finite or (on a log axis) non-positive value breaks the line.
            var run: [(Double, Double)] = []
            for (x, y) in zip(s.x, s.y) {
                if let px = sx.pixel(x), let py = sy.pixel(y) {
                    run.append((px, min(max(py, Self.top - 5), height - Self.bottom + 5)))
                } else {
                    if run.count > 1 { f.marks.append(.polyline(run, color: color, width: 1.5)) }
                    run = []
                }
            }
            if run.count > 1 { f.marks.append(.polyline(run, color: color, width: 1.5)) }
            let ly = Self.top + 10 + Double(i) * 16
            let lx = width - Self.right + 12
            f.marks.append(.line(x0: lx, y0: ly, x1: lx + 18, y1: ly, color: color, width: 2))
            f.marks.append(.text(s.name, x: lx + 22, y: ly + 4, anchor: "start", size: 11, color: .black))
        }
        return f
    }

    public func svg() -> String { SVG.render(figure()) }
}

/// Frame, ticks with labels, grid lines and the three labels shared by every plot.
func axes(_ f: inout Figure, _ sx: AxisScale, _ sy: AxisScale, title: String, xLabel: String, yLabel: String) {
    let (l, r) = (sx.pixelLower, sx.pixelUpper), (b, t) = (sy.pixelLower, sy.pixelUpper)
    for v in sx.ticks() {
        guard let p = sx.pixel(v) else { continue }
        f.marks.append(.line(x0: p, y0: b, x1: p, y1: t, color: .lightGray, width: 1))
        f.marks.append(.line(x0: p, y0: b, x1: p, y1: b + 5, color: .black, width: 1))
        f.marks.append(.text(sx.label(v), x: p, y: b + 18, anchor: "middle", size: 11, color: .black))
    }
    for v in sy.ticks() {
        guard let p = sy.pixel(v) else { continue }
        f.marks.append(.line(x0: l, y0: p, x1: r, y1: p, color: .lightGray, width: 1))
        f.marks.append(.line(x0: l - 5, y0: p, x1: l, y1: p, color: .black, width: 1))
        f.marks.append(.text(sy.label(v), x: l - 8, y: p + 4, anchor: "end", size: 11, color: .black))
    }
    f.marks.append(.polyline([(l, t), (r, t), (r, b), (l, b), (l, t)], color: .black, width: 1))
    f.marks.append(.text(title, x: (l + r) / 2, y: t - 10, anchor: "middle", size: 13, color: .black))
    f.marks.append(.text(xLabel, x: (l + r) / 2, y: b + 38, anchor: "middle", size: 12, color: .black))
    f.marks.append(.text(yLabel, x: 14, y: (t + b) / 2, anchor: "middle", size: 12, color: .black))
}
