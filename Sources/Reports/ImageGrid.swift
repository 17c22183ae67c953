import Foundation
import Tensors

/// Grayscale images (e.g. MNIST digits, pixel values in [0, 1]) tiled into one raster: `columns`
/// images per row, each pixel enlarged to `scale`×`scale`, separated by `padding` gray pixels;
/// ``figure(_:height:width:columns:count:title:)`` puts a caption above it.
/// Values are clamped to [0, 1] (0 black, 1 white); NaN pixels are drawn red.
public enum ImageGrid {
    public static let background = Color(128, 128, 128)

    /// The first `count` rows of `images` ([n, height·width], row-major pixels) as a grid.
    public static func raster(_ images: Tensor, height: Int, width: Int, columns: Int = 8, count: Int? = nil,
                              scale: Int = 2, padding: Int = 2) -> Bitmap {
        ensure(images.rank == 2 && images.shape[1] == height * width,
               "ImageGrid: images must be [n, \(height * width)] for \(height)×\(width) images, got \(images.shape)")
        ensure(columns > 0 && scale > 0 && padding >= 0, "ImageGrid: columns \(columns), scale \(scale), padding \(padding)")
        let n = min(count ?? images.shape[0], images.shape[0])
        ensure(n > 0, "ImageGrid: no images")
        let rows = (n + columns - 1) / columns, cols = min(columns, n)
        let cellW = width * scale + padding, cellH = height * scale + padding
        var r = Bitmap(width: cols * cellW + padding, height: rows * cellH + padding, fill: background)
        let values = images.scalars
        for k in 0..<n {
            let x0 = padding + (k % columns) * cellW, y0 = padding + (k / columns) * cellH
            for y in 0..<height { for x in 0..<width {
                let v = values[k * height * width + y * width + x]
                let c = v.isNaN ? Color(255, 0, 0) : { let g = UInt8((min(max(v, 0), 1) * 255).rounded()); return Color(g, g, g) }()
                for dy in 0..<scale { for dx in 0..<scale { r[x0 + x * scale + dx, y0 + y * scale + dy] = c } }
            } }
        }
        return r
    }

    /// The grid under a caption (e.g. "last iterate" or "EMA generator"), as a figure that the SVG,
    /// PNG and PDF writers draw alike.
    public static func figure(_ images: Tensor, height: Int, width: Int, columns: Int = 8, count: Int? = nil,
                              title: String) -> Figure {
        let grid = raster(images, height: height, width: width, columns: columns, count: count, scale: 1, padding: 1)
        let scale = 2.0, pad = 6.0
        let ascent = FigureRenderer.fontExtents(size: PlotFrame.titleFont).ascent
        let titleHeight = ascent + FigureRenderer.fontExtents(size: PlotFrame.titleFont).descent
        let titleWidth = FigureRenderer.textWidth(title, size: PlotFrame.titleFont)
        let w = max(Double(grid.width) * scale, titleWidth) + 2 * pad
        var f = Figure(width: w, height: pad + titleHeight + pad + Double(grid.height) * scale + pad)
        f.text(title, x: w / 2, y: pad + ascent, anchor: .middle, size: PlotFrame.titleFont)
        f.marks.append(.image(grid, x: (w - Double(grid.width) * scale) / 2, y: 2 * pad + titleHeight, scale: scale))
        return f
    }
}
