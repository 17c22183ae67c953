import Foundation
import Testing
import TestSupport

/// report.html as a reader sees it: headless Chromium opens a ring training report, an MNIST
/// training report (when MNIST-5k is present) and a reproduction report, and the page's own DOM
/// says where each SVG `<text>` landed. Every figure has text; every text lies inside its figure
/// and overlaps no other text of that figure (the clipped "es covered" y-labels of an earlier
/// layout fail here). A screenshot of each page is saved in its folder (`report-screenshot.png`).
///
/// Chromium comes from Debian's `chromium` package (scripts/test installs it); SADDLE_CHROMIUM
/// names another binary. Without one the test says SKIPPED and why.
@Suite("report.html in headless Chromium Thorough", .enabled(if: Tier.thorough))
struct BrowserReportThoroughTests {
    static let chromium: String? = {
        if let p = ProcessInfo.processInfo.environment["SADDLE_CHROMIUM"] { return p }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }()

    /// Appended to a copy of the page: after load, one `<pre>` with each SVG's size and each of its
    /// texts' boxes relative to it (getBoundingClientRect: turned text gives its upright box).
    static let probe = """
        <script>
        window.addEventListener('load', () => {
          const out = [];
          document.querySelectorAll('svg').forEach((svg, i) => {
            const s = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')];
            out.push({width: s.width, height: s.height, texts: texts.map(t => {
              const b = t.getBoundingClientRect();
              return [b.left - s.left, b.top - s.top, b.right - s.left, b.bottom - s.top, t.textContent]; })});
          });
          const pre = document.createElement('pre');
          pre.id = 'saddle-layout-check';
          pre.textContent = JSON.stringify(out);
          document.body.appendChild(pre);
        });
        </script>
        """

    struct Run { let status: Int32; let stdout: String }

    static func chromium(_ arguments: [String], in dir: String) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium!)
        // As root (CI's containers) Chromium needs --no-sandbox; a profile of its own per call.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                       "--user-data-dir=\(dir)/chromium-profile", "--virtual-time-budget=10000"] + arguments
        let out = dir + "/chromium.stdout"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardOutput = handle
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try handle.close()
        return Run(status: p.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8))
    }

    /// Opens `dir/report.html` in Chromium and checks its figures' text from the DOM.
    static func check(_ dir: String, _ name: String) throws {
        let page = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        let probed = dir + "/report-probe.html"
        try page.replacingOccurrences(of: "</body>", with: probe + "</body>").write(toFile: probed, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: probed) }
        let dom = try chromium(["--dump-dom", "file://" + probed], in: dir)
        #expect(dom.status == 0, "\(name): chromium exited with \(dom.status)")
        let open = "<pre id=\"saddle-layout-check\">"
        guard let start = dom.stdout.range(of: open), let end = dom.stdout.range(of: "</pre>", range: start.upperBound..<dom.stdout.endIndex) else {
            Issue.record("\(name): the probe's output is not in the DOM Chromium printed (\(dom.stdout.prefix(200)))"); return
        }
        let json = dom.stdout[start.upperBound..<end.lowerBound]
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(!figures.isEmpty, "\(name): no SVG figures")
        var textCount = 0
        for (i, figure) in figures.enumerated() {
            let w = try #require(figure["width"] as? Double), h = try #require(figure["height"] as? Double)
            let texts = try #require(figure["texts"] as? [[Any]])
            #expect(!texts.isEmpty, "\(name): figure \(i) has no text")
            textCount += texts.count
            let boxes = texts.map { t in (t[0] as? Double ?? .nan, t[1] as? Double ?? .nan, t[2] as? Double ?? .nan, t[3] as? Double ?? .nan, t[4] as? String ?? "?") }
            for b in boxes {
                #expect(b.0 >= -0.5 && b.1 >= -0.5 && b.2 <= w + 0.5 && b.3 <= h + 0.5,
                        "\(name): figure \(i) (\(w)×\(h)): '\(b.4)' at \(b.0)…\(b.2) × \(b.1)…\(b.3) is clipped")
            }
            for (k, a) in boxes.enumerated() { for b in boxes[(k + 1)...] {
                let overlap = min(a.2, b.2) - max(a.0, b.0) > 0.5 && min(a.3, b.3) - max(a.1, b.1) > 0.5
                #expect(!overlap, "\(name): figure \(i): '\(a.4)' overlaps '\(b.4)'")
            } }
        }
        let shot = try chromium(["--window-size=1280,2400", "--screenshot=\(dir)/report-screenshot.png", "file://\(dir)/report.html"], in: dir)
        #expect(shot.status == 0 && FileManager.default.fileExists(atPath: dir + "/report-screenshot.png"), "\(name): no screenshot")
        try? FileManager.default.removeItem(atPath: dir + "/chromium-profile")
        print("BrowserReportThoroughTests \(name): \(figures.count) figures, \(textCount) texts checked; screenshot \(dir)/report-screenshot.png")
    }

    static func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saddle-browser-\(name)-\(getpid())").path
    }

    @Test func trainingAndReproductionReportsLayOutInABrowser() throws {
        guard Self.chromium != nil else {
            print("SKIPPED BrowserReportThoroughTests: no chromium on PATH (scripts/test installs Debian's chromium; SADDLE_CHROMIUM names another)")
            return
        }
        // A ring run shorter than its first log interval's plots would be empty: also check one.
        for (name, arguments) in [("ring", ["--iterations", "300", "--log-every", "100"]), ("short", ["--iterations", "20", "--log-every", "100"])] {
            let dir = Self.folder(name)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try SaddleBinary.run(["train", "--out", dir, "--threads", "1"] + arguments)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            try Self.check(dir, name)
        }
        if FileManager.default.fileExists(atPath: "data/mnist_5k.csv.gz") {
            let dir = Self.folder("mnist")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try SaddleBinary.run(["train", "--dataset", "mnist", "--iterations", "20", "--log-every", "10", "--out", dir, "--threads", "1"])
            #expect(r.status == 0, "mnist: \(r.stderr)")
            try Self.check(dir, "mnist")
        } else {
            print("SKIPPED BrowserReportThoroughTests mnist: no data/mnist_5k.csv.gz (scripts/fetch-mnist5k)")
        }
        let dir = Self.folder("asymmetric")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["reproduce", "asymmetric", "--quick", "--out", dir])
        #expect(r.status == 0, "reproduce asymmetric: \(r.stderr)")
        try Self.check(dir, "reproduce asymmetric")
    }
}
