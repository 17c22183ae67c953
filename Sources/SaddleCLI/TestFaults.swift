import Foundation
import Saddle

/// The hidden `--test-faults SPEC` flag: the seam through which the crash-safety, disk-full and
/// divergence tests inject faults into the `saddle` program (the library reads no environment
/// variable). SPEC is a comma-separated list of
/// - `kill-after-bytes=N`: SIGKILL once N bytes of file data have been written (in the middle of a
///   write when N falls inside one);
/// - `fill-disk=KIND:K`: fill the file system before the K-th write of KIND (`checkpoint`,
///   `metrics`, `summary`, `config`, `history`, `report`, `plot`, `marker`, `output`, `tensorboard`, `journal`);
/// - `report=FILE`: at exit, write every write's kind and byte span to FILE (JSON lines);
/// - `poison=K`: put a NaN into θ after iteration K (the divergence guard's test).
struct TestFaults {
    var killAfterBytes: Int?
    var fillDisk: (FileKind, Int)?
    var report: String?
    var poisonAtIteration: Int?
    private var faults = WriteFaults()

    struct BadSpec: Error, CustomStringConvertible { let description: String }

    init(parsing spec: String) throws {
        for part in spec.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw BadSpec(description: "--test-faults: '\(part)' is not KEY=VALUE") }
            switch kv[0] {
            case "kill-after-bytes":
                guard let n = Int(kv[1]), n >= 0 else { throw BadSpec(description: "--test-faults: kill-after-bytes needs a count ≥ 0") }
                killAfterBytes = n
            case "fill-disk":
                let p = kv[1].split(separator: ":").map(String.init)
                guard p.count == 2, let kind = FileKind(rawValue: p[0]), let k = Int(p[1]), k >= 1 else {
                    throw BadSpec(description: "--test-faults: fill-disk needs KIND:K with KIND one of \(FileKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                fillDisk = (kind, k)
            case "report": report = kv[1]
            case "poison":
                guard let k = Int(kv[1]), k >= 1 else { throw BadSpec(description: "--test-faults: poison needs an iteration ≥ 1") }
                poisonAtIteration = k
            default: throw BadSpec(description: "--test-faults: unknown fault '\(kv[0])'")
            }
        }
    }

    func install() {
        faults.killAfterBytes = killAfterBytes
        faults.fillDisk = fillDisk.map { (kind: $0.0, ordinal: $0.1) }
        WriteFaults.current = faults
    }

    func finish() {
        guard let report else { return }
        WriteFaults.current = nil
        FileManager.default.createFile(atPath: report, contents: Data(faults.report().utf8))
    }
}
