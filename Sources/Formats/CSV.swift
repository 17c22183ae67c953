import Foundation

/// A numeric table read from CSV: every row has the same number of fields, each a finite number.
public struct NumericTable: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    /// Row-major entries.
    public var values: [Double]

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
}

/// Comma-separated numbers, one row per line (gzip detected from the first bytes). Lines end in
/// LF, CRLF or a lone CR (old Mac files), in any mix. A first line that is not numeric is taken
/// as a header and skipped; blank lines are skipped. A row of the wrong length, a field that is
/// not a number, or NaN/infinity is an error naming the line.
public enum CSV {
    /// The default limit on a CSV file's size, on disk and inflated: 256 MiB. The largest table
    /// Saddle reads is MNIST in MNIST-5k's layout: MNIST-5k is 9,139,322 bytes for 5,000 rows, so
    /// all 70,000 MNIST images would be about 128 MB. Parsed, a table takes at most 4 times its
    /// size in memory (a field is at least 2 bytes and becomes an 8-byte Double).
    public static let defaultByteLimit = 256 << 20

    /// Reads `path`; `columns` (when given) is the required row length. The file, and its
    /// inflated bytes when gzipped, may have at most `byteLimit` bytes.
    public static func readNumeric(_ path: String, columns: Int? = nil, byteLimit: Int = defaultByteLimit) throws -> NumericTable {
        try parseNumeric(try Gzip.readMaybeCompressed(path, limit: byteLimit), file: path, columns: columns)
    }

    public static func parseNumeric(_ b: [UInt8], file: String, columns: Int? = nil) throws -> NumericTable {
        var values: [Double] = []
        var width = columns
        var rows = 0
        var line = 0
        var next = 0
        var field: [UInt8] = []
        var row: [Double] = []
        var first = true
        while next < b.count {
            line += 1
            let i = next
            var stop = i
            while stop < b.count && b[stop] != 0x0a && b[stop] != 0x0d { stop += 1 }
            // The next line starts after LF, CR or CRLF.
            next = stop + (stop + 1 < b.count && b[stop] == 0x0d && b[stop + 1] == 0x0a ? 2 : 1)
            if stop == i { continue }                     // blank line
            row.removeAll(keepingCapacity: true)
            var headerLine = false
            var j = i
            while j <= stop {
                if j == stop || b[j] == UInt8(ascii: ",") {
                    if let v = number(field) {
                        guard v.isFinite else { throw FormatError.nonFinite(file: file, location: "line \(line), field \(row.count + 1)") }
                        row.append(v)
                    } else if first {
                        headerLine = true
                    } else {
                        let text = String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                        throw FormatError.badValue(file: file, location: "line \(line), field \(row.count + 1)",
                                                   value: quotedForMessage(text, limit: 20), allowed: "a number")
                    }
                    field.removeAll(keepingCapacity: true)
                } else {
                    field.append(b[j])
                }
                j += 1
            }
            defer { first = false }
            if headerLine { continue }
            if let w = width, row.count != w {
                throw FormatError.wrongShape(file: file, detail: "line \(line) has \(row.count) fields, expected \(w)")
            }
            width = row.count
            values.append(contentsOf: row)
            rows += 1
        }
        return NumericTable(rows: rows, columns: width ?? 0, values: values)
    }

    /// Parses a field: a fast path for plain integers, strtod otherwise; nil when not a number.
    static func number(_ f: [UInt8]) -> Double? {
        var s = f[...]
        while let c = s.first, c == 0x20 || c == 0x09 { s = s.dropFirst() }
        while let c = s.last, c == 0x20 || c == 0x09 { s = s.dropLast() }
        guard !s.isEmpty else { return nil }
        if s.count <= 15, s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            var v = 0
            for c in s { v = v * 10 + Int(c - 0x30) }
            return Double(v)
        }
        return Double(String(decoding: s, as: UTF8.self))
    }
}
