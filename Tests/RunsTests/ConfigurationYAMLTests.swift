import Foundation
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

    /// `architecture` and `spectral_norm` (format 5): read back, checked against the data and each
    /// other, build the DCGAN pair, and an older JSON without them reads as the MLP it trained.
    @Test func architectureKeysBuildTheNetworksTheyName() throws {
        var c = TrainingConfiguration()
        try c.apply(yaml: TrainingConfiguration.presets["mnist-dcgan"]!, file: "preset")
        try c.apply(yaml: "spectral_norm: true\n", file: "c.yaml")
        #expect(c.architecture == .dcgan && c.spectralNorm && c.hidden == 64)
        var read = TrainingConfiguration()
        try read.apply(yaml: c.yaml, file: "c.yaml")
        #expect(read == c && c.yaml.contains("\narchitecture: dcgan\n") && c.yaml.contains("\nspectral_norm: true\n"))
        func refusal(_ yaml: String) -> String {
            var x = TrainingConfiguration()
            do { try x.apply(yaml: yaml, file: "x.yaml"); try x.validate(); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal("architecture: dcgan\n").contains("needs image data"))
        #expect(refusal("dataset: mnist\nspectral_norm: true\n").contains("architecture: dcgan"))
        #expect(refusal("architecture: resnet\n").contains("one of mlp, dcgan"))
        #expect(refusal("dataset: mnist\narchitecture: dcgan\nspectral_norm: yes\n").contains("true or false"))
        #expect(refusal("dataset: mnist\narchitecture: dcgan\nhidden: 4096\nbatch_size: 65536\n").contains("of memory"))
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        for key in ["architecture", "spectralNorm"] { #expect(object.removeValue(forKey: key) != nil, "\(key) is not in the JSON form") }
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.architecture == .mlp && !old.spectralNorm)
    }

    /// `method` takes every name `saddle train --method` takes (issue #20): aliases resolve to their
    /// method, consensus-optimization to fb with the consensus regularizer (and refuses another
    /// regularizer in the same file), and a solver train cannot use is refused with its reason.
    @Test func methodTakesTheCLINamesAndAliases() throws {
        func method(_ yaml: String) throws -> TrainingConfiguration {
            var c = TrainingConfiguration()
            try c.apply(yaml: yaml, file: "c.yaml")
            return c
        }
        #expect(try method("method: frb\n").method == .ogda)
        #expect(try method("method: graal\n").method == .srfb)
        let co = try method("regularizer_weight: 0.3\nmethod: consensus-optimization\n")
        #expect(co.method == .fb && co.regularizer == .consensus && co.regularizerWeight == 0.3)
        #expect(co.yaml.contains("\nmethod: fb\n") && co.yaml.contains("\nregularizer: consensus\n"))
        #expect(throws: ConfigError.self) { try method("method: consensus-optimization\nregularizer: r1\n") }
        for name in TrainingConfiguration.methodNames { #expect((try? method("method: \(name)\n")) != nil, "\(name)") }
        do { _ = try method("method: mirror-prox\n"); Issue.record("mirror-prox was accepted") } catch {
            #expect("\(error)".contains("mixed strategies"), "\(error)")
        }
        do { _ = try method("method: nope\n"); Issue.record("nope was accepted") } catch {
            #expect("\(error)".contains("frb") && "\(error)".contains("consensus-optimization"), "\(error)")
        }
    }

    /// The newer methods' keys reach the solver, and JSON written before they existed (an older
    /// run folder's summary.json or checkpoint metadata) reads with their defaults.
    @Test func newerMethodKeysReachTheSolverAndOlderJSONReads() throws {
        var c = TrainingConfiguration()
        try c.apply(yaml: "method: cgd\ncgd_max_inner_products: 3\ncgd_linear_solver: gmres\nlookahead_steps: 4\nmax_oracle_calls: 5000\n", file: "c.yaml")
        let solver = try c.solverConfiguration().makeSolver()
        #expect(solver.name == "cgd" && solver.cost.products.jvp == 3 + 2 * 3 && solver.cost.productsVary)
        var read = TrainingConfiguration()
        try read.apply(yaml: c.yaml, file: "c.yaml")
        #expect(read == c && c.yaml.contains("cgd_linear_solver: gmres") && c.yaml.contains("lookahead_steps: 4"))
        // JSON without the keys added this session decodes, with their defaults.
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        for key in ["lookaheadSteps", "lookaheadAlpha", "maxOracleCalls", "sgaAdjustment", "cgdLinearSolver", "cgdMaxInnerProducts", "andersonMemory", "agraalPhi", "shards"] {
            #expect(object.removeValue(forKey: key) != nil, "\(key) is not in the JSON form")
        }
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.method == .cgd && old.cgdMaxInnerProducts == 200 && old.lookaheadSteps == 0 && old.maxOracleCalls == 0 && old.shards == 2)
        #expect(throws: ConfigError.self) { var x = TrainingConfiguration(); try x.apply(yaml: "method: eag-v\n", file: "e.yaml") }
    }

    /// Every real is written as YAML 1.1 reads a float (the spec's regular expression for
    /// tag:yaml.org,2002:float), so PyYAML loads config.yaml's step sizes as numbers, not strings.
    @Test func realsAreYAMLOneOneFloats() throws {
        var c = TrainingConfiguration()
        c.generatorStepSize = 1e-5; c.discriminatorStepSize = 2e-4; c.regularizerWeight = 1e20; c.thermalNoise = 0.001
        let float = try Regex(#"^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$"#)
        let reals = ["relaxation", "regularizer_weight", "generator_step_size", "discriminator_step_size", "step_size_decay_final",
                     "thermal_noise", "damping", "beta1", "beta2", "ema_decay"]
        var values: [String: String] = [:]
        for line in c.yaml.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            values[parts[0]] = parts[1]
        }
        for key in reals {
            let text = try #require(values[key])
            #expect(text.wholeMatch(of: float) != nil, "\(key): \(text)")
        }
        #expect(values["generator_step_size"] == "1.0e-05" && values["regularizer_weight"] == "1.0e+20")
        #expect(values["preconditioned"] == "false", "a YAML boolean, not the string \"false\"")
        var read = TrainingConfiguration()
        try read.apply(yaml: c.yaml, file: "c.yaml")
        #expect(read == c)
    }

    @Test func formatOneAndNoVersionReadTheSameWithDefaultShards() throws {
        for header in ["format_version: 1\n", ""] {
            var c = TrainingConfiguration()
            try c.apply(yaml: header + "seed: 3\n", file: "old.yaml")
            #expect(c.seed == 3 && c.shards == TrainingConfiguration().shards)
        }
    }

    /// Every format Saddle wrote reads (format 4 was once refused); the debiased EMA is the default,
    /// and a config that Saddle wrote before the key existed — YAML stating format 2–5, JSON without
    /// the key — reads as the plain EMA it trained with.
    @Test func everyOlderFormatReadsAndKeepsItsPlainEMA() throws {
        #expect(TrainingConfiguration().emaDebias)
        for version in 1...TrainingConfiguration.formatVersion {
            var c = TrainingConfiguration()
            try c.apply(yaml: "format_version: \(version)\nseed: 3\n", file: "old.yaml")
            #expect(c.seed == 3 && c.emaDebias == (version >= 6), "format \(version)")
            var stated = TrainingConfiguration()
            try stated.apply(yaml: "format_version: \(version)\nema_debias: true\n", file: "old.yaml")
            #expect(stated.emaDebias, "format \(version) with the key")
        }
        var unversioned = TrainingConfiguration()
        try unversioned.apply(yaml: "seed: 3\n", file: "mine.yaml")
        #expect(unversioned.emaDebias, "a hand-written config without format_version takes the default")
        var off = TrainingConfiguration()
        try off.apply(yaml: "ema_debias: false\n", file: "mine.yaml")
        #expect(!off.emaDebias)
        #expect(throws: ConfigError.self) { try off.apply(yaml: "ema_debias: yes\n", file: "mine.yaml") }
        // JSON (checkpoint metadata, summary.json): without the key, the plain EMA; with it, as written.
        let json = try JSONEncoder().encode(TrainingConfiguration())
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: json).emaDebias)
        object.removeValue(forKey: "emaDebias")
        let legacy = try JSONSerialization.data(withJSONObject: object)
        #expect(try !JSONDecoder().decode(TrainingConfiguration.self, from: legacy).emaDebias)
    }

    @Test func newerFormatIsRefusedNamingFileAndKey() {
        var c = TrainingConfiguration()
        let newer = "format_version: \(TrainingConfiguration.formatVersion + 1)\n"
        #expect(throws: ConfigError.self) { try c.apply(yaml: newer, file: "new.yaml") }
        do { try c.apply(yaml: newer, file: "new.yaml") } catch {
            let message = "\(error)"
            #expect(message.contains("new.yaml") && message.contains("format_version") && message.contains("newer Saddle"), "\(message)")
        }
    }
}
