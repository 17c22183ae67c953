import Formats

extension FuzzTarget {
    /// IDX: a file read writes back to the same bytes, and its entries make a tensor of its dimensions.
    static func checkIDX(_ bytes: [UInt8]) -> String? {
        let idx: IDX
        do { idx = try IDX.parse(bytes, file: file) } catch { return checkError(error) }
        guard idx.serialized() == bytes else { return "the IDX file does not write back to the same bytes" }
        let t = idx.tensor(scale: 1.0 / 255)
        guard t.shape.dims == idx.dimensions, t.count == idx.bytes.count else { return "tensor \(t.shape) for dimensions \(idx.dimensions)" }
        return nil
    }
}
