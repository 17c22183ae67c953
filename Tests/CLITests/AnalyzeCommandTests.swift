import Foundation
import Testing
import TestSupport

/// `saddle analyze`: one JSON object with the spectra as {re, im}, SPEC §3's closed forms on the
/// Dirac-GAN and the Gaussian-location Gramian, and one-line errors.
@Suite("saddle analyze")
struct AnalyzeCommandTests {
    func analyze(_ args: [String]) throws -> [String: Any] {
        let r = try SaddleBinary.run(["analyze", "--json"] + args)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// Issue 4, acceptance 2 through the program, at ω = 0: γ/2 ± √(γ²/4 − 1/4) with Tikhonov or R1
    /// alone, γ ± √(γ² − 1/4) with the default SGP (complex when the radicand is negative), to 1e-6.
    @Test(arguments: [0.5, 1.0, 2.0])
    func diracGANEigenvaluesAsReImPairs(gamma: Double) throws {
        for (flag, scale) in [("--tikhonov", 1.0), ("--r1", 1.0), ("--sgp", 2.0)] {
            let a = try analyze(["--game", "dirac-gan", flag, "\(gamma)", "--point", "0,0", "--eftp-iterations", "0"])
            let e = try #require(a["eigenvalues"] as? [[String: Double]])
            let half = scale * gamma / 2, disc = half * half - 0.25
            let want: [(Double, Double)] = disc >= 0 ? [(half - disc.squareRoot(), 0), (half + disc.squareRoot(), 0)]
                                                     : [(half, -(-disc).squareRoot()), (half, (-disc).squareRoot())]
            #expect(e.count == 2)
            for (got, w) in zip(e, want) {
                #expect(abs(got["re"]! - w.0) <= 1e-6 && abs(got["im"]! - w.1) <= 1e-6, "\(flag) \(gamma): \(e) vs \(want)")
            }
            #expect(a["predicted_squared_distance_factor"] == nil)
            #expect((a["verdict"] as? String)?.contains("no rate is guaranteed") == true)
        }
    }

    @Test func gaussianLocationGramianAndEFTP() throws {
        let a = try analyze(["--game", "gaussian-location", "--sgp", "1", "--eftp-iterations", "300"])
        let regs = try #require(a["regularizers"] as? [[String: Any]])
        let gram = try #require(regs.first?["gramian"] as? [String: Any])
        let ev = try #require(gram["eigenvalues"] as? [Double])
        #expect(abs(ev[0] - 0.93774) < 1e-5 && abs(ev[1] - 17.06226) < 1e-5)
        let eftp = try #require(a["eftp"] as? [String: Any])
        #expect((eftp["observed_factor"] as? Double).map { $0 < 1 } == true)
        #expect(a["recommended_step_size"] is Double)
    }

    @Test func quadraticGameHasAGuaranteedRate() throws {
        let a = try analyze(["--game", "quadratic", "--generator-curvature", "0.5", "--coupling", "2", "--eftp-iterations", "3000"])
        let predicted = try #require(a["predicted_squared_distance_factor"] as? Double)
        let observed = try #require((a["eftp"] as? [String: Any])?["observed_factor"] as? Double)
        #expect(observed <= predicted && abs(a["strong_monotonicity"] as! Double - 0.5) < 1e-6)
    }

    /// A small MLP GAN: J by autodiff, the SGP Gramian singular with the output bias named, and no
    /// rate promised.
    @Test func neuralGANGramianNullSpace() throws {
        let a = try analyze(["--neural-gan", "ring", "--hidden", "4", "--neural-batch", "8", "--r1", "1", "--eftp-iterations", "20"])
        #expect(a["jacobian_method"] as? String == "autodiff")
        let gram = try #require((a["regularizers"] as? [[String: Any]])?.first?["gramian"] as? [String: Any])
        #expect((gram["null_dimension"] as? Int).map { $0 >= 1 } == true)
        #expect((gram["null_sources"] as? [String])?.contains { $0.hasPrefix("layers.1.bias") } == true)
        #expect((gram["expectation"] as? String)?.contains("evaluation batch of 8") == true)
        #expect(a["predicted_squared_distance_factor"] == nil)
    }

    @Test(arguments: [
        (["analyze", "--game", "bilinear", "--sgp", "1"], "gradient-penalty"),
        (["analyze", "--game", "dirac-gan", "--tikhonov", "-1"], "-1"),
        (["analyze", "--game", "dirac-gan", "--point", "1,2,3"], "--point"),
        (["analyze", "--lanczos-steps", "0"], "--lanczos-steps"),
        (["analyze", "--neural-gan", "moon"], "ring"),
        (["analyze", "--neural-gan", "ring", "--hidden", "0"], "--hidden"),
    ])
    func badInputExitsNonZeroWithOneLine(_ args: [String], _ mentioned: String) throws {
        let r = try SaddleBinary.run(args)
        #expect(r.status != 0)
        let firstLine = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("Error:") && firstLine.contains(mentioned), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Program crashed"))
    }
}
