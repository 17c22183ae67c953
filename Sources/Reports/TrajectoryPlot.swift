import Foundation
import Tensors

/// Trajectories in the (θ, φ) plane over a quiver of the vector field −F (the direction the
/// iterates move), arrows normalized to one length so the field's direction reads everywhere.
public struct TrajectoryPlot: Sendable {
    public var title: String
    public var trajectories: [LinePlot.Series]   // x = θ, y = φ
    /// −F at a point, (dθ, dφ).
    public var field: @Sendable (Double, Double) -> (Double, Double)
    public var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
    /// The figure's smallest size; it grows where labels need room (``PlotFrame``).
    public var width = 560.0, height = 460.0

    public init(title: String, trajectories: [LinePlot.Series], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                field: @escaping @Sendable (Double, Double) -> (Double, Double)) {
        self.title = title; self.trajectories = trajectories; self.field = field
        self.xRange = xRange; self.yRange = yRange
    }

    public func figure() -> Figure {
        let xLabel = "θ (generator)", yLabel = "φ (discriminator)"
        let tx = AxisScale(.linear, lower: xRange.lowerBound, upper: xRange.upperBound, pixelLower: 0, pixelUpper: 1)
        let ty = AxisScale(.linear, lower: yRange.lowerBound, upper: yRange.upperBound, pixelLower: 1, pixelUpper: 0)
        let p = PlotFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                          xTickLabels: tx.labels(tx.ticks()), yTickLabels: ty.labels(ty.ticks()), legend: trajectories.map(\.name))
        var f = Figure(width: p.width, height: p.height)
        let sx = AxisScale(.linear, lower: xRange.lowerBound, upper: xRange.upperBound, pixelLower: p.left, pixelUpper: p.right)
        let sy = AxisScale(.linear, lower: yRange.lowerBound, upper: yRange.upperBound, pixelLower: p.bottom, pixelUpper: p.top)
        p.drawAxes(&f, sx, sy, title: title, xLabel: xLabel, yLabel: yLabel)
        let n = 15
        let cell = (sx.pixelUpper - sx.pixelLower) / Double(n)
        for i in 0..<n { for j in 0..<n {
            let x = sx.lower + (Double(i) + 0.5) / Double(n) * (sx.upper - sx.lower)
            let y = sy.lower + (Double(j) + 0.5) / Double(n) * (sy.upper - sy.lower)
            let (dx, dy) = field(x, y)
            // Pixel-space direction: y is flipped and the axes may have different units.
            let px = dx * (sx.pixelUpper - sx.pixelLower) / (sx.upper - sx.lower)
            let py = dy * (sy.pixelUpper - sy.pixelLower) / (sy.upper - sy.lower)
            let norm = (px * px + py * py).squareRoot()
            guard norm > 0, norm.isFinite, let cx = sx.pixel(x), let cy = sy.pixel(y) else { continue }
            let half = 0.35 * cell
            f.arrow(from: (cx - half * px / norm, cy - half * py / norm), to: (cx + half * px / norm, cy + half * py / norm),
                    color: .gray, head: 4)
        } }
        for (k, s) in trajectories.enumerated() {
            let color = Color.palette[k % Color.palette.count]
            let points = zip(s.x, s.y).compactMap { x, y -> (Double, Double)? in
                guard x.isFinite, y.isFinite else { return nil }
                return (min(max(sx.pixel(x)!, sx.pixelLower - 3), sx.pixelUpper + 3),
                        min(max(sy.pixel(y)!, sy.pixelUpper - 3), sy.pixelLower + 3))
            }
            if points.count > 1 { f.marks.append(.polyline(points, color: color, width: 1.5)) }
            let r = p.legendRow(k)
            f.marks.append(.line(x0: r.keyX, y0: r.y, x1: r.keyX + 18, y1: r.y, color: color, width: 2))
            p.legendText(&f, s.name, row: k)
        }
        return f
    }

    public func svg() -> String { SVG.render(figure()) }
}
