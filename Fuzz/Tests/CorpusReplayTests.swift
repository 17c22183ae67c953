import Foundation
import Formats
import Runs
import FuzzTargets
import Testing

/// Every committed fuzz input, replayed through its target's check in the ordinary build: the
/// seed corpus (`Fuzz/corpus/<target>`) and the inputs that once crashed a reader
/// (`Fuzz/regressions/<target>`). The sanitized libFuzzer runs are scripts/fuzz's.
@Suite("Fuzz corpus replay")
struct CorpusReplayTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [String] {
        let dir = "\(fuzzFolder)/\(kind)/\(target.rawValue)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(dir)/\($0)" }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedCorpus(_ target: FuzzTarget) throws {
        let files = Self.inputs("corpus", target)
        #expect(files.count >= 5, "Fuzz/corpus/\(target.rawValue) has \(files.count) seeds")
        for path in files {
            let problem = target.check([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            #expect(problem == nil, "\(path): \(problem ?? "")")
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func regressions(_ target: FuzzTarget) throws {
        for path in Self.inputs("regressions", target) {
            let problem = target.check([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            #expect(problem == nil, "\(path): \(problem ?? "")")
        }
    }
}

/// The checkpoint target's seeds are checkpoints Saddle accepts (so the fuzzer starts from inputs
/// that reach the solver-state checks and the write-and-read round trip, not only the parser).
@Suite("Checkpoint seeds load")
struct CheckpointSeedTests {
    @Test func everySeedRestoresAndFormatThreeResumes() throws {
        let files = CorpusReplayTests.inputs("corpus", .checkpoint)
        #expect(files.count >= 17)
        for path in files {
            let file = try SafeTensors.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
            let (training, _) = try GANTraining.restore(file, path: path, dataFile: nil)
            if file.metadata["format_version"] == "3" {
                _ = try training.load(file, file: path, forResuming: true)
            } else {
                #expect(throws: RunError.self) { try training.load(file, file: path, forResuming: true) }
            }
        }
    }
}
