import CZlib
import Foundation
import Reports
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// SVG output parses as XML, PNG output decodes (signature, CRCs, IHDR, inflated size), and the
/// log scale puts powers of ten at equal spacing.
@Suite("Reports")
struct ReportsTests {
    static let plot = LinePlot(
        title: "distance <&> \"test\"", xLabel: "iteration", yLabel: "‖ω − ω*‖", logY: true,
        series: [.init(name: "EG", x: [0, 1, 2, 3], y: [1, 0.1, 0.01, 0.001]),
                 .init(name: "FB & co", x: [0, 1, 2, 3], y: [1, 10, .infinity, 0])])

    func parses(_ svg: String) -> Bool {
        let parser = XMLParser(data: Data(svg.utf8))
        return parser.parse()
    }

    @Test func lineAndTrajectorySVGsAreXML() {
        #expect(parses(Self.plot.svg()))
        let t = TrajectoryPlot(title: "θφ", trajectories: [.init(name: "GDA", x: [1, 0.5, -0.2], y: [1, 0.8, 0.3])],
                               xRange: -2...2, yRange: -2...2) { x, y in (-y, x) }
        let svg = t.svg()
        #expect(parses(svg))
        #expect(svg.contains("<polyline"))
        var r = HTMLReport(title: "a < b")
        r.figure(svg: svg)
        r.table(header: ["x"], rows: [["1 & 2"]])
        #expect(r.html().contains("a &lt; b") && r.html().contains("1 &amp; 2"))
    }

    @Test func logScaleMapsPowersOfTenEvenly() throws {
        let s = AxisScale(.log, lower: 1e-6, upper: 1, pixelLower: 400, pixelUpper: 0)
        #expect(try #require(s.pixel(1e-6)) == 400)
        #expect(try #require(s.pixel(1)) == 0)
        #expect(abs(try #require(s.pixel(1e-3)) - 200) < 1e-9)
        #expect(abs(try #require(s.pixel(1e-5)) - 400 * 5 / 6) < 1e-9)
        #expect(s.pixel(0) == nil && s.pixel(-1) == nil && s.pixel(.nan) == nil)
        #expect(s.ticks() == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1])
        let (_, y) = Self.plot.scales()
        #expect(y.kind == .log && y.lower == 1e-3 && y.upper == 10)
    }

    /// A minimal PNG reader: signature, every chunk's CRC, IHDR, and the inflated IDAT size.
    @Test func pngDecodes() throws {
        let f = Self.plot.figure()
        let raster = Raster(f)
        let bytes = raster.png()
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var i = 8
        var types: [String] = []
        var idat = [UInt8]()
        var width = 0, height = 0
        while i < bytes.count {
            let length = u32(i)
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(bytes[(i + 4)..<(i + 8 + length)])
            let stored = UInt32(u32(i + 8 + length))
            let computed = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
            #expect(stored == computed, "CRC of \(type)")
            if type == "IHDR" {
                width = u32(i + 8); height = u32(i + 12)
                #expect(Array(bytes[(i + 16)..<(i + 21)]) == [8, 2, 0, 0, 0])
            }
            if type == "IDAT" { idat += bytes[(i + 8)..<(i + 8 + length)] }
            types.append(type)
            i += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        #expect(width == 640 && height == 400)
        let expected = (width * 3 + 1) * height
        var out = [UInt8](repeating: 0, count: expected + 16)
        var size = uLong(out.count)
        let status = out.withUnsafeMutableBufferPointer { o in
            idat.withUnsafeBufferPointer { uncompress(o.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
        }
        #expect(status == Z_OK && Int(size) == expected)
        // Something other than white was drawn.
        #expect(raster.pixels.contains { $0 != 255 })
    }
}
