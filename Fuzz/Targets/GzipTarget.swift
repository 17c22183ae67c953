import Formats

extension FuzzTarget {
    /// The inflated-size limit the gzip target uses: 1 MiB, large enough for the corpus, small
    /// enough that every input runs in milliseconds.
    static let gzipLimit = 1 << 20

    /// gzip: inflation stays within its limit, and what it inflates compresses and inflates back.
    static func checkGzip(_ bytes: [UInt8]) -> String? {
        let out: [UInt8]
        do { out = try Gzip.inflate(bytes, file: file, limit: gzipLimit) } catch { return checkError(error) }
        guard out.count <= gzipLimit else { return "inflated \(out.count) bytes past the limit of \(gzipLimit)" }
        do {
            return try Gzip.inflate(Gzip.compress(out), file: file, limit: gzipLimit) == out ? nil : "compress then inflate changed the data"
        } catch {
            return "Saddle's own gzip does not inflate: \(error)"
        }
    }
}
