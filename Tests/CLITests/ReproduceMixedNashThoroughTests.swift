import Foundation
import Testing
import TestSupport

/// Issue 6, acceptance 3: `saddle reproduce mixed-nash --quick` in the thorough tier.
@Suite("saddle reproduce mixed-nash Thorough", .enabled(if: Tier.thorough))
struct ReproduceMixedNashThoroughTests {
    @Test func quickRunWritesTheFolderWithNumberedVerdicts() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-mixed-nash-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--out", out])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for file in ["table.csv", "summary.csv", "verdicts.json", "report.html", "plots/ring-quality.svg", "plots/ring-quality.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let table = try String(contentsOfFile: out + "/table.csv", encoding: .utf8).split(separator: "\n")
        #expect(table.count == 1 + 6 * 3, "one row per method and seed")
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/verdicts.json"))) as? [[String: Any]])
        let ring = try #require(verdicts.first { ($0["claim"] as? String)?.hasPrefix("ring") == true })
        let numbers = try #require(ring["numbers"] as? [String: Any])
        #expect(numbers.count == 12, "final and mean quality of 6 methods: \(numbers.keys.sorted())")
        #expect(ring["pass"] is Bool)
        // A second run into the same folder is refused without --force, and the folder is kept.
        let again = try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--out", out])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        #expect(FileManager.default.fileExists(atPath: out + "/verdicts.json"))
    }
}
