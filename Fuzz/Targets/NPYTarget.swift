import Formats
import Tensors

extension FuzzTarget {
    /// NPY: an array read is written (version 1.0) and read again to the same shape, type and bits.
    static func checkNPY(_ bytes: [UInt8]) -> String? {
        let first: Tensor
        do { first = try NPY.parse(bytes, file: file) } catch { return checkError(error) }
        do { return compare(first, try NPY.parse(NPY.serialize(first), file: file), "the array") } catch {
            return "an array Saddle read and wrote does not read back: \(error)"
        }
    }
}
