import Foundation
import Testing
import TestSupport

/// `saddle reproduce asymmetric` as users see it: it refuses an existing folder before computing
/// anything (one line, non-zero exit), and its help names the grid.
@Suite("saddle reproduce asymmetric")
struct ReproduceAsymmetricCommandTests {
    @Test func refusesAnExistingFolderWithoutForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asym-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["reproduce", "asymmetric", "--quick", "--out", dir])
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(dir) && lines[0].contains("--force"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func helpDescribesTheStudy() throws {
        let r = try SaddleBinary.run(["reproduce", "asymmetric", "--help"])
        #expect(r.status == 0 && r.stdout.contains("--quick") && r.stdout.contains("--force") && r.stdout.contains("verdicts.json"))
    }
}

/// The quick study through the built program: the folder's files, and numbers behind every verdict.
@Suite("saddle reproduce asymmetric Thorough", .enabled(if: Tier.thorough))
struct ReproduceAsymmetricThoroughTests {
    @Test func quickRunWritesTheFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asym-quick-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        let r = try SaddleBinary.run(["reproduce", "asymmetric", "--quick", "--out", dir])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        print("reproduce asymmetric --quick: \(Int(seconds)) s")  // a time, not a test (issue 18)
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS") || $0.hasPrefix("FAIL") }.count == 5)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(files.isSuperset(of: ["table.csv", "operators.csv", "verdicts.json", "report.html", "plots"]))
        let plots = try FileManager.default.contentsOfDirectory(atPath: dir + "/plots")
        for kind in ["trajectory", "distance-iterations", "distance-oracle-calls"] {
            #expect(plots.contains { $0.hasSuffix("-\(kind).svg") } && plots.contains { $0.hasSuffix("-\(kind).png") }, "\(kind)")
        }
        #expect(plots.filter { $0.hasSuffix(".svg") }.count == plots.filter { $0.hasSuffix(".png") }.count)

        let table = try String(contentsOfFile: dir + "/table.csv", encoding: .utf8).split(separator: "\n")
        let header = table[0].split(separator: ",").map(String.init)
        for column in ["game", "regularization", "gamma", "method", "alpha", "final_distance_to_zero", "final_distance_to_equilibrium",
                       "observed_rate", "predicted_rate", "oracle_calls"] {
            #expect(header.contains(column), "\(column)")
        }
        #expect(table.count > 100)

        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/verdicts.json"))) as? [[String: Any]])
        #expect(verdicts.map { $0["id"] as? String } == ["a", "b", "c", "d", "e"])
        for v in verdicts {
            #expect(v["claim"] is String && v["pass"] is Bool)
            let numbers = try #require(v["numbers"] as? [[String: Any]], "\(v["id"]!)")
            #expect(!numbers.isEmpty)
            // Every entry carries at least one measured number.
            #expect(numbers.allSatisfy { $0.values.contains { $0 is Double || $0 is Int } }, "\(v["id"]!)")
        }
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("verdicts.json") && html.components(separatedBy: "<svg").count > 10)
    }

    /// Issue 4, acceptance 4: the full grid in under five minutes, a verdict with numbers per claim.
    @Test func fullRunFinishesUnderFiveMinutes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asym-full-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = Date()
        let r = try SaddleBinary.run(["reproduce", "asymmetric", "--out", dir])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        print("reproduce asymmetric: \(Int(seconds)) s")  // a time, not a test (issue 18)
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/verdicts.json"))) as? [[String: Any]])
        #expect(verdicts.count == 5 && verdicts.allSatisfy { ($0["numbers"] as? [Any])?.isEmpty == false && ($0["summary"] as? String)?.isEmpty == false })
    }
}
