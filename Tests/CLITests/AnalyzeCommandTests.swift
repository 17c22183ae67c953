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

    /// Issue 4, acceptance 2 through the program: γ ± √(γ² − 1/4) with the default SGP at γ = 2,
    /// γ/2 ± i√(1/4 − γ²/4) with R1 at γ = 0.5.
    @Test func diracGANEigenvaluesAsReImPairs() throws {
        let sgp = try analyze(["--game", "dirac-gan", "--sgp", "2", "--point", "0,0", "--eftp-iterations", "0"])
        let e = try #require(sgp["eigenvalues"] as? [[String: Double]])
        let root = (4 - 0.25).squareRoot()
        #expect(e.count == 2)
        #expect(abs(e[0]["re"]! - (2 - root)) < 1e-6 && abs(e[1]["re"]! - (2 + root)) < 1e-6 && e[0]["im"]! == 0)
        let r1 = try analyze(["--game", "dirac-gan", "--r1", "0.5", "--point", "0,0", "--eftp-iterations", "0"])
        let f = try #require(r1["eigenvalues"] as? [[String: Double]])
        let im = (0.25 - 0.0625).squareRoot()
        #expect(abs(f[0]["re"]! - 0.25) < 1e-6 && abs(f[0]["im"]! + im) < 1e-6 && abs(f[1]["im"]! - im) < 1e-6)
        #expect(r1["predicted_squared_distance_factor"] == nil)
        #expect((r1["verdict"] as? String)?.contains("no rate is guaranteed") == true)
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

    @Test(arguments: [
        (["analyze", "--game", "bilinear", "--sgp", "1"], "gradient-penalty"),
        (["analyze", "--game", "dirac-gan", "--tikhonov", "-1"], "-1"),
        (["analyze", "--game", "dirac-gan", "--point", "1,2,3"], "--point"),
        (["analyze", "--lanczos-steps", "0"], "--lanczos-steps"),
    ])
    func badInputExitsNonZeroWithOneLine(_ args: [String], _ mentioned: String) throws {
        let r = try SaddleBinary.run(args)
        #expect(r.status != 0)
        let firstLine = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("Error:") && firstLine.contains(mentioned), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Program crashed"))
    }
}
