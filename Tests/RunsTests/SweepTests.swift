import Foundation
import Runs
import Testing

/// `saddle sweep`'s file (docs/scaling.md): axes are the keys given lists; grid and zip expansion,
/// names from the axis values, and one-line errors before any run starts.
@Suite struct SweepTests {
    @Test func gridTakesEveryCombinationLastAxisFastest() throws {
        let s = try Sweep(yaml: "preset: grid\niterations: 30\nmethod: [extra-adam, past-extra-adam]\nstep_size: [0.001, 0.003, 0.01]\nseed: [4, 5]\n", file: "s.yaml")
        #expect(s.runs.count == 12)
        #expect(s.runs.map(\.name).prefix(3) == ["method=extra-adam,step_size=0.001,seed=4", "method=extra-adam,step_size=0.001,seed=5",
                                                  "method=extra-adam,step_size=0.003,seed=4"])
        let last = s.runs[11].configuration
        #expect(last.method == .pastExtraAdam && last.generatorStepSize == 0.01 && last.discriminatorStepSize == 0.01 && last.seed == 5)
        // The preset's keys, then the file's scalars.
        #expect(last.dataset == "grid" && last.iterations == 30 && last.regularizerWeight == 1)
        #expect(Set(s.runs.map(\.name)).count == 12)
    }

    @Test func zipPairsTheIthValues() throws {
        let s = try Sweep(yaml: "combine: zip\nseed: [0, 1]\nbatch_size: [32, 64]\n", file: "s.yaml")
        #expect(s.runs.map(\.name) == ["seed=0,batch_size=32", "seed=1,batch_size=64"])
        #expect(s.runs[1].configuration.batchSize == 64)
        let base = try Sweep(yaml: "iterations: 7\n", file: "s.yaml")
        #expect(base.runs.map(\.name) == ["base"] && base.runs[0].configuration.iterations == 7)
    }

    @Test func slicesAreDisjointAndCoverTheSweep() throws {
        let s = try Sweep(yaml: "seed: [0, 1, 2, 3, 4, 5, 6]\nstep_size: [0.001, 0.002]\n", file: "s.yaml")
        for parts in [1, 2, 3, 5, 20] {
            let names = (0..<parts).flatMap { s.slice($0, of: parts).map(\.name) }
            #expect(names.sorted() == s.runs.map(\.name).sorted(), "\(parts) parts")
        }
    }

    @Test(arguments: [
        ("sed: [0, 1]\n", "unknown key 'sed'"),
        ("preset: [ring, grid]\n", "cannot be an axis"),
        ("combine: zip\nseed: [0, 1]\nbatch_size: [32]\n", "zip needs axes of equal length (seed: 2, batch_size: 1)"),
        ("seed: [0, 0]\n", "the values of an axis must differ"),
        ("data_file: [a/b.csv]\n", "an axis value names run folders"),
        ("seed: [0, 1\n", "has no closing ]"),
        ("seed: [0, , 1]\n", "an empty item"),
        ("seed: [0, [1]]\n", "a list of single values"),
        ("seed: [0, 1] x\n", "text after the list"),
        ("batch_size: [64, 0]\n", "batch_size = 0 is invalid"),
        ("shards: [2, 4]\nbatch_size: 3\n", "run shards=4"),
        ("combine: both\n", "grid or zip"),
    ])
    func badSweepFilesAreOneLineErrors(text: String, message: String) {
        do {
            _ = try Sweep(yaml: text, file: "s.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".hasPrefix("s.yaml"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    /// Lists are a sweep file's only: a config file still rejects them.
    @Test func configFilesRejectLists() {
        var c = TrainingConfiguration()
        #expect(throws: ConfigError.self) { try c.apply(yaml: "seed: [0, 1]\n", file: "c.yaml") }
        let entries = try? FlatYAML.parse("seed: [0, \"a b\", 'c']  # three\n", file: "s.yaml", lists: true).entries
        #expect(entries?.first?.list == ["0", "a b", "c"])
    }
}
