import Foundation
import Formats

/// A sweep: one base configuration and axes of values, expanded into named training runs
/// (`saddle sweep`, docs/scaling.md).
///
/// A sweep file is a flat YAML mapping of `config.yaml`'s keys (plus `preset`, `step_size` for both
/// players' step sizes, and `combine`). A key whose value is a flow list, `seed: [0, 1, 2]`, is an
/// **axis**; every other key sets the base. `combine: grid` (default) takes every combination of
/// the axes, the last axis varying fastest; `combine: zip` takes the i-th value of every axis
/// (equal lengths). A run is named by its axis values, `key=value` joined by commas in the axes'
/// order (`seed=0,method=extra-adam`, as Hydra names a multirun's folders), and its folder is
/// `runs/<name>` under the sweep's folder.
public struct Sweep {
    public enum Combine: String, Sendable { case grid, zip }
    public struct Axis: Sendable { public let key: String; public let values: [String] }
    public struct Run {
        /// Its folder name, from the axis values.
        public let name: String
        /// (key, value) of each axis, in the axes' order.
        public let assignments: [(key: String, value: String)]
        public let configuration: TrainingConfiguration
    }

    /// The keys a sweep file may set besides `config.yaml`'s.
    public static let extraKeys = ["preset", "step_size", "combine"]
    /// At most this many runs in one sweep.
    public static let maximumRuns = 100_000

    public let file: String
    public let axes: [Axis]
    public let combine: Combine
    public let runs: [Run]

    /// Reads and expands a sweep file of at most 1 MiB; every run's configuration is built and
    /// validated here, so a bad value anywhere stops the sweep before any run starts.
    public init(file path: String) throws {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(path, limit: TrainingConfiguration.maximumConfigFileByteCount) } catch let e as FormatError {
            throw ConfigError.syntax(file: path, line: 0, detail: "\(e)")
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ConfigError.syntax(file: path, line: 0, detail: "cannot read the file as UTF-8 text")
        }
        try self.init(yaml: text, file: path)
    }

    public init(yaml text: String, file: String) throws {
        self.file = file
        let entries = try FlatYAML.parse(text, file: file, lists: true).entries
        let known = Self.extraKeys + TrainingConfiguration.yamlKeys + ["format_version"]
        var base = TrainingConfiguration()
        var axes: [Axis] = []
        var combine = Combine.grid
        var scalars: [FlatYAML.Entry] = []
        for e in entries {
            guard known.contains(e.key) else {
                throw ConfigError.unknownKey(file: file, line: e.line, key: e.key, allowed: known)
            }
            if let list = e.list {
                guard !["preset", "combine", "format_version"].contains(e.key) else {
                    throw ConfigError.wrongType(file: file, key: e.key, value: e.value, expected: "a single value (it cannot be an axis)")
                }
                guard Set(list).count == list.count else {
                    throw ConfigError.outOfRange(file: file, key: e.key, value: e.value, allowed: "the values of an axis must differ")
                }
                for v in list where v.range(of: "^[A-Za-z0-9_.+-]{1,64}$", options: .regularExpression) == nil {
                    throw ConfigError.outOfRange(file: file, key: e.key, value: v, allowed: "an axis value names run folders: 1–64 of A–Z a–z 0–9 _ . + -")
                }
                axes.append(Axis(key: e.key, values: list))
            } else if e.key == "combine" {
                guard let c = Combine(rawValue: e.value) else {
                    throw ConfigError.outOfRange(file: file, key: e.key, value: e.value, allowed: "grid or zip")
                }
                combine = c
            } else if e.key == "preset" {
                guard let p = TrainingConfiguration.presets[e.value] else {
                    throw ConfigError.outOfRange(file: file, key: e.key, value: e.value,
                                                 allowed: "one of " + TrainingConfiguration.presets.keys.sorted().joined(separator: ", "))
                }
                // The preset first, whatever its line: later keys override it, as with --preset.
                var c = TrainingConfiguration()
                try c.apply(yaml: p, file: "preset \(e.value)")
                base = c
            } else {
                scalars.append(e)
            }
        }
        for e in scalars { try Self.set(&base, e.key, e.value, file: file, line: e.line) }
        self.axes = axes
        self.combine = combine

        var assignments: [[(key: String, value: String)]] = [[]]
        switch combine {
        case .grid:
            let count = axes.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).overflow ? Int.max : $0 * $1.values.count }
            guard count <= Self.maximumRuns else {
                throw ConfigError.outOfRange(file: file, key: "combine", value: "grid", allowed: "at most \(Self.maximumRuns) runs (the axes make \(count))")
            }
            for a in axes { assignments = assignments.flatMap { prefix in a.values.map { prefix + [(a.key, $0)] } } }
        case .zip:
            if let n = axes.first?.values.count {
                guard axes.allSatisfy({ $0.values.count == n }) else {
                    throw ConfigError.outOfRange(file: file, key: "combine", value: "zip",
                                                 allowed: "zip needs axes of equal length (\(axes.map { "\($0.key): \($0.values.count)" }.joined(separator: ", ")))")
                }
                assignments = (0..<n).map { i in axes.map { ($0.key, $0.values[i]) } }
            }
        }
        var runs: [Run] = []
        for a in assignments {
            var c = base
            for (k, v) in a { try Self.set(&c, k, v, file: file, line: entries.first { $0.key == k }?.line ?? 0) }
            do { try c.validate() } catch {
                let name = a.isEmpty ? "the base" : a.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                throw ConfigError.syntax(file: file, line: 0, detail: "run \(name): \(error)")
            }
            runs.append(Run(name: a.isEmpty ? "base" : a.map { "\($0.key)=\($0.value)" }.joined(separator: ","), assignments: a, configuration: c))
        }
        self.runs = runs
    }

    static func set(_ c: inout TrainingConfiguration, _ key: String, _ value: String, file: String, line: Int) throws {
        if key == "step_size" {
            try c.set("generator_step_size", value, file: file, line: line)
            try c.set("discriminator_step_size", value, file: file, line: line)
        } else {
            try c.set(key, value, file: file, line: line)
        }
    }

    /// The runs of one slice: `part` of `parts` (a job-array task, an MPI rank), every parts-th run
    /// starting at `part`, so slices are disjoint and together cover the sweep.
    public func slice(_ part: Int, of parts: Int) -> [Run] {
        precondition(parts >= 1 && part >= 0 && part < parts)
        return runs.enumerated().filter { $0.offset % parts == part }.map(\.element)
    }
}
