import Foundation

/// A JSON value (RFC 8259), with an object's members in the order they were given.
///
/// Saddle's one JSON writer: every JSON file and line it writes (summaries, metrics.jsonl,
/// verdicts, checkpoint metadata, safetensors headers, `--json` output) is a `JSONValue` turned into
/// text by ``text(indent:sortedKeys:)``, directly or through ``JSON/text(_:indent:sortedKeys:snakeCaseKeys:userInfo:)``,
/// which encodes any `Encodable` into one. The text is the same bytes on every platform and
/// Foundation version: numbers in Swift's shortest round-trip form, integral values below 10¹⁵
/// without a fraction, and the non-finite numbers JSON has no literal for as the strings
/// `"NaN"`, `"Infinity"` and `"-Infinity"` (which ``JSON/decoder`` and Python's `float()` read back).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer written exactly (a Double holds integers exactly only up to 2⁵³).
    case integer(Int64)
    case unsigned(UInt64)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text() == b.text() }

    /// `.number(v)`, or `.null` when `v` is nil.
    public static func optional(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }

    /// The member `key` of an object (the last one of that name), else nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.last { $0.0 == key }?.1
    }

    /// JSON text: compact (no spaces) by default, or one member per line indented by `indent`
    /// spaces per level. `sortedKeys` orders every object's members by key (byte order of UTF-8).
    public func text(indent: Int? = nil, sortedKeys: Bool = false) -> String {
        var out = ""
        write(into: &out, indent: indent, sortedKeys: sortedKeys, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, sortedKeys: Bool, level: Int) {
        func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: " ", count: indent * level)
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += JSONValue.numberText(x)
        case .integer(let i): out += String(i)
        case .unsigned(let u): out += String(u)
        case .string(let s): out += jsonString(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(level + 1)
                item.write(into: &out, indent: indent, sortedKeys: sortedKeys, level: level + 1)
            }
            newline(level)
            out += "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            let members = sortedKeys ? pairs.enumerated().sorted { a, b in
                a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8) || (a.element.0 == b.element.0 && a.offset < b.offset)
            }.map(\.element) : pairs
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                newline(level + 1)
                out += jsonString(key) + (indent == nil ? ":" : ": ")
                value.write(into: &out, indent: indent, sortedKeys: sortedKeys, level: level + 1)
            }
            newline(level)
            out += "}"
        }
    }

    /// A Double as JSON: integral values below 10¹⁵ as integers, others in Swift's shortest
    /// round-trip form (so
    /// every finite Double, −0 included, reads back to the same bits), non-finite ones as the strings "NaN", "Infinity", "-Infinity".
    public static func numberText(_ x: Double) -> String {
        if x.isNaN { return "\"NaN\"" }
        if x.isInfinite { return x > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        if x == 0 && x.sign == .minus { return "-0.0" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public typealias Key = String
    public typealias Value = JSONValue
    public typealias ArrayLiteralElement = JSONValue
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
}

/// A JSONValue inside a `Codable` type encodes as itself (through any encoder).
extension JSONValue: Encodable {
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: MemberKey.self)
            for (k, v) in pairs { try c.encode(v, forKey: MemberKey(stringValue: k)) }
        default:
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .bool(let b): try c.encode(b)
            case .number(let x): try c.encode(x)
            case .integer(let i): try c.encode(i)
            case .unsigned(let u): try c.encode(u)
            case .string(let s): try c.encode(s)
            case .array, .object: break
            }
        }
    }
}

/// A JSONValue read by any decoder (an object's members then come in key order: decoders do not
/// keep the text's order).
extension JSONValue: Decodable {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: AnyKey.self) {
            self = .object(try c.allKeys.sorted { $0.stringValue < $1.stringValue }.map { ($0.stringValue, try c.decode(JSONValue.self, forKey: $0)) })
        } else if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(JSONValue.self)) }
            self = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .integer(i) }
            else if let u = try? c.decode(UInt64.self) { self = .unsigned(u) }
            else if let x = try? c.decode(Double.self) { self = .number(x) }
            else { self = .string(try c.decode(String.self)) }
        }
    }
}

/// Saddle's JSON text for `Encodable` values, and the decoder that reads it back.
public enum JSON {
    /// `value` encoded by ``JSONValueEncoder`` and written by ``JSONValue/text(indent:sortedKeys:)``:
    /// members in the order the type encodes them (its declaration order for synthesized `Codable`),
    /// or sorted when `sortedKeys`; property names in snake_case when `snakeCaseKeys`.
    public static func text<T: Encodable>(_ value: T, indent: Int? = nil, sortedKeys: Bool = true, snakeCaseKeys: Bool = false,
                                          userInfo: [CodingUserInfoKey: Any] = [:]) throws -> String {
        try JSONValueEncoder(snakeCaseKeys: snakeCaseKeys, userInfo: userInfo).encode(value).text(indent: indent, sortedKeys: sortedKeys)
    }

    /// ``text(_:indent:sortedKeys:snakeCaseKeys:userInfo:)`` as UTF-8 bytes.
    public static func bytes<T: Encodable>(_ value: T, indent: Int? = nil, sortedKeys: Bool = true) throws -> [UInt8] {
        Array(try text(value, indent: indent, sortedKeys: sortedKeys).utf8)
    }

    /// Reads what the writer writes: Foundation's JSON parser, with "NaN", "Infinity" and
    /// "-Infinity" strings accepted where a number is expected.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}

/// An `Encoder` whose result is a ``JSONValue``: keyed containers keep the order of their
/// `encode` calls (a key encoded twice keeps its first place and its last value), Float values are
/// written in Float's own shortest form (0.1, not 0.10000000149011612).
public struct JSONValueEncoder {
    public var snakeCaseKeys: Bool
    public var userInfo: [CodingUserInfoKey: Any]

    public init(snakeCaseKeys: Bool = false, userInfo: [CodingUserInfoKey: Any] = [:]) {
        self.snakeCaseKeys = snakeCaseKeys
        self.userInfo = userInfo
    }

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = JSONNode()
        try root.put(value, encoder: self, path: [])
        return root.value
    }

    func key(_ k: any CodingKey) -> String { snakeCaseKeys ? JSONValueEncoder.snakeCase(k.stringValue) : k.stringValue }

    /// camelCase → snake_case as Foundation's `convertToSnakeCase` does it: a word starts at an
    /// upper-case letter after a lower-case one or a digit, and at the last capital of a run of
    /// capitals followed by a lower-case letter ("powerIterations" → "power_iterations",
    /// "URLValue" → "url_value").
    public static func snakeCase(_ s: String) -> String {
        let c = Array(s)
        var out = ""
        for i in c.indices {
            if c[i].isUppercase, i > 0, c[i - 1] != "_" {
                let afterLower = c[i - 1].isLowercase || c[i - 1].isNumber
                let endsCapitalRun = c[i - 1].isUppercase && i + 1 < c.count && c[i + 1].isLowercase
                if afterLower || endsCapitalRun { out += "_" }
            }
            out += c[i].lowercased()
        }
        return out
    }
}

/// The tree built while encoding (containers write into it by reference, as `Encoder` requires).
private final class JSONNode {
    enum Content { case empty, scalar(JSONValue), object([String], [String: JSONNode]), array([JSONNode]) }
    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty: return .object([])
        case .scalar(let v): return v
        case .object(let keys, let nodes): return .object(keys.map { ($0, nodes[$0]!.value) })
        case .array(let items): return .array(items.map(\.value))
        }
    }

    // Both take the collection out of `content` before changing it, so it is uniquely referenced
    // and grows in place: changing a copy while `content` still held the original copied it at every
    // entry, quadratic in its length (a checkpoint of 2 × 280,000 numbers took minutes).
    func child(forKey key: String) -> JSONNode {
        var (keys, nodes): ([String], [String: JSONNode])
        switch content {
        case .empty: (keys, nodes) = ([], [:])
        case .object(let k, let n): (keys, nodes) = (k, n)
        default: preconditionFailure("a keyed container on a node that holds something else")
        }
        content = .empty
        let node = JSONNode()
        if nodes[key] == nil { keys.append(key) }
        nodes[key] = node
        content = .object(keys, nodes)
        return node
    }

    func appended() -> JSONNode {
        var items: [JSONNode]
        switch content {
        case .empty: items = []
        case .array(let a): items = a
        default: preconditionFailure("an unkeyed container on a node that holds something else")
        }
        content = .empty
        let node = JSONNode()
        items.append(node)
        content = .array(items)
        return node
    }

    func put<T: Encodable>(_ value: T, encoder: JSONValueEncoder, path: [any CodingKey]) throws {
        switch value {
        case let v as JSONValue: content = .scalar(v)
        case let x as Double: content = .scalar(.number(x))
        case let x as Float: content = .scalar(x.isFinite ? .number(Double("\(x)")!) : .number(Double(x)))
        case let s as String: content = .scalar(.string(s))
        case let b as Bool: content = .scalar(.bool(b))
        case let i as Int: content = .scalar(.integer(Int64(i)))
        case let i as Int64: content = .scalar(.integer(i))
        case let i as Int32: content = .scalar(.integer(Int64(i)))
        case let u as UInt64: content = .scalar(.unsigned(u))
        case let u as UInt: content = .scalar(.unsigned(UInt64(u)))
        case let u as UInt32: content = .scalar(.unsigned(UInt64(u)))
        case let i as Int16: content = .scalar(.integer(Int64(i)))
        case let i as Int8: content = .scalar(.integer(Int64(i)))
        case let u as UInt16: content = .scalar(.unsigned(UInt64(u)))
        case let u as UInt8: content = .scalar(.unsigned(UInt64(u)))
        default: try value.encode(to: NodeEncoder(node: self, settings: encoder, codingPath: path))
        }
    }
}

private struct NodeEncoder: Encoder {
    let node: JSONNode
    let settings: JSONValueEncoder
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { settings.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .empty = node.content { node.content = .object([], [:]) }
        return KeyedEncodingContainer(Keyed<Key>(node: node, settings: settings, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .empty = node.content { node.content = .array([]) }
        return Unkeyed(node: node, settings: settings, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, settings: settings, codingPath: codingPath) }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ i: Int) { intValue = i }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let settings: JSONValueEncoder
    var codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.child(forKey: settings.key(key)).content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(forKey: settings.key(key)).put(value, encoder: settings, path: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.child(forKey: settings.key(key))
        child.content = .object([], [:])
        return KeyedEncodingContainer(Keyed<NestedKey>(node: child, settings: settings, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(forKey: settings.key(key))
        child.content = .array([])
        return Unkeyed(node: child, settings: settings, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.child(forKey: "super"), settings: settings, codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.child(forKey: settings.key(key)), settings: settings, codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let node: JSONNode
    let settings: JSONValueEncoder
    var codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = node.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.appended().content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let i = count
        try node.appended().put(value, encoder: settings, path: codingPath + [IndexKey(i)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let i = count
        let child = node.appended()
        child.content = .object([], [:])
        return KeyedEncodingContainer(Keyed<NestedKey>(node: child, settings: settings, codingPath: codingPath + [IndexKey(i)]))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let i = count
        let child = node.appended()
        child.content = .array([])
        return Unkeyed(node: child, settings: settings, codingPath: codingPath + [IndexKey(i)])
    }
    mutating func superEncoder() -> any Encoder {
        let i = count
        return NodeEncoder(node: node.appended(), settings: settings, codingPath: codingPath + [IndexKey(i)])
    }
}

private struct Single: SingleValueEncodingContainer {
    let node: JSONNode
    let settings: JSONValueEncoder
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.put(value, encoder: settings, path: codingPath) }
}

/// A JSON string literal: quotes, backslashes and control characters escaped, everything else as is.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
