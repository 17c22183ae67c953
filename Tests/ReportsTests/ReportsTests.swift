import Foundation
import Reports
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// SVG output parses as XML; PNG and PDF output carry the text; every label fits in its figure and
/// overlaps no other (by Cairo's extents); ticks suit tiny and one-point ranges; the log scale puts
/// powers of ten at equal spacing.
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

    /// The box a text mark covers (Cairo's advance width × the font's ascent + descent), turned
    /// by its angle (0 or 90).
    static func box(_ m: Figure.Mark) -> (x0: Double, y0: Double, x1: Double, y1: Double, text: String)? {
        guard case let .text(t, x, y, anchor, size, _, angle) = m else { return nil }
        let w = FigureRenderer.textWidth(t, size: size), e = FigureRenderer.fontExtents(size: size)
        let start = anchor == .start ? 0 : anchor == .middle ? -w / 2 : -w
        if angle == 0 { return (x + start, y - e.ascent, x + start + w, y + e.descent, t) }
        #expect(angle == 90)
        return (x - e.ascent, y - start - w, x + e.descent, y - start, t)
    }

    /// Every text box inside the figure and disjoint from every other.
    static func checkLayout(_ f: Figure, _ name: String) {
        let boxes = f.marks.compactMap(box)
        #expect(!boxes.isEmpty, "\(name): no text")
        for b in boxes {
            #expect(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= f.width && b.y1 <= f.height, "\(name): '\(b.text)' \(b) outside \(f.width)×\(f.height)")
        }
        for (i, a) in boxes.enumerated() { for b in boxes[(i + 1)...] {
            let overlap = min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 && min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5
            #expect(!overlap, "\(name): '\(a.text)' overlaps '\(b.text)'")
        } }
    }

    /// Plots with long labels, long legend names, wide tick labels, one point, no data, tiny and
    /// huge ranges: every label fits and none overlaps (the clipped "es covered" of an earlier
    /// layout would fail here).
    @Test func labelsFitAndDoNotOverlap() {
        let long = "a y-axis label far longer than the plot is tall, as metric names can be"
        var plots: [(String, Figure)] = [("log plot", Self.plot.figure())]
        plots.append(("long labels", LinePlot(title: String(repeating: "a very long title ", count: 6), xLabel: String(repeating: "x label ", count: 12),
                                              yLabel: long, logY: false,
                                              series: [.init(name: "a legend entry with a long name (seed 12, step 3e-4)", x: [0, 1e6], y: [-123456.789, 9.87654321e5])]).figure()))
        plots.append(("one point", LinePlot(title: "one point", xLabel: "iteration", yLabel: "modes covered", logY: false,
                                            series: [.init(name: "last", x: [300], y: [6])]).figure()))
        plots.append(("no data", LinePlot(title: "empty", xLabel: "iteration", yLabel: "loss", logY: true,
                                          series: [.init(name: "last", x: [], y: [])]).figure()))
        plots.append(("tiny range", LinePlot(title: "tiny", xLabel: "iteration", yLabel: "y", logY: false,
                                             series: [.init(name: "s", x: [1, 2, 3], y: [1.0000001, 1.00000015, 1.0000002])]).figure()))
        plots.append(("scatter", ScatterPlot(title: "samples", series: [.init(name: "generated", x: [0, 1], y: [1, 0])]).figure()))
        plots.append(("trajectory", TrajectoryPlot(title: "θφ", trajectories: [.init(name: "GDA", x: [1, 0.5], y: [1, 0.8])],
                                                   xRange: -2...2, yRange: -2...2) { x, y in (-y, x) }.figure()))
        for (name, f) in plots { Self.checkLayout(f, name) }
        // Tiled plots keep the property.
        Self.checkLayout(Figure.grid(plots.map(\.1), columns: 2), "grid")
    }

    @Test func ticksSuitTinyAndOnePointRanges() throws {
        // One iteration logged: whole-number ticks around it, never 300, 300.2, ….
        let one = LinePlot(title: "", xLabel: "iteration", yLabel: "", logY: false, series: [.init(name: "s", x: [300], y: [5])])
        let (x, y) = one.scales()
        #expect(x.integer && x.ticks().allSatisfy { $0 == $0.rounded() } && x.ticks().contains(300))
        #expect(y.lower < 5 && y.upper > 5)
        // A range of 1e-7 around 1: distinct labels.
        let s = AxisScale(.linear, lower: 1.0000001, upper: 1.0000002, pixelLower: 0, pixelUpper: 100)
        let labels = s.labels(s.ticks())
        #expect(s.ticks().count >= 4 && Set(labels).count == labels.count, "\(labels)")
        // The empty plot says so; the one-point plot draws its point.
        let empty = LinePlot(title: "", xLabel: "", yLabel: "", logY: false, series: [.init(name: "s", x: [], y: [])]).figure()
        #expect(empty.marks.contains { if case let .text(t, _, _, _, _, _, _) = $0 { return t == "no data yet" }; return false })
        #expect(one.figure().marks.contains { if case let .points(p, _, _) = $0 { return p.count == 1 }; return false })
    }

    /// The PNG (Cairo) carries text: dark pixels in the title's row above the plot area and left
    /// of the y tick labels, where only the turned y-axis label is drawn.
    @Test func pngAndPDFCarryText() throws {
        let plot = LinePlot(title: "TITLE", xLabel: "iteration", yLabel: "distance", logY: false,
                            series: [.init(name: "EG", x: [0, 1], y: [0, 1])])
        let frame = plot.frame(), f = plot.figure()
        let b = try Bitmap(png: try f.png())
        #expect(Double(b.width) == frame.width.rounded(.up) && Double(b.height) == frame.height.rounded(.up))
        func dark(_ xs: Range<Int>, _ ys: Range<Int>) -> Int {
            var n = 0
            for y in ys { for x in xs { let c = b[x, y]; if Int(c.r) + Int(c.g) + Int(c.b) < 300 { n += 1 } } }
            return n
        }
        #expect(dark(0..<b.width, 0..<Int(frame.top) - 2) > 20, "title")
        #expect(dark(0..<20, Int(frame.top)..<Int(frame.bottom)) > 20, "y-axis label")
        #expect(dark(Int(frame.left)..<Int(frame.right), Int(frame.bottom) + 8..<b.height) > 40, "tick labels and x-axis label")
        let pdf = try f.pdf()
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-") && text.contains("DejaVuSans"), "a PDF with DejaVu Sans embedded")
    }
}
