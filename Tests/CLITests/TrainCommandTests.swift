import Foundation
import Testing
import TestSupport

@Suite("saddle train")
struct TrainCommandTests {
    func summary(_ args: [String]) throws -> [String: Any] {
        // A fresh temporary run folder, so the test leaves nothing in the working directory.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-train-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try SaddleBinary.run(["train", "--json", "--log-every", "100", "--out", out] + args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("iteration"))   // progress goes to stderr
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// Same seed ⇒ the same metrics and losses, in two processes; another seed differs.
    @Test func shortRunIsReproducible() throws {
        let args = ["--iterations", "100", "--batch-size", "512"]
        var a = try summary(args + ["--threads", "2"]), b = try summary(args + ["--threads", "2"])
        var c = try summary(args + ["--seed", "1", "--threads", "2"])
        var serial = try summary(args + ["--threads", "1"])
        for key in ["wallSeconds", "configuration"] { a[key] = nil; b[key] = nil; c[key] = nil; serial[key] = nil }
        let ja = try JSONSerialization.data(withJSONObject: a, options: [.sortedKeys])
        let jb = try JSONSerialization.data(withJSONObject: b, options: [.sortedKeys])
        let jc = try JSONSerialization.data(withJSONObject: c, options: [.sortedKeys])
        #expect(ja == jb)
        #expect(ja != jc)
        // On two threads each minibatch's halves are differentiated at once: the same field up to
        // rounding (NeuralGANHalvesTests checks it to 1e-13 in Float64), so the serial run's bits
        // differ, but not its course: the EMA generator, an average over the run, lands within 1%.
        let swSerial = try #require((serial["ema"] as? [String: Any])?["slicedWasserstein"] as? Double)
        let swTwo = try #require((a["ema"] as? [String: Any])?["slicedWasserstein"] as? Double)
        #expect(abs(swSerial - swTwo) <= 0.01 * swTwo, "EMA sliced Wasserstein: \(swSerial) serial, \(swTwo) on two threads")
        #expect(a["iterations"] as? Int == 100)
        let last = try #require(a["last"] as? [String: Any])
        #expect(last["samples"] as? Int == 2500 && last["modes"] as? Int == 8)
    }

    @Test(arguments: [
        (["train", "--dataset", "spiral"], "ring"),          // lists the valid choices
        (["train", "--step-size", "-0.1"], "--step-size"),
        (["train", "--r1-weight", "-1"], "--r1-weight"),
        (["train", "--iterations", "0"], "--iterations"),
        (["train", "--threads", "0"], "--threads"),
        (["train", "--step-size", "-1"], "--step-size"),             // read as "Missing value" before
        (["train", "--iterations", "-5"], "--iterations"),
        (["train", "--batch-size", "100000000"], "batch"),            // was an out-of-memory crash
    ])
    func badInputExitsNonZeroWithAMessage(_ args: [String], _ mentioned: String) throws {
        let r = try SaddleBinary.run(args)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("Error:") && r.stderr.contains(mentioned), "stderr: \(r.stderr)")
    }
}
