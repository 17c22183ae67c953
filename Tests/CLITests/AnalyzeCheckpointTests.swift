import Foundation
import Testing
import TestSupport

/// `saddle analyze --checkpoint`: the constants of a trained GAN at its checkpoint's point.
@Suite("saddle analyze --checkpoint")
struct AnalyzeCheckpointTests {
    /// A tiny run (hidden 4, so nφ = 37 and the dense Jacobian is formed): the dense spectrum and the
    /// matrix-free estimates must agree — L = σmax(J) from power iteration equals the dense largest
    /// singular value's bound |λ|max ≤ L, and μ from Lanczos (exact when the vectors ≥ n) equals the
    /// smallest eigenvalue of sym(J) formed densely.
    @Test func tinyRunCheckpointIsAnalyzed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-analyze-ckpt-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = folder + ".yaml"
        defer { try? FileManager.default.removeItem(atPath: config) }
        try "hidden: 4\nlatent: 2\nbatch_size: 16\nevaluation_samples: 64\niterations: 20\nlog_every: 20\n".write(toFile: config, atomically: true, encoding: .utf8)
        let t = try SaddleBinary.run(["train", "--config", config, "--out", folder, "--threads", "1"])
        #expect(t.status == 0, "stderr: \(t.stderr)")
        let ckpt = folder + "/checkpoints/iteration-00000020.safetensors"
        let r = try SaddleBinary.run(["analyze", "--checkpoint", ckpt, "--json", "--eftp-iterations", "0", "--lanczos-steps", "200"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let sizeMap = try #require(a["sizes"] as? [String: Int])
        let sizes = [sizeMap["generator"] ?? -1, sizeMap["discriminator"] ?? -1]
        #expect(sizes == [2 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2, 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1])
        let eig = try #require(a["eigenvalues"] as? [[String: Double]])
        #expect(eig.count == sizes[0] + sizes[1])
        let symmetric = try #require(a["symmetric_eigenvalues"] as? [Double])
        #expect(symmetric.count == sizes[0] + sizes[1])
        let mu = try #require(a["strong_monotonicity"] as? Double), L = try #require(a["lipschitz"] as? Double)
        #expect(abs(mu - symmetric.min()!) <= 1e-6 * max(1, abs(mu)), "Lanczos μ \(mu) vs dense \(symmetric.min()!)")
        let spectralRadius = eig.map { ($0["re"]! * $0["re"]! + $0["im"]! * $0["im"]!).squareRoot() }.max()!
        #expect(spectralRadius <= L * (1 + 1e-6), "|λ|max \(spectralRadius) must not exceed L = \(L)")
    }

    @Test func missingCheckpointIsOneLineError() throws {
        let r = try SaddleBinary.run(["analyze", "--checkpoint", "/nonexistent/ckpt.safetensors"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/nonexistent/ckpt.safetensors") && r.stderr.split(separator: "\n").count <= 2, "\(r.stderr)")
    }
}
