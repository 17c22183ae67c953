import Foundation
import Saddle
import Testing
import TestSupport

/// `saddle sample`, `saddle eval` and `saddle report` on tiny runs (issue 5).
@Suite("saddle sample, eval and report")
struct SampleEvalReportCommandTests {
    /// A tiny ring run: 40 iterations of 8-unit networks, 200 evaluation samples.
    static let yaml = "hidden: 8\nlatent: 4\nbatch_size: 16\nevaluation_samples: 200\niterations: 40\nlog_every: 20\ncheckpoint_every: 20\nthreads: 1\n"

    static func temporaryDirectory() throws -> String { try makeScratchFolder("ser") }

    /// Trains into `dir/name` (seed `seed`) and returns the final checkpoint's path.
    static func train(_ dir: String, _ name: String, seed: Int = 0) throws -> String {
        try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        let r = try SaddleBinary.run(["train", "--config", dir + "/tiny.yaml", "--seed", "\(seed)", "--out", dir + "/" + name])
        #expect(r.status == 0, "\(r.stderr)")
        return dir + "/" + name + "/checkpoints/iteration-00000040.safetensors"
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func canonical(_ v: Any) throws -> Data { try JSONSerialization.data(withJSONObject: ["v": v], options: [.sortedKeys]) }

    @Test func sampleWritesCSVAndNPYThatMatchTheLibrary() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.train(dir, "a")
        let (training, state) = try GANTraining.restore(checkpoint: checkpoint)

        // CSV on stdout: a header and N rows, equal to the library's samples from the evaluation noise.
        let csv = try SaddleBinary.run(["sample", checkpoint, "--n", "7"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "x,y" && lines.count == 8)
        let values = lines.dropFirst().flatMap { $0.split(separator: ",").map { Float($0)! } }
        #expect(values == training.samples(of: state.omega[.generator], count: 7, seed: nil).floats)
        // Bit for bit the first N rows of the 200 the metrics score (training's own product), and the
        // first 200 rows of a larger N too (a product over fewer rows could round differently).
        let scored = training.samples(of: state.omega[.generator]).floats
        #expect(scored.count == 400 && values == Array(scored.prefix(14)))
        let big = try SaddleBinary.run(["sample", checkpoint, "--n", "300"])
        let bigValues = big.stdout.split(separator: "\n").dropFirst().flatMap { $0.split(separator: ",").map { Float($0)! } }
        #expect(bigValues.count == 600 && Array(bigValues.prefix(400)) == scored)

        // NPY, EMA, seeded: Float32 [N, 2], readable by `saddle inspect` and equal to the library's.
        let npy = dir + "/s.npy"
        let r = try SaddleBinary.run(["sample", checkpoint, "--n", "50", "--ema", "--seed", "3", "--out", npy])
        #expect(r.status == 0, "\(r.stderr)")
        let read = try NPY.read(npy)
        #expect(read.shape == [50, 2] && read.dtype == .float32)
        #expect(read.floats == training.samples(of: state.ema, count: 50, seed: 3).floats)
        let inspect = try SaddleBinary.run(["inspect", npy])
        #expect(inspect.status == 0 && inspect.stdout.contains("[50, 2]"), "\(inspect.stdout)")

        // The same to a CSV file.
        let file = dir + "/s.csv"
        #expect(try SaddleBinary.run(["sample", checkpoint, "--n", "50", "--ema", "--seed", "3", "--out", file]).status == 0)
        let table = try CSV.readNumeric(file)
        #expect(table.rows == 50 && table.columns == 2 && table.values.map { Float($0) } == read.floats)

        // PNG: a scatter plot.
        let png = dir + "/s.png"
        #expect(try SaddleBinary.run(["sample", checkpoint, "--n", "100", "--out", png]).status == 0)
        let bytes = try #require(FileManager.default.contents(atPath: png))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// `eval` of the final checkpoint gives summary.json's numbers, for the last and the EMA generator.
    /// `sample --n N` without a seed is bit for bit the first N rows of the evaluation set the
    /// metrics score (`--n 2500`, the whole set, is the product training scores), with the default networks (where a 5-row product rounds differently from a
    /// 2,500-row one), for N below and above the set's 2,500.
    @Test func sampleIsTheFirstRowsOfTheScoredSet() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["train", "--out", dir + "/d", "--iterations", "2", "--log-every", "1", "--checkpoint-every", "2", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let checkpoint = dir + "/d/checkpoints/iteration-00000002.safetensors"
        func rows(_ n: Int) throws -> [Substring] {
            let out = try SaddleBinary.run(["sample", checkpoint, "--n", "\(n)"])
            #expect(out.status == 0, "\(out.stderr)")
            return Array(out.stdout.split(separator: "\n").dropFirst())
        }
        let five = try rows(5), all = try rows(2500), more = try rows(3000)
        #expect(all.count == 2500 && more.count == 3000)
        #expect(five == Array(all.prefix(5)))
        #expect(Array(more.prefix(2500)) == all)
    }

    @Test func evalOfTheFinalCheckpointEqualsTheSummary() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.train(dir, "a")
        let r = try SaddleBinary.run(["eval", checkpoint, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let e = try Self.object(r.stdout)
        let summary = try Self.object(String(contentsOfFile: dir + "/a/summary.json", encoding: .utf8))
        #expect(e["iteration"] as? Int == 40 && e["samples"] as? Int == 200)
        for key in ["last", "ema"] {
            #expect(try Self.canonical(try #require(e[key])) == Self.canonical(try #require(summary[key])), "\(key)")
        }
        let table = try SaddleBinary.run(["eval", checkpoint])
        #expect(table.status == 0 && table.stdout.contains("modes covered") && table.stdout.contains("EMA"), "\(table.stdout)")
        let more = try Self.object(try SaddleBinary.run(["eval", checkpoint, "--json", "--samples", "300"]).stdout)
        #expect((more["last"] as? [String: Any])?["samples"] as? Int == 300)
    }

    @Test func reportComparesRuns() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.train(dir, "first-run")
        _ = try Self.train(dir, "second-run", seed: 1)
        let out = dir + "/cmp.html"
        let r = try SaddleBinary.run(["report", dir + "/first-run", dir + "/second-run", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("<td>first-run</td>") && html.contains("<td>second-run</td>"))
        #expect(html.contains("first-run EMA") && html.contains("second-run EMA"), "overlaid curves name both runs")
        #expect(html.contains("<th>high quality %</th>") && html.contains("<svg"))
        // Each run folder also has its own report.html.
        #expect(FileManager.default.fileExists(atPath: dir + "/first-run/report.html"))
    }

    /// Bad input: one line on stderr, non-zero exit, no crash.
    @Test func badInputIsAOneLineError() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.train(dir, "a")
        let corrupt = dir + "/corrupt.safetensors"
        try Data([200, 0, 0, 0, 0, 0, 0, 0] + Array("{\"x\":".utf8)).write(to: URL(fileURLWithPath: corrupt))
        let cases: [([String], String)] = [
            (["sample", dir + "/missing.safetensors", "--n", "3"], "missing.safetensors"),
            (["sample", corrupt, "--n", "3"], "corrupt.safetensors"),
            (["sample", checkpoint, "--n", "0"], "--n"),
            (["sample", checkpoint, "--n", "-4"], "--n"),
            (["sample", checkpoint, "--n", "3", "--out", dir + "/x.txt"], "x.txt"),
            (["eval", dir + "/missing.safetensors"], "missing.safetensors"),
            (["eval", corrupt], "corrupt.safetensors"),
            (["eval", dir + "/a/config.yaml"], "config.yaml"),
            (["report", dir + "/nowhere"], "nowhere"),
            (["report", dir + "/a/checkpoints"], "checkpoints"),
        ]
        for (args, needle) in cases {
            let r = try SaddleBinary.run(args)
            #expect(r.status != 0 && r.status < 128, "\(args): status \(r.status)")
            let errorLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errorLines.count == 1 && errorLines[0].contains(needle), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"), "\(args) crashed")
        }
    }
}
