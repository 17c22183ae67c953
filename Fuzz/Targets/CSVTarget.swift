import Foundation
import Formats

extension FuzzTarget {
    /// CSV: a table read has rows × columns finite values, and written back (shortest round-trip
    /// decimals, LF endings) it reads to the same table.
    static func checkCSV(_ bytes: [UInt8]) -> String? {
        let table: NumericTable
        do { table = try CSV.parseNumeric(bytes, file: file) } catch { return checkError(error) }
        guard table.rows * table.columns == table.values.count else {
            return "\(table.values.count) values for \(table.rows) rows of \(table.columns) columns"
        }
        guard table.values.allSatisfy(\.isFinite) else { return "a NaN or infinity was accepted" }
        guard table.rows > 0, table.columns > 0 else { return nil }
        var text = ""
        for r in 0..<table.rows {
            text += (0..<table.columns).map { "\(table[r, $0])" }.joined(separator: ",") + "\n"
        }
        do {
            let again = try CSV.parseNumeric(Array(text.utf8), file: file, columns: table.columns)
            return again == table ? nil : "the table changed on a write and a second read"
        } catch {
            return "a table Saddle read and wrote does not read back: \(error)"
        }
    }
}
