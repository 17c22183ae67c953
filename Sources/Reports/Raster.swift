import Foundation
import Tensors

/// An RGB canvas that rasterizes a `Figure`'s lines (Bresenham, thickened by a square pen); text is
/// omitted, so the PNG shows the same curves and axes as the SVG without labels.
public struct Raster: Sendable {
    public let width: Int, height: Int
    public var pixels: [UInt8]   // RGB, row-major

    public init(width: Int, height: Int) {
        ensure(width > 0 && height > 0, "Raster: size \(width)×\(height)")
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    public init(_ f: Figure) {
        self.init(width: Int(f.width.rounded()), height: Int(f.height.rounded()))
        for m in f.marks {
            switch m {
            case let .line(x0, y0, x1, y1, c, w): line(x0, y0, x1, y1, c, w)
            case let .polyline(p, c, w): for (a, b) in zip(p, p.dropFirst()) { line(a.0, a.1, b.0, b.1, c, w) }
            case let .points(p, c, size): for q in p { dot(q.0, q.1, c, size) }
            case .text: break
            }
        }
    }

    mutating func plot(_ x: Int, _ y: Int, _ c: Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    public mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: Color, _ w: Double) {
        guard [x0, y0, x1, y1].allSatisfy({ $0.isFinite && abs($0) < 1e6 }) else { return }
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        let pen = max(0, Int((w - 1) / 2 + 0.5))
        for k in 0...steps {
            let t = Double(k) / Double(steps)
            let x = Int((x0 + t * (x1 - x0)).rounded()), y = Int((y0 + t * (y1 - y0)).rounded())
            for dx in -pen...pen { for dy in -pen...pen { plot(x + dx, y + dy, c) } }
        }
    }

    /// A filled disc of diameter `size` (at least one pixel) centred at (x, y).
    public mutating func dot(_ x: Double, _ y: Double, _ c: Color, _ size: Double) {
        guard x.isFinite, y.isFinite, abs(x) < 1e6, abs(y) < 1e6 else { return }
        let r = max(0.5, size / 2), r2 = r * r
        let cx = Int(x.rounded()), cy = Int(y.rounded()), k = Int(r.rounded(.up))
        for dy in -k...k { for dx in -k...k where Double(dx * dx + dy * dy) <= r2 + 0.25 { plot(cx + dx, cy + dy, c) } }
    }

    public func png(level: Int32 = 9) -> [UInt8] { PNG.encode(rgb: pixels, width: width, height: height, level: level) }
}
