import Foundation
import Testing
import TestSupport

/// Issue 19: `saddle reproduce mixed-nash --quick` in the thorough tier — the whole protocol
/// (tuning, choice, evaluation, tests, report) at smoke-test size.
@Suite("saddle reproduce mixed-nash Thorough", .enabled(if: Tier.thorough))
struct ReproduceMixedNashThoroughTests {
    @Test func quickRunWritesTheFolderWithTestedVerdicts() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-mixed-nash-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--out", out])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for file in ["table.csv", "summary.csv", "verdicts.json", "report.html",
                     "plots/ring-wgan-gp-2000-gradients.svg", "plots/ring-wgan-gp-2000-cpu.png", "plots/ring-wgan-gp-1000-gradients.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let table = try String(contentsOfFile: out + "/table.csv", encoding: .utf8).split(separator: "\n")
        // Tuning: 6 methods × 2 settings × 1 seed, read at both budgets; evaluation: 6 × 3 seeds at
        // each budget (a smaller budget's own runs only where its choice differs — same row count).
        #expect(table.count == 1 + 6 * 2 * 2 + 6 * 3 * 2, "\(table.count) rows")
        // The seed follows the quoted setting ("key=value, key=value").
        let seeds = table.filter { $0.contains(",evaluation,") }.map { $0.split(separator: "\"").last!.split(separator: ",").first.map(String.init) ?? "" }
        #expect(seeds.count == 36 && seeds.allSatisfy { ["0", "1", "2"].contains($0) }, "\(seeds)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/verdicts.json"))) as? [String: Any])
        let claims = try #require(json["claims"] as? [[String: Any]])
        #expect(claims.count == 2 * 2 * 2, "2 budgets × 2 mirror methods × quality and speed")
        // Three seeds a side cannot reach 5% after Holm's correction over three comparisons
        // (the smallest one-sided p is 1/20, times 3): every verdict must be UNDECIDED.
        #expect(claims.allSatisfy { $0["verdict"] as? String == "UNDECIDED" }, "\(claims.map { $0["verdict"] ?? "?" })")
        let tuning = try #require(json["tuning"] as? [[String: Any]])
        #expect(tuning.count == 6)
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("UNDECIDED") }.count == 8)
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("chosen") && html.contains("UNDECIDED") && html.contains("CPU"))
        // A second run into the same folder is refused without --force, and the folder is kept.
        let again = try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--out", out])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        #expect(FileManager.default.fileExists(atPath: out + "/verdicts.json"))
    }
}
