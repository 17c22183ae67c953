import Foundation
import Testing
import Formats

/// Saddle's one JSON writer, checked against Foundation's independent parser and encoder: every
/// text parses, numbers read back to the same bits, and `Codable` values encode to the same JSON
/// object as `JSONEncoder` gives (key order aside).
@Suite("JSON writer")
struct JSONTests {
    /// Parsed by JSONSerialization, with fragments allowed.
    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test func doublesReadBackToTheSameBits() throws {
        var g = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 1e15, 1e15 - 1, 123456789.125,
                                Double(Int64(1) << 53) + 2, -2.5e-8]
        for _ in 0..<2000 { values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g))) }
        struct Box: Codable { var x: [Double] }
        let finite = values.filter(\.isFinite)
        let decoded = try JSON.decoder.decode(Box.self, from: Data(JSON.text(Box(x: finite)).utf8))
        #expect(decoded.x.map(\.bitPattern) == finite.map(\.bitPattern))
        // Non-finite values: strings that JSON.decoder and Python's float() accept.
        #expect(JSONValue.array([.number(.nan), .number(.infinity), .number(-.infinity)]).text() == #"["NaN","Infinity","-Infinity"]"#)
        let back = try JSON.decoder.decode([Double].self, from: Data(#"["NaN","Infinity","-Infinity"]"#.utf8))
        #expect(back[0].isNaN && back[1] == .infinity && back[2] == -.infinity)
        // Integral values below 10^15 are written as integers.
        #expect(JSONValue.number(3).text() == "3" && JSONValue.number(-0.0).text() == "-0.0" && JSONValue.number(0.5).text() == "0.5")
    }

    @Test func integersAreExact() throws {
        let v: JSONValue = [.integer(.min), .integer(.max), .unsigned(.max), .integer(0)]
        #expect(v.text() == "[-9223372036854775808,9223372036854775807,18446744073709551615,0]")
        let parsed = try #require(try Self.parse(v.text()) as? [NSNumber])
        #expect(parsed[2].uint64Value == .max && parsed[0].int64Value == .min)
    }

    @Test func stringsEscapeWhatJSONRequires() throws {
        let s = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{0} é ∑ 🎲 e\u{301}\"\u{301}"
        let v: JSONValue = ["k\"ey\n": .string(s)]
        let parsed = try #require(try Self.parse(v.text()) as? [String: String])
        #expect(parsed == ["k\"ey\n": s])
        // No raw control character reaches the text.
        #expect(!v.text().unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func objectsKeepTheirOrderUnlessSorted() throws {
        let v: JSONValue = ["zeta": 1, "alpha": ["b": true, "a": nil], "mid": "x"]
        #expect(v.text() == #"{"zeta":1,"alpha":{"b":true,"a":null},"mid":"x"}"#)
        #expect(v.text(sortedKeys: true) == #"{"alpha":{"a":null,"b":true},"mid":"x","zeta":1}"#)
        #expect(v.text(indent: 2) == "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"b\": true,\n    \"a\": null\n  },\n  \"mid\": \"x\"\n}")
        #expect(JSONValue.array([]).text(indent: 2) == "[]" && JSONValue.object([]).text() == "{}")
        #expect(v["mid"] == "x" && v["none"] == nil)
    }

    enum Kind: String, Codable { case first, secondKind }
    struct Inner: Codable, Equatable { var weightDecay: Float; var tags: [String]; var kind: Kind }
    struct Outer: Codable, Equatable {
        var iterationCount: Int
        var seed: UInt64
        var stepSizes: [Double]
        var inner: Inner
        var optional: Double?
        var absent: String?
        var nested: [[Int]]
        var table: [String: Double]
        var flag: Bool
        var value: JSONValue?
        static func == (a: Outer, b: Outer) -> Bool {
            a.iterationCount == b.iterationCount && a.seed == b.seed && a.stepSizes == b.stepSizes && a.inner == b.inner
                && a.optional == b.optional && a.absent == b.absent && a.nested == b.nested && a.table == b.table && a.flag == b.flag
        }
    }
    static let sample = Outer(iterationCount: 20000, seed: .max, stepSizes: [2e-4, 0.1, 1e-5], inner: Inner(weightDecay: 0.1, tags: ["a", "b"], kind: .secondKind),
                              optional: 3.25, absent: nil, nested: [[1, 2], [], [3]], table: ["b": 1.5, "a": -2], flag: false,
                              value: ["x": [1, "two"]])

    /// The same JSON object as Foundation's JSONEncoder writes (compared parsed), and it decodes
    /// back to the same value; snake_case keys as Foundation converts them.
    @Test func codableMatchesFoundationsEncoder() throws {
        for snake in [false, true] {
            let foundation = JSONEncoder()
            if snake { foundation.keyEncodingStrategy = .convertToSnakeCase }
            let ours = try JSON.text(Self.sample, snakeCaseKeys: snake)
            let theirs = String(decoding: try foundation.encode(Self.sample), as: UTF8.self)
            let a = try #require(try Self.parse(ours) as? NSDictionary), b = try #require(try Self.parse(theirs) as? NSDictionary)
            #expect(a == b, "\(ours)\n\(theirs)")
        }
        let decoded = try JSON.decoder.decode(Outer.self, from: Data(JSON.text(Self.sample).utf8))
        #expect(decoded == Self.sample)
        // Declaration order when not sorted; Float in its own shortest form.
        let text = try JSON.text(Self.sample, sortedKeys: false)
        #expect(text.hasPrefix(#"{"iterationCount":20000,"seed":18446744073709551615,"stepSizes":[0.0002,0.1,1e-05],"inner":{"weightDecay":0.1,"#), "\(text)")
        #expect(!text.contains("absent"))
        for (camel, snake) in [("powerIterations", "power_iterations"), ("URLValue", "url_value"), ("lipschitz", "lipschitz"),
                               ("gradientL2Norm", "gradient_l2_norm"), ("a", "a"), ("sizeXY", "size_xy")] {
            #expect(JSONValueEncoder.snakeCase(camel) == snake, "\(camel)")
        }
    }

    /// A value encoded through containers that a hand-written `encode(to:)` uses: nested keyed and
    /// unkeyed containers and a super encoder.
    struct Manual: Encodable {
        enum K: String, CodingKey { case head, body, list }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode("h", forKey: .head)
            var body = c.nestedContainer(keyedBy: K.self, forKey: .body)
            try body.encode(1.5, forKey: .head)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            try list.encodeNil()
            var inner = list.nestedContainer(keyedBy: K.self)
            try inner.encode(true, forKey: .head)
            try Self.Part().encode(to: c.superEncoder())
        }
        struct Part: Encodable { var p = 7 }
    }

    @Test func handWrittenContainersNest() throws {
        #expect(try JSON.text(Manual(), sortedKeys: false) == #"{"head":"h","body":{"head":1.5},"list":[1,null,{"head":true}],"super":{"p":7}}"#)
        let foundation = try Self.parse(String(decoding: try JSONEncoder().encode(Manual()), as: UTF8.self)) as? NSDictionary
        #expect(try Self.parse(try JSON.text(Manual())) as? NSDictionary == foundation)
    }
}
