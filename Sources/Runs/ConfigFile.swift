import Foundation
import Formats

/// A bad configuration file or value: one line naming the file, the key, the value and what is allowed.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unknownKey(file: String, line: Int, key: String, allowed: [String])
    case wrongType(file: String, key: String, value: String, expected: String)
    case outOfRange(file: String, key: String, value: String, allowed: String)
    case syntax(file: String, line: Int, detail: String)

    /// One line: keys and values come from the file, so they are shortened and their control
    /// characters escaped (``oneLine(_:limit:)``).
    public var description: String {
        switch self {
        case .unknownKey(let f, let l, let k, let a):
            return "\(f):\(l): unknown key '\(oneLine(k))'; known keys: \(a.joined(separator: ", "))"
        case .wrongType(let f, let k, let v, let e): return "\(f): \(oneLine(k)) = \(oneLine(v)) has the wrong type: expected \(e)"
        case .outOfRange(let f, let k, let v, let a): return "\(f): \(oneLine(k)) = \(oneLine(v)) is invalid: \(a)"
        case .syntax(let f, let l, let d): return "\(f):\(l): \(oneLine(d, limit: 300))"
        }
    }
}

/// A flat YAML mapping, `key: value` per line: the subset Saddle's configs use. Comments (`#`),
/// blank lines, a `---` start marker and quoted strings are accepted; nesting, lists and
/// duplicate keys are errors naming the line. Lines end in LF, CRLF or CR (YAML 1.2's line
/// breaks), the last one with or without a line break; a leading byte-order mark is skipped.
public struct FlatYAML {
    public struct Entry { public var key: String; public var value: String; public var line: Int }
    public var entries: [Entry] = []

    public static func parse(_ text: String, file: String) throws -> FlatYAML {
        var result = FlatYAML()
        var seen = Set<String>()
        // Splitting on the Character "\n" misses CRLF: Swift's String keeps "\r\n" as ONE
        // Character (one grapheme cluster), which is not equal to "\n", so a CRLF file was read
        // as one long line. Compare whole Characters against all three line breaks instead.
        let body = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : text[...]
        let lines = body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, rawLine) in lines.enumerated() {
            let line = index + 1
            let s = String(rawLine)
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed == "---" || trimmed == "..." { continue }
            if s.first == " " || s.first == "\t" {
                throw ConfigError.syntax(file: file, line: line, detail: "indented line: nested mappings are not supported (one `key: value` per line)")
            }
            guard let colon = s.firstIndex(of: ":") else {
                throw ConfigError.syntax(file: file, line: line, detail: "expected `key: value`, found \"\(trimmed.prefix(40))\"")
            }
            let key = s[..<colon].trimmingCharacters(in: .whitespaces)
            var value = String(s[s.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            var isQuoted = false
            if let q = value.first, q == "\"" || q == "'" {
                isQuoted = true
                guard let (string, rest) = quoted(value.dropFirst(), closedBy: q) else {
                    throw ConfigError.syntax(file: file, line: line, detail: "unterminated string for \(key)")
                }
                let after = rest.trimmingCharacters(in: .whitespaces)
                guard after.isEmpty || after.hasPrefix("#") else { throw ConfigError.syntax(file: file, line: line, detail: "text after the string of \(key)") }
                value = string
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            } else if value.hasPrefix("#") {
                value = ""
            }
            // A quoted value is a string whatever it holds ("" included); only a plain one can
            // open a nested mapping, a list or a mapping.
            if value.isEmpty && !isQuoted { throw ConfigError.syntax(file: file, line: line, detail: "\(key) has no value (nested mappings are not supported)") }
            if !isQuoted && (value.hasPrefix("[") || value.hasPrefix("{")) {
                throw ConfigError.wrongType(file: file, key: key, value: value, expected: "a single value, not a list or mapping")
            }
            guard seen.insert(key).inserted else { throw ConfigError.syntax(file: file, line: line, detail: "duplicate key \(key)") }
            result.entries.append(Entry(key: key, value: value, line: line))
        }
        return result
    }

    /// The body of a quoted scalar whose opening quote `q` has been read, and the text after its
    /// closing quote; nil when it is not closed. In double quotes `\"` and `\\` stand for `"` and
    /// `\` (what ``scalar(_:)`` writes; any other backslash is kept as it is, so a Windows path
    /// reads as typed); in single quotes `''` stands for `'`, as in YAML.
    static func quoted(_ text: Substring, closedBy q: Character) -> (String, Substring)? {
        var body = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if q == "\"" && c == "\\" && next < text.endIndex && (text[next] == "\"" || text[next] == "\\") {
                body.append(text[next])
                i = text.index(after: next)
            } else if c == q && q == "'" && next < text.endIndex && text[next] == "'" {
                body.append("'")
                i = text.index(after: next)
            } else if c == q {
                return (body, text[next...])
            } else {
                body.append(c)
                i = next
            }
        }
        return nil
    }

    /// A scalar as YAML writes it: plain when unambiguous, else double-quoted.
    public static func scalar(_ s: String) -> String {
        if s.range(of: "^[A-Za-z0-9_.+-]+$", options: .regularExpression) != nil, !["true", "false", "null", "yes", "no", "~"].contains(s.lowercased()) || Double(s) != nil { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
