import Foundation
import Tensors

/// Grayscale images (e.g. MNIST digits, pixel values in [0, 1]) tiled into one raster: `columns`
/// images per row, each pixel enlarged to `scale`×`scale`, separated by `padding` gray pixels.
/// Values are clamped to [0, 1] (0 black, 1 white); NaN pixels are drawn red.
public enum ImageGrid {
    public static let background = Color(128, 128, 128)

    /// The first `count` rows of `images` ([n, height·width], row-major pixels) as a grid.
    public static func raster(_ images: Tensor, height: Int, width: Int, columns: Int = 8, count: Int? = nil,
                              scale: Int = 2, padding: Int = 2) -> Raster {
        ensure(images.rank == 2 && images.shape[1] == height * width,
               "ImageGrid: images must be [n, \(height * width)] for \(height)×\(width) images, got \(images.shape)")
        ensure(columns > 0 && scale > 0 && padding >= 0, "ImageGrid: columns \(columns), scale \(scale), padding \(padding)")
        let n = min(count ?? images.shape[0], images.shape[0])
        ensure(n > 0, "ImageGrid: no images")
        let rows = (n + columns - 1) / columns, cols = min(columns, n)
        let cellW = width * scale + padding, cellH = height * scale + padding
        var r = Raster(width: cols * cellW + padding, height: rows * cellH + padding)
        for i in 0..<(r.width * r.height) {
            r.pixels[3 * i] = background.r; r.pixels[3 * i + 1] = background.g; r.pixels[3 * i + 2] = background.b
        }
        let values = images.scalars
        for k in 0..<n {
            let x0 = padding + (k % columns) * cellW, y0 = padding + (k / columns) * cellH
            for y in 0..<height { for x in 0..<width {
                let v = values[k * height * width + y * width + x]
                let c = v.isNaN ? Color(255, 0, 0) : { let g = UInt8((min(max(v, 0), 1) * 255).rounded()); return Color(g, g, g) }()
                for dy in 0..<scale { for dx in 0..<scale { r.plot(x0 + x * scale + dx, y0 + y * scale + dy, c) } }
            } }
        }
        return r
    }
}
