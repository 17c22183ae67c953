import Runs
import Testing

/// `config.yaml` reads back to the configuration that wrote it, and its `format_version` guards
/// against files of a newer Saddle while configs of format 1 (before `shards`) still read.
@Suite("config.yaml: round trip and format_version")
struct ConfigurationYAMLTests {
    @Test func resolvedConfigurationReadsBackToItself() throws {
        var c = TrainingConfiguration()
        c.shards = 4; c.seed = 17; c.generatorStepSize = 1e-5; c.dataset = "grid"
        #expect(c.yaml.split(separator: "\n")[1] == "format_version: \(TrainingConfiguration.formatVersion)")
        var read = TrainingConfiguration()
        try read.apply(yaml: c.yaml, file: "c.yaml")
        #expect(read == c)
        #expect(read.differences(from: c).isEmpty)
    }

    @Test func formatOneAndNoVersionReadTheSameWithDefaultShards() throws {
        for header in ["format_version: 1\n", ""] {
            var c = TrainingConfiguration()
            try c.apply(yaml: header + "seed: 3\n", file: "old.yaml")
            #expect(c.seed == 3 && c.shards == TrainingConfiguration().shards)
        }
    }

    @Test func newerFormatIsRefusedNamingFileAndKey() {
        var c = TrainingConfiguration()
        #expect(throws: ConfigError.self) { try c.apply(yaml: "format_version: 3\n", file: "new.yaml") }
        do { try c.apply(yaml: "format_version: 3\n", file: "new.yaml") } catch {
            let message = "\(error)"
            #expect(message.contains("new.yaml") && message.contains("format_version") && message.contains("newer Saddle"), "\(message)")
        }
    }
}
