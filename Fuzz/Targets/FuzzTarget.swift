import Formats
import Runs
import Tensors

/// A reader under fuzzing. Its raw value names its corpus folder (`Fuzz/corpus/<name>`), its
/// regression folder (`Fuzz/regressions/<name>`) and the `SADDLE_FUZZ_TARGET` the libFuzzer
/// driver reads.
///
/// ``check(_:)`` feeds one input to the reader and checks what a reader owes any input: it
/// returns normally, and either accepts the bytes (then what it read survives a write and a
/// second read unchanged) or throws its module's error whose description is one line naming the
/// file. Crashes, traps and sanitizer reports are the driver's to see; ``check(_:)`` returns the
/// other broken promises as a sentence, which the driver turns into a crash and the replay test
/// into a failed expectation.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, npy, idx, csv, gzip, yaml, checkpoint, tfevents

    /// The file name the reader is given, so errors can be checked to name it.
    static let file = "fuzz-input"

    /// nil when the reader kept its promises on `bytes`, else what went wrong.
    public func check(_ bytes: [UInt8]) -> String? {
        // The pool caches freed buffers by size; fuzz inputs of every size would grow it without end.
        defer { TensorPool.shared.trim() }
        switch self {
        case .safetensors: return Self.checkSafeTensors(bytes)
        case .npy: return Self.checkNPY(bytes)
        case .idx: return Self.checkIDX(bytes)
        case .csv: return Self.checkCSV(bytes)
        case .gzip: return Self.checkGzip(bytes)
        case .yaml: return Self.checkYAML(bytes)
        case .checkpoint: return Self.checkCheckpoint(bytes)
        case .tfevents: return Self.checkTFEvents(bytes)
        }
    }

    /// nil when `error` is a reader's error whose description is one line starting with the file name.
    static func checkError(_ error: Error) -> String? {
        guard error is FormatError || error is ConfigError || error is RunError else { return "threw \(type(of: error)), not FormatError, ConfigError or RunError: \(error)" }
        let text = "\(error)"
        guard text.hasPrefix(file) else { return "the message does not start with the file name: \(text)" }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || [0x85, 0x2028, 0x2029].contains($0.value) }) else {
            return "the message is not one line: \(text.debugDescription)"
        }
        return nil
    }

    /// nil when `a` and `b` have the same shape, type and bits.
    static func compare(_ a: Tensor, _ b: Tensor, _ what: String) -> String? {
        guard a.shape == b.shape, a.dtype == b.dtype else { return "\(what): \(a.shape) \(a.dtype) read back as \(b.shape) \(b.dtype)" }
        let n = a.count * a.dtype.byteSize
        guard n == 0 || UnsafeRawBufferPointer(start: a.address, count: n).elementsEqual(UnsafeRawBufferPointer(start: b.address, count: n)) else {
            return "\(what): the data changed on a write and a second read"
        }
        return nil
    }
}
