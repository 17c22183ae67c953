import Foundation
import Saddle
import Testing
import TestSupport

/// `saddle eval --classifier convolutional` on an MNIST checkpoint: the default still equals the
/// run's summary (the MLP classifier), the convolutional classifier gives other numbers, says which
/// classifier scored them, is trained once and then read from its own cache, and scores the same
/// images the same way each time. Thorough tier: on a fresh clone the first call trains the
/// convolutional classifier (about 45 s of one core).
@Suite("saddle eval --classifier Thorough", .enabled(if: Tier.thorough))
struct EvalClassifierThoroughTests {
    @Test(.enabled(if: BadInputTable.mnistPresent, "data/mnist_5k.csv.gz is absent: run scripts/fetch-mnist5k"))
    func convolutionalClassifierScoresAnMNISTCheckpoint() throws {
        let dir = try makeScratchFolder("evalclassifier")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = "dataset: mnist\ndata_file: \(BadInputTable.mnistPath)\nhidden: 32\nlatent: 8\nbatch_size: 16\nevaluation_samples: 300\niterations: 20\nlog_every: 10\ncheckpoint_every: 20\nthreads: 1\n"
        try yaml.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        let trained = try SaddleBinary.run(["train", "--config", dir + "/m.yaml", "--out", dir + "/m"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let checkpoint = dir + "/m/checkpoints/iteration-00000020.safetensors"
        func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let mlp = try SaddleBinary.run(["eval", checkpoint, "--json"])
        #expect(mlp.status == 0, "\(mlp.stderr)")
        let summary = try object(String(contentsOfFile: dir + "/m/summary.json", encoding: .utf8))
        let m = try object(mlp.stdout)
        #expect(m["classifier"] as? String == "mlp")
        let mlpFD = try #require((m["last"] as? [String: Any])?["frechetDistance"] as? Double)
        #expect(mlpFD == (summary["last"] as? [String: Any])?["frechetDistance"] as? Double)

        let first = try SaddleBinary.run(["eval", checkpoint, "--json", "--classifier", "convolutional"])
        #expect(first.status == 0, "\(first.stderr)")
        let c = try object(first.stdout)
        #expect(c["classifier"] as? String == "convolutional" && c["samples"] as? Int == 300)
        let last = try #require(c["last"] as? [String: Any])
        let convFD = try #require(last["frechetDistance"] as? Double)
        #expect(convFD.isFinite && convFD > 0 && convFD != mlpFD)
        #expect((last["classesCovered"] as? Int).map { (0...10).contains($0) } == true)
        // The second call reads the cache and scores the same images identically.
        let second = try SaddleBinary.run(["eval", checkpoint, "--json", "--classifier", "convolutional"])
        #expect(second.status == 0 && second.stdout == first.stdout, "\(second.stderr)")
        #expect(second.stderr.contains("loaded from") && second.stderr.contains("conv-classifier.safetensors"), "\(second.stderr)")
        let table = try SaddleBinary.run(["eval", checkpoint, "--classifier", "convolutional"])
        #expect(table.status == 0 && table.stdout.contains("convolutional classifier") && table.stdout.contains("Fréchet"), "\(table.stdout)")
    }
}
