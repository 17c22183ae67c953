import Formats

extension FuzzTarget {
    /// safetensors: a file read is written and read again to the same names, tensors and metadata.
    static func checkSafeTensors(_ bytes: [UInt8]) -> String? {
        let first: SafeTensors
        do { first = try SafeTensors.parse(bytes, file: file) } catch { return checkError(error) }
        let again: SafeTensors
        do { again = try SafeTensors.parse(first.serialized(), file: file) } catch { return "a file Saddle read and wrote does not read back: \(error)" }
        guard again.entries.map(\.name) == first.entries.map(\.name), again.metadata == first.metadata else {
            return "names or metadata changed on a write and a second read"
        }
        for (a, b) in zip(first.entries, again.entries) {
            if let problem = compare(a.tensor, b.tensor, "tensor \(a.name)") { return problem }
        }
        return nil
    }
}
