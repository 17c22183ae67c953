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
    public var width = 560.0, height = 460.0

    public init(title: String, trajectories: [LinePlot.Series], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                field: @escaping @Sendable (Double, Double) -> (Double, Double)) {
        self.title = title; self.trajectories = trajectories; self.field = field
        self.xRange = xRange; self.yRange = yRange
    }

    public func figure() -> Figure {
        var f = Figure(width: width, height: height)
        let sx = AxisScale(.linear, lower: xRange.lowerBound, upper: xRange.upperBound, pixelLower: LinePlot.left, pixelUpper: width - LinePlot.right)
        let sy = AxisScale(.linear, lower: yRange.lowerBound, upper: yRange.upperBound, pixelLower: height - LinePlot.bottom, pixelUpper: LinePlot.top)
        axes(&f, sx, sy, title: title, xLabel: "θ (generator)", yLabel: "φ")
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
            let ly = LinePlot.top + 10 + Double(k) * 16, lx = width - LinePlot.right + 12
            f.marks.append(.line(x0: lx, y0: ly, x1: lx + 18, y1: ly, color: color, width: 2))
            f.marks.append(.text(s.name, x: lx + 22, y: ly + 4, anchor: "start", size: 11, color: .black))
        }
        return f
    }

    public func svg() -> String { SVG.render(figure()) }
}
