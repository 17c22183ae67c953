import Foundation
import Reports
import Tensors
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Scatter plots put each point at its scaled pixel, count what falls outside, and stay valid SVG;
/// image grids put each image's pixels in their cell; figures tile into a grid.
@Suite("Scatter plots and image grids")
struct ScatterPlotTests {
    func parses(_ svg: String) -> Bool { XMLParser(data: Data(svg.utf8)).parse() }

    /// The RGB colour of pixel (x, y).
    func color(_ r: Bitmap, _ x: Int, _ y: Int) -> Color { r[x, y] }

    @Test func pointsLandOnTheirScaledPixels() throws {
        var plot = ScatterPlot(title: "a <b>", series: [.init(name: "s & t", x: [-1, 0.5, 9], y: [1, -0.25, 0])],
                               xRange: -2...2, yRange: -2...2)
        plot.references = [(0, 0)]
        plot.referenceRadius = 0.1
        let svg = plot.svg()
        #expect(parses(svg))
        #expect(svg.hasPrefix("<svg"))
        // Two points inside the range: two zero-length strokes; the third is counted in the legend.
        let path = try #require(svg.split(separator: "\n").first { $0.hasPrefix("<path") })
        #expect(path.components(separatedBy: "h0").count - 1 == 2)
        #expect(svg.contains("s &amp; t (1 outside)"))
        let (sx, sy) = plot.scales()
        // Dots 4 pixels across cover the whole pixel their centre lies in (Cairo antialiases edges).
        plot.dotSize = 4
        let png = try plot.png()
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let raster = try Bitmap(png: png)
        for (x, y) in [(-1.0, 1.0), (0.5, -0.25)] {
            let px = Int(try #require(sx.pixel(x))), py = Int(try #require(sy.pixel(y)))
            #expect(color(raster, px, py) == Color.palette[0], "point (\(x), \(y)) at pixel (\(px), \(py))")
        }
        // x = 0.5 is 5/8 of the way across the plot area.
        #expect(abs(try #require(sx.pixel(0.5)) - (sx.pixelLower + 0.625 * (sx.pixelUpper - sx.pixelLower))) < 1e-9)
    }

    /// Without ranges the axes cover every point, with the same range on both axes.
    @Test func automaticRangesCoverThePoints() {
        let s = ScatterPlot.Series(name: "p", points: Tensor([3, -1, 0, 7], shape: [2, 2]))
        #expect(s.x == [3, 0] && s.y == [-1, 7])
        let (sx, sy) = ScatterPlot(title: "", series: [s]).scales()
        #expect(sx.lower < -1 && sx.upper > 7 && sx.lower == sy.lower && sx.upper == sy.upper)
    }

    @Test func imageGridPlacesEachImageInItsCell() {
        // Two 2×3 images: the first a ramp, the second all NaN.
        let values: [Double] = [0, 0.2, 0.4, 0.6, 0.8, 1] + [Double](repeating: .nan, count: 6)
        let r = ImageGrid.raster(Tensor(values, shape: [2, 6]), height: 2, width: 3, columns: 8, scale: 2, padding: 1)
        // One row of two cells, each 3·2 + 1 wide and 2·2 + 1 high, plus the outer padding.
        #expect(r.width == 2 * 7 + 1 && r.height == 5 + 1)
        for y in 0..<2 { for x in 0..<3 {
            let g = UInt8((values[y * 3 + x] * 255).rounded())
            for (dx, dy) in [(0, 0), (1, 1)] {
                #expect(color(r, 1 + 2 * x + dx, 1 + 2 * y + dy) == Color(g, g, g), "pixel (\(x), \(y))")
            }
            #expect(color(r, 8 + 2 * x, 1 + 2 * y) == Color(255, 0, 0), "NaN pixel (\(x), \(y))")
        } }
        #expect(color(r, 0, 0) == ImageGrid.background && color(r, 7, 2) == ImageGrid.background)
    }

    @Test func figuresTileIntoAGrid() {
        var a = Figure(width: 100, height: 50), b = Figure(width: 80, height: 60)
        a.marks.append(.line(x0: 1, y0: 2, x1: 3, y1: 4, color: .black, width: 1))
        b.marks.append(.points([(5, 6)], color: .black, size: 2))
        let g = Figure.grid([a, b, a], columns: 2)
        #expect(g.width == 200 && g.height == 120 && g.marks.count == 3)
        guard case let .points(p, _, _) = g.marks[1], case let .line(x0, y0, _, _, _, _) = g.marks[2] else {
            Issue.record("marks out of order"); return
        }
        #expect(p[0] == (105, 6) && x0 == 1 && y0 == 62)
    }

    /// Cairo's PNG encoder and decoder round-trip a bitmap exactly; a truncated file or a header
    /// declaring too many pixels is an error, not a crash or a huge allocation.
    @Test func pngRoundTripsBitmaps() throws {
        var b = Bitmap(width: 37, height: 11)
        var state: UInt32 = 12345
        for i in b.pixels.indices { state = state &* 1_664_525 &+ 1_013_904_223; b.pixels[i] = UInt8(state >> 24) }
        let png = try b.png()
        #expect(Bitmap.pngSize(png)! == (37, 11))
        #expect(try Bitmap(png: png) == b)
        #expect(throws: RenderError.self) { try Bitmap(png: Array(png.prefix(png.count / 2))) }
        #expect(throws: RenderError.self) { try Bitmap(png: [1, 2, 3]) }
        var huge = png
        huge[16...19] = [0, 0, 0x7f, 0xff]; huge[20...23] = [0, 0, 0x7f, 0xff]   // 32767 × 32767
        #expect(throws: RenderError.self) { try Bitmap(png: huge) }
    }

    @Test func htmlInlinesImagesAsDataURIs() throws {
        let png = try Bitmap(width: 3, height: 2).png()
        var r = HTMLReport(title: "t")
        r.image(png: png, alt: "x")
        r.preformatted("a: <1>")
        let html = r.html()
        #expect(html.contains("<pre>a: &lt;1&gt;</pre>"))
        let start = try #require(html.range(of: "data:image/png;base64,"))
        let encoded = html[start.upperBound...].prefix { $0 != "\"" }
        #expect(Data(base64Encoded: String(encoded)).map { [UInt8]($0) } == png)
    }
}
