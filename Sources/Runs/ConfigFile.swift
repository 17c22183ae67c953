import Foundation

/// A bad configuration file or value: one line naming the file, the key, the value and what is allowed.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unknownKey(file: String, line: Int, key: String, allowed: [String])
    case wrongType(file: String, key: String, value: String, expected: String)
    case outOfRange(file: String, key: String, value: String, allowed: String)
    case syntax(file: String, line: Int, detail: String)

    public var description: String {
        switch self {
        case .unknownKey(let f, let l, let k, let a):
            return "\(f):\(l): unknown key '\(k)'; known keys: \(a.joined(separator: ", "))"
        case .wrongType(let f, let k, let v, let e): return "\(f): \(k) = \(v) has the wrong type: expected \(e)"
        case .outOfRange(let f, let k, let v, let a): return "\(f): \(k) = \(v) is invalid: \(a)"
        case .syntax(let f, let l, let d): return "\(f):\(l): \(d)"
        }
    }
}

/// A flat YAML mapping, `key: value` per line: the subset Saddle's configs use. Comments (`#`),
/// blank lines, a `---` start marker and quoted strings are accepted; nesting, lists and
/// duplicate keys are errors naming the line.
public struct FlatYAML {
    public struct Entry { public var key: String; public var value: String; public var line: Int }
    public var entries: [Entry] = []

    public static func parse(_ text: String, file: String) throws -> FlatYAML {
        var result = FlatYAML()
        var seen = Set<String>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var s = String(rawLine)
            if s.hasSuffix("\r") { s.removeLast() }
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
            if value.hasPrefix("\"") || value.hasPrefix("'") {
                let q = value.first!
                guard let end = value.dropFirst().firstIndex(of: q) else {
                    throw ConfigError.syntax(file: file, line: line, detail: "unterminated string for \(key)")
                }
                let rest = value[value.index(after: end)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else { throw ConfigError.syntax(file: file, line: line, detail: "text after the string of \(key)") }
                value = String(value[value.index(after: value.startIndex)..<end])
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            } else if value.hasPrefix("#") {
                value = ""
            }
            if value.isEmpty { throw ConfigError.syntax(file: file, line: line, detail: "\(key) has no value (nested mappings are not supported)") }
            if value.hasPrefix("[") || value.hasPrefix("{") {
                throw ConfigError.wrongType(file: file, key: key, value: value, expected: "a single value, not a list or mapping")
            }
            guard seen.insert(key).inserted else { throw ConfigError.syntax(file: file, line: line, detail: "duplicate key \(key)") }
            result.entries.append(Entry(key: key, value: value, line: line))
        }
        return result
    }

    /// A scalar as YAML writes it: plain when unambiguous, else double-quoted.
    public static func scalar(_ s: String) -> String {
        if s.range(of: "^[A-Za-z0-9_.+-]+$", options: .regularExpression) != nil, !["true", "false", "null", "yes", "no", "~"].contains(s.lowercased()) || Double(s) != nil { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
