import Foundation
import Runs
import Testing

/// The config reader (FlatYAML and TrainingConfiguration.apply): line endings, the size limit,
/// and quoted strings that must survive config.yaml's write and read (issue #14). These sit with
/// the fuzz targets because the YAML target checks the same promises on random input.
@Suite("Config reader")
struct ConfigReaderTests {
    static let lines = ["# a comment", "dataset: grid", "", "iterations: 50000", "data_file: \"a b.csv\"  # quoted"]

    /// LF, CRLF and CR all end a line, the last line with or without one. Before #14 a CRLF file
    /// was one line: Swift's String holds "\r\n" as a single Character, which split(separator: "\n")
    /// never matches.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(_ end: String) throws {
        for text in [Self.lines.joined(separator: end), Self.lines.joined(separator: end) + end] {
            let yaml = try FlatYAML.parse(text, file: "c.yaml")
            #expect(yaml.entries.map(\.key) == ["dataset", "iterations", "data_file"], "\(text.debugDescription)")
            #expect(yaml.entries.map(\.value) == ["grid", "50000", "a b.csv"])
            #expect(yaml.entries.map(\.line) == [2, 4, 5])
            var c = TrainingConfiguration()
            try c.apply(yaml: text, file: "c.yaml")
            #expect(c.dataset == "grid" && c.iterations == 50000 && c.dataFile == "a b.csv")
        }
        // Errors name the right line whatever the line ending.
        #expect { try FlatYAML.parse(["dataset: ring", "", "batch_size 3"].joined(separator: end), file: "c.yaml") } throws: {
            "\($0)".hasPrefix("c.yaml:3: expected `key: value`")
        }
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try FlatYAML.parse("\u{FEFF}dataset: grid\r\n", file: "c.yaml").entries.map(\.key) == ["dataset"])
    }

    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-config-\(UUID()).yaml").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func crlfConfigFileIsRead() throws {
        let path = try temporaryFile(Array("dataset: grid\r\nbatch_size: 64\r\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = TrainingConfiguration()
        try c.apply(configFile: path)
        #expect(c.dataset == "grid" && c.batchSize == 64)
    }

    /// A config file may have 1 MiB; one byte more, or a device that never ends, is a one-line error.
    @Test func configFileSizeLimit() throws {
        let limit = TrainingConfiguration.maximumConfigFileByteCount
        let body = Array("dataset: grid\n".utf8)
        let padding = [UInt8](repeating: UInt8(ascii: "#"), count: limit - body.count - 1) + [0x0a]
        let atLimit = try temporaryFile(body + padding)
        let over = try temporaryFile(body + padding + [0x0a])
        defer { for p in [atLimit, over] { try? FileManager.default.removeItem(atPath: p) } }
        var c = TrainingConfiguration()
        try c.apply(configFile: atLimit)
        #expect(c.dataset == "grid")
        for path in [over, "/dev/zero"] {
            #expect { try c.apply(configFile: path) } throws: { e in
                e is ConfigError && "\(e)".hasPrefix("\(path):0: too large for a config file") && "\(e)".contains("\(limit) bytes")
            }
        }
        #expect { try c.apply(configFile: "/nonexistent/c.yaml") } throws: { "\($0)" == "/nonexistent/c.yaml:0: no such file" }
    }

    /// Strings config.yaml writes quoted read back as they were: quotes, backslashes, '#', an
    /// empty string, and text that would open a list if it were plain.
    @Test(arguments: ["a \"b\" #c.csv", #"C:\data\x.csv"#, #"ends\"#, "it's", "", "[x].csv", "{y}", "  spaced  ", "ü.csv"])
    func quotedStringsRoundTrip(_ dataFile: String) throws {
        var c = TrainingConfiguration()
        c.dataFile = dataFile
        var again = TrainingConfiguration()
        try again.apply(yaml: c.yaml, file: "config.yaml")
        #expect(again.dataFile == dataFile, "\(c.yaml)")
        #expect(again == c)
    }

    /// Found by the yaml fuzz target (Fuzz/regressions/yaml/combining-mark-after-quote): a value
    /// starting with a combining mark (U+065D) was written in double quotes, and reading that back
    /// as Characters saw one Character (the quote and the mark), not a quote, so the quotes became
    /// part of the value.
    /// Likewise a line break or a colon followed by a combining mark.
    @Test func combiningMarksDoNotHideSyntax() throws {
        var c = TrainingConfiguration()
        try c.apply(yaml: "data_file: \u{65D}inge'\nmethod: \"extra-adam\"\n", file: "c")
        #expect(c.dataFile == "\u{65D}inge'")
        var again = TrainingConfiguration()
        try again.apply(yaml: c.yaml, file: "config.yaml")
        #expect(again == c)
        // Found next (Fuzz/regressions/yaml/combining-mark-after-quote-in-value): the writer's
        // Character-wise escaping missed a quote followed by a combining mark (U+0614).
        c.dataFile = "a\"\u{614}b\\\u{301}"
        try again.apply(yaml: c.yaml, file: "config.yaml")
        #expect(again.dataFile == c.dataFile, "\(c.yaml)")
        let yaml = try FlatYAML.parse("dataset:\u{301} ring\n\u{301}seed: 3", file: "c")
        #expect(yaml.entries.map(\.key) == ["dataset", "\u{301}seed"] && yaml.entries[0].value == "\u{301} ring")
    }

    @Test func singleQuotesFollowYAML() throws {
        #expect(try FlatYAML.parse("data_file: 'it''s here' # note", file: "c").entries[0].value == "it's here")
    }

    /// Text from the file is escaped in messages, which stay one line.
    @Test func messagesStayOnOneLine() {
        #expect { try FlatYAML.parse("dataset: \"a\u{0b}b\u{2028}c\" x\n", file: "c") } throws: { !"\($0)".contains("\n") }
        var c = TrainingConfiguration()
        #expect { try c.apply(yaml: "dataset: a\u{0c}b\u{85}c\n", file: "c") } throws: { e in
            let text = "\(e)"
            return text.contains(#"a\u{c}b\u{85}c"#) && !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x85 }
        }
    }

    /// Numbers that parse to infinity or NaN are not numbers here: each was accepted before and
    /// written to config.yaml as "inf" or "nan", which does not read back.
    @Test(arguments: ["1e999", "-1e999", "0x1p1024", "-nan", "+nan", "nan", "inf", "Infinity"])
    func nonFiniteNumbersAreRefused(_ text: String) {
        var c = TrainingConfiguration()
        #expect { try c.apply(yaml: "generator_step_size: \(text)\n", file: "c") } throws: { e in
            "\(e)" == "c: generator_step_size = \(text) has the wrong type: expected a number"
        }
    }

    @Test func evaluationSamplesAreBounded() throws {
        var c = TrainingConfiguration()
        try c.apply(yaml: "evaluation_samples: \(TrainingConfiguration.maximumEvaluationSamples)", file: "c")
        #expect { try c.apply(yaml: "evaluation_samples: \(TrainingConfiguration.maximumEvaluationSamples + 1)", file: "c") } throws: {
            "\($0)".contains("must be at most 100000")
        }
    }
}
