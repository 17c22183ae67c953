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
///
/// The syntax is read on Unicode scalars, not on Swift's Characters: a Character is a grapheme
/// cluster, so "\r\n" is one Character (a CRLF file did not split on "\n"), and a quote or a
/// colon followed by a combining mark is one Character that equals neither.
public struct FlatYAML {
    public struct Entry {
        public var key: String
        public var value: String
        public var line: Int
        /// The items of a flow list `[a, b, "c"]` (only when parsed with `lists: true`; `value` then
        /// holds the list's text).
        public var list: [String]? = nil
    }
    public var entries: [Entry] = []

    typealias Scalars = ArraySlice<Unicode.Scalar>

    /// - Parameter lists: accept a flow list of scalars, `key: [a, b, "c"]`, as a value (sweep files).
    public static func parse(_ text: String, file: String, lists: Bool = false) throws -> FlatYAML {
        var result = FlatYAML()
        var seen = Set<String>()
        var all = Array(text.unicodeScalars)[...]
        if all.first == "\u{FEFF}" { all = all.dropFirst() }
        var lines: [Scalars] = []
        var start = all.startIndex, i = all.startIndex
        while i < all.endIndex {
            if all[i] == "\n" || all[i] == "\r" {
                lines.append(all[start..<i])
                i += all[i] == "\r" && i + 1 < all.endIndex && all[i + 1] == "\n" ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        lines.append(all[start...])
        for (index, s) in lines.enumerated() {
            let line = index + 1
            let trimmed = trimmed(s)
            if trimmed.isEmpty || trimmed.first == "#" || string(trimmed) == "---" || string(trimmed) == "..." { continue }
            if s.first == " " || s.first == "\t" {
                throw ConfigError.syntax(file: file, line: line, detail: "indented line: nested mappings are not supported (one `key: value` per line)")
            }
            guard let colon = s.firstIndex(of: ":") else {
                throw ConfigError.syntax(file: file, line: line, detail: "expected `key: value`, found \"\(string(trimmed.prefix(40)))\"")
            }
            let key = string(Self.trimmed(s[..<colon]))
            var rest = Self.trimmed(s[(colon + 1)...])
            var value: String
            var isQuoted = false
            if let q = rest.first, q == "\"" || q == "'" {
                isQuoted = true
                guard let (body, after) = quoted(rest.dropFirst(), closedBy: q) else {
                    throw ConfigError.syntax(file: file, line: line, detail: "unterminated string for \(key)")
                }
                let tail = Self.trimmed(after)
                guard tail.isEmpty || tail.first == "#" else { throw ConfigError.syntax(file: file, line: line, detail: "text after the string of \(key)") }
                value = body
            } else {
                // A comment starts at a '#' at the start of the value or after a space or tab.
                if let hash = rest.indices.first(where: { rest[$0] == "#" && ($0 == rest.startIndex || rest[$0 - 1] == " " || rest[$0 - 1] == "\t") }) {
                    rest = Self.trimmed(rest[..<hash])
                }
                value = string(rest)
            }
            // A quoted value is a string whatever it holds ("" included); only a plain one can
            // open a nested mapping, a list or a mapping.
            if value.isEmpty && !isQuoted { throw ConfigError.syntax(file: file, line: line, detail: "\(key) has no value (nested mappings are not supported)") }
            var list: [String]? = nil
            if !isQuoted && lists && rest.first == "[" {
                list = try flowList(rest, key: key, file: file, line: line)
            } else if !isQuoted && (rest.first == "[" || rest.first == "{") {
                throw ConfigError.wrongType(file: file, key: key, value: value, expected: "a single value, not a list or mapping")
            }
            guard seen.insert(key).inserted else { throw ConfigError.syntax(file: file, line: line, detail: "duplicate key \(key)") }
            result.entries.append(Entry(key: key, value: value, line: line, list: list))
        }
        return result
    }

    /// The items of `[a, b, "c"]` (`text` starts at the bracket; a comment after it was cut off):
    /// plain or quoted scalars, at least one, no nesting.
    static func flowList(_ text: Scalars, key: String, file: String, line: Int) throws -> [String] {
        var items: [String] = []
        var rest = trimmed(text.dropFirst())
        while true {
            if let q = rest.first, q == "\"" || q == "'" {
                guard let (body, after) = quoted(rest.dropFirst(), closedBy: q) else {
                    throw ConfigError.syntax(file: file, line: line, detail: "unterminated string in the list of \(key)")
                }
                items.append(body)
                rest = trimmed(after)
            } else {
                guard let end = rest.firstIndex(where: { $0 == "," || $0 == "]" }) else {
                    throw ConfigError.syntax(file: file, line: line, detail: "the list of \(key) has no closing ]")
                }
                let item = trimmed(rest[..<end])
                if item.contains(where: { $0 == "[" || $0 == "{" || $0 == "}" }) {
                    throw ConfigError.wrongType(file: file, key: key, value: string(text), expected: "a list of single values")
                }
                if item.isEmpty {
                    throw ConfigError.syntax(file: file, line: line, detail: "an empty item in the list of \(key)")
                }
                items.append(string(item))
                rest = rest[end...]
            }
            guard let c = rest.first else { throw ConfigError.syntax(file: file, line: line, detail: "the list of \(key) has no closing ]") }
            rest = trimmed(rest.dropFirst())
            if c == "]" { break }
            guard c == "," else { throw ConfigError.syntax(file: file, line: line, detail: "expected , or ] in the list of \(key)") }
        }
        guard rest.isEmpty else { throw ConfigError.syntax(file: file, line: line, detail: "text after the list of \(key)") }
        return items
    }

    /// `s` without leading and trailing spaces and tabs (YAML's white space).
    static func trimmed(_ s: Scalars) -> Scalars {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }

    static func string(_ s: Scalars) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    /// The body of a quoted scalar whose opening quote `q` has been read, and the text after its
    /// closing quote; nil when it is not closed. In double quotes `\"` and `\\` stand for `"` and
    /// `\` (what ``scalar(_:)`` writes; any other backslash is kept as it is, so a Windows path
    /// reads as typed); in single quotes `''` stands for `'`, as in YAML.
    static func quoted(_ text: Scalars, closedBy q: Unicode.Scalar) -> (String, Scalars)? {
        var body = String.UnicodeScalarView()
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = i + 1
            if q == "\"" && c == "\\" && next < text.endIndex && (text[next] == "\"" || text[next] == "\\") {
                body.append(text[next])
                i = next + 1
            } else if c == q && q == "'" && next < text.endIndex && text[next] == "'" {
                body.append("'")
                i = next + 1
            } else if c == q {
                return (String(body), text[next...])
            } else {
                body.append(c)
                i = next
            }
        }
        return nil
    }

    /// A real as YAML 1.1 reads a float: with a decimal point before any exponent, so `1e-05`
    /// is written `1.0e-05` (PyYAML and other YAML 1.1 readers take `1e-05` for a string; the
    /// spec's float pattern needs the point). Non-finite values as YAML's `.nan`, `.inf`, `-.inf`.
    public static func real(_ x: Double) -> String {
        if x.isNaN { return ".nan" }
        if x.isInfinite { return x > 0 ? ".inf" : "-.inf" }
        let text = "\(x)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), !text[..<e].contains(".") else { return text }
        return text[..<e] + ".0" + text[e...]
    }

    /// A scalar as YAML writes it: plain when unambiguous, else double-quoted.
    public static func scalar(_ s: String) -> String {
        if s.range(of: "^[A-Za-z0-9_.+-]+$", options: .regularExpression) != nil, !["true", "false", "null", "yes", "no", "~"].contains(s.lowercased()) || Double(s) != nil { return s }
        // Escaped scalar by scalar: a quote followed by a combining mark is one Character, which
        // a Character-wise replacement would leave unescaped.
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u == "\"" || u == "\\" { out.append("\\") }
            out.append(u)
        }
        return "\"" + String(out) + "\""
    }
}
