import Foundation
import Formats
import Runs
import Solvers
import Tensors
import Testing
import TestSupport
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The run folder's plots and report.html, and rebuilding a training from a lone checkpoint.
@Suite("Run plots, report.html and checkpoint loading")
struct RunPlotsTests {
    static func folder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saddle-runplots-\(name)-\(UUID().uuidString)").path
    }

    /// A 40-iteration tiny run with a run folder (log every 20).
    static func run(_ path: String, iterations: Int = 40) throws -> (GANTraining, TrainingSummary) {
        var c = tinyConfiguration(.pastExtraAdam, .r1, iterations: iterations)
        c.logEvery = 20
        c.evaluationSamples = 200
        let dir = try RunDirectory(creating: path, defaultPrefix: "ring", force: false)
        try dir.writeConfiguration(c.yaml)
        let training = try GANTraining(c)
        return (training, try training.run(TrainingSession(runDirectory: dir)))
    }

    static func bytes(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [] }

    /// PNG width and height from the IHDR chunk.
    static func pngSize(_ b: [UInt8]) -> (Int, Int) {
        func u32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (u32(16), u32(20))
    }

    @Test func aShortRunWritesPlotsAndAReport() throws {
        let path = Self.folder("run")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, summary) = try Self.run(path)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for name in ["samples-last", "samples-ema", "losses", "metrics"] {
            #expect(Array(Self.bytes("\(path)/\(name).png").prefix(8)) == signature, "\(name).png")
            #expect(Array(Self.bytes("\(path)/\(name).pdf").prefix(5)) == Array("%PDF-".utf8), "\(name).pdf")
            let svg = try String(contentsOfFile: "\(path)/\(name).svg", encoding: .utf8)
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && XMLParser(data: Data(svg.utf8)).parse(), "\(name).svg")
        }
        // The scatter draws every one of the 200 evaluation samples that falls in the view.
        let svg = try String(contentsOfFile: "\(path)/samples-last.svg", encoding: .utf8)
        // (The samples' path is the longest; the legend's dot is a path of its own.)
        let dots = svg.split(separator: "\n").filter { $0.hasPrefix("<path") }.map { $0.components(separatedBy: "h0").count - 1 }.max() ?? 0
        let outside = svg.range(of: #"\((\d+) outside\)"#, options: .regularExpression).map { Int(svg[$0].dropFirst().prefix { $0.isNumber })! } ?? 0
        #expect(dots + outside == 200)
        let html = try String(contentsOfFile: path + "/report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("</html>"))
        #expect(html.contains("<th>modes covered</th>") && html.contains("<th>high quality %</th>"))
        let last = try #require(summary.last.mixture), ema = try #require(summary.ema.mixture)
        #expect(html.contains("<td>last</td><td>\(last.modesCovered) / 8</td><td>\(String(format: "%.1f", last.highQualityPercent))</td>"))
        #expect(html.contains("<td>EMA</td><td>\(ema.modesCovered) / 8</td>"))
        #expect(html.contains("<svg") && html.contains("completed after 40 iterations"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http"), "report.html must be self-contained")
        // One curve point per log interval: the loss polylines have 2 vertices (iterations 20, 40).
        let history = try RunHistory(path: path)
        #expect(history.series("lossGenerator").x == [20, 40])
        #expect(history.series("highQualityPercent", generator: "ema").y.last == ema.highQualityPercent)
    }

    /// A lone checkpoint rebuilds its training: samples from the evaluation noise, and metrics that
    /// equal summary.json's; seeded samples come from a different noise but the same generator.
    @Test func aCheckpointRebuildsItsTraining() throws {
        let path = Self.folder("ckpt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (original, summary) = try Self.run(path)
        let lone = Self.folder("lone") + ".safetensors"
        defer { try? FileManager.default.removeItem(atPath: lone) }
        try FileManager.default.copyItem(atPath: path + "/checkpoints/iteration-00000040.safetensors", toPath: lone)
        let (training, state) = try GANTraining.restore(checkpoint: lone)
        #expect(state.iteration == 40 && training.configuration == original.configuration)
        #expect(training.metrics(of: state.omega[.generator]) == summary.last)
        #expect(training.metrics(of: state.ema) == summary.ema)
        let a = training.samples(of: state.ema, count: 30, seed: nil)
        // The first 30 rows of the scored evaluation set, bit for bit.
        #expect(a.scalars == Array(original.samples(of: state.ema).scalars.prefix(60)))
        let b = training.samples(of: state.ema, count: 30, seed: 5), c = training.samples(of: state.ema, count: 30, seed: 5)
        #expect(b.scalars == c.scalars && b.scalars != a.scalars && b.shape == [30, 2])
    }

    @Test func badCheckpointsAreOneLineErrors() throws {
        let missing = Self.folder("missing") + ".safetensors"
        #expect(throws: (any Error).self) { _ = try GANTraining.restore(checkpoint: missing) }
        let corrupt = Self.folder("corrupt") + ".safetensors"
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        try Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":1".utf8)).write(to: URL(fileURLWithPath: corrupt))
        do { _ = try GANTraining.restore(checkpoint: corrupt); Issue.record("a corrupt checkpoint loaded") } catch {
            #expect("\(error)".contains(corrupt) && !"\(error)".contains("\n"), "\(error)")
        }
    }

    /// A run folder without summary.json (still running) reports its last metrics.jsonl line, labelled so.
    @Test func aComparisonLabelsRunsWithoutASummary() throws {
        let a = Self.folder("a"), b = Self.folder("b")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        _ = try Self.run(a)
        _ = try Self.run(b, iterations: 20)
        try FileManager.default.removeItem(atPath: b + "/summary.json")
        let runs = try [RunHistory(path: a), RunHistory(path: b)]
        let table = RunReport.metricsTable(runs)
        #expect(table.header.prefix(4) == ["run", "iterations", "status", "generator"])
        let rows = table.rows.filter { ["last", "EMA"].contains($0[3]) }
        #expect(rows.count == 4)
        #expect(rows[0][2] == "completed" && rows[2][2].contains("no summary.json"))
        #expect(rows[2][1] == "20" && rows[2][0] == runs[1].name)
        let html = RunReport.comparison(runs)
        #expect(html.contains(runs[0].name) && html.contains(runs[1].name))
        #expect(throws: (any Error).self) { _ = try RunHistory(path: a + "/checkpoints") }
    }

    /// An MNIST checkpoint whose data file moved is a data_file error, and loads with `dataFile`
    /// (skipped without the MNIST-5k file).
    @Test func aMovedDataFileCanBeGivenAgain() throws {
        var c = tinyConfiguration(.adam, .none, iterations: 1)
        c.dataset = "mnist"
        guard FileManager.default.fileExists(atPath: c.dataFile) else {
            print("SKIPPED aMovedDataFileCanBeGivenAgain: no \(c.dataFile) (run scripts/fetch-mnist5k)")
            return
        }
        let original = c.dataFile
        let folder = Self.folder("moved")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        c.dataFile = folder + "/mnist.csv.gz"
        try FileManager.default.copyItem(atPath: original, toPath: c.dataFile)
        let training = try GANTraining(c)
        let state = try training.initialState()
        try training.serialize(state).write(to: folder + "/c.safetensors")
        try FileManager.default.removeItem(atPath: c.dataFile)
        do { _ = try GANTraining.restore(checkpoint: folder + "/c.safetensors"); Issue.record("loaded without its data") } catch {
            #expect("\(error)".contains("data_file"), "\(error)")
        }
        let (moved, loaded) = try GANTraining.restore(checkpoint: folder + "/c.safetensors", dataFile: original)
        #expect(loaded.ema.scalars == state.ema.scalars)
        #expect(moved.samples(of: loaded.ema, count: 4, seed: nil).scalars == training.samples(of: state.ema, count: 4, seed: nil).scalars)
    }

    /// --force on a Saddle run folder sets the previous run's files aside (a stale report would
    /// describe another run) and leaves files it does not own; they are deleted at the new run's
    /// first checkpoint, or restored when it gives up before that. A folder without the marker is
    /// refused and left as it was.
    @Test func forceReplacesOnlySaddlesFilesAndOnlyOnceTheNewRunHasACheckpoint() throws {
        let path = Self.folder("force")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fm = FileManager.default
        let old = try RunDirectory(creating: path, defaultPrefix: "ring", force: false)
        old.release()
        for name in ["report.html", "samples-ema.svg", "metrics.png", "notes.txt"] {
            try Data("old".utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
        func visible() throws -> [String] { try fm.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".saddle-run") && $0 != ".saddle-lock" }.sorted() }
        // Gives up before a checkpoint: everything is back.
        let failed = try RunDirectory(creating: path, defaultPrefix: "ring", force: true)
        #expect(try visible().contains { $0.hasPrefix(".saddle-replaced-") })
        failed.abandon()
        failed.release()
        #expect(try visible() == ["checkpoints", "metrics.png", "notes.txt", "report.html", "samples-ema.svg"])
        #expect(try String(contentsOfFile: path + "/report.html", encoding: .utf8) == "old")
        // Writes a checkpoint: the old run's files are gone, notes.txt stays.
        let replacing = try RunDirectory(creating: path, defaultPrefix: "ring", force: true)
        try replacing.writeCheckpoint(SafeTensors(), iteration: 0)
        #expect(try visible() == ["checkpoints", "notes.txt"])
        replacing.release()
        // No marker: refused, untouched.
        let foreign = Self.folder("foreign")
        defer { try? fm.removeItem(atPath: foreign) }
        try fm.createDirectory(atPath: foreign + "/checkpoints", withIntermediateDirectories: true)
        try Data("user".utf8).write(to: URL(fileURLWithPath: foreign + "/config.yaml"))
        #expect(throws: RunError.self) { _ = try RunDirectory(creating: foreign, defaultPrefix: "ring", force: true) }
        #expect(try fm.contentsOfDirectory(atPath: foreign).sorted() == ["checkpoints", "config.yaml"])
    }

    /// A second process (here: a second opening) cannot take a run folder that is in use.
    @Test func aRunFolderHasOneWriter() throws {
        let path = Self.folder("lock")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try RunDirectory(creating: path, defaultPrefix: "ring", force: false)
        try first.writeConfiguration(TrainingConfiguration().yaml)
        do {
            _ = try RunDirectory(resuming: path)
            Issue.record("a second opening succeeded")
        } catch let e as RunError {
            #expect("\(e)".contains("in use by another saddle process (pid \(getpid()))"), "\(e)")
        }
        first.release()
        #expect(throws: Never.self) { _ = try RunDirectory(resuming: path) }
    }

    /// Checkpoint names keep their order past 8 digits and 2³¹.
    @Test func checkpointNamesForAnyIteration() {
        #expect(RunDirectory.checkpointName(40) == "iteration-00000040.safetensors")
        #expect(RunDirectory.checkpointName(3_000_000_000) == "iteration-3000000000.safetensors")
        #expect(RunDirectory.checkpointName(Int(Int32.max) + 1) == "iteration-2147483648.safetensors")
    }

    /// MNIST: the image grid of 8×8 samples (skipped without the MNIST-5k file).
    @Test func mnistRunsDrawAnImageGrid() throws {
        var c = tinyConfiguration(.adam, .none, iterations: 1)
        c.dataset = "mnist"
        guard FileManager.default.fileExists(atPath: c.dataFile) else {
            print("SKIPPED mnistRunsDrawAnImageGrid: no \(c.dataFile) (run scripts/fetch-mnist5k)")
            return
        }
        let path = Self.folder("mnist")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dir = try RunDirectory(creating: path, defaultPrefix: "mnist", force: false)
        let training = try GANTraining(c)
        let s = try training.initialState()
        training.writePlots(dir, theta: s.omega[.generator], ema: s.ema, pdf: true)
        let png = Self.bytes(path + "/samples-ema.png")
        #expect(png.count > 24)
        let (w, h) = Self.pngSize(png)
        // 8 columns × 8 rows of 28-pixel images with 1-pixel gaps, drawn at scale 2, 6-pixel
        // margins, under a caption.
        let grid = 2 * (8 * 29 + 1)
        #expect(w == grid + 12 && h > grid + 12 + 10)
        // The SVG names its generator above the same grid (a PNG data URI).
        let svg = try String(contentsOfFile: path + "/samples-ema.svg", encoding: .utf8)
        #expect(svg.contains(">EMA generator, 64 samples</text>") && svg.contains("<image ") && XMLParser(data: Data(svg.utf8)).parse())
        let last = try String(contentsOfFile: path + "/samples-last.svg", encoding: .utf8)
        #expect(last.contains(">last iterate generator, 64 samples</text>"))
        #expect(FileManager.default.fileExists(atPath: path + "/samples-ema.pdf"))
    }
}
