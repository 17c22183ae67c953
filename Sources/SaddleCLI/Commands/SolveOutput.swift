import ArgumentParser
import Formats
import Foundation
import Saddle

/// An ordered summary: keys in insertion order, printed as text or one JSON object.
struct SolveSummary {
    private var items: [(String, JSONValue)] = []

    mutating func add(_ key: String, _ value: Double?) { items.append((key, value.map { $0.isFinite ? .number($0) : .null } ?? .null)) }
    mutating func add(_ key: String, _ value: Int) { items.append((key, .integer(Int64(value)))) }
    mutating func add(_ key: String, _ value: String?) { items.append((key, value.map { .string($0) } ?? .null)) }
    mutating func add(_ key: String, _ value: [String]) { items.append((key, .array(value.map { .string($0) }))) }
    mutating func add(_ key: String, _ value: [String: Double]) {
        items.append((key, .object(value.keys.sorted().map { ($0, .number(value[$0]!)) })))
    }

    var json: String { JSONValue.object(items).text() }

    var text: String {
        items.compactMap { key, value in
            switch value {
            case .number(let d): return "\(key): \(JSONValue.numberText(d))"
            case .integer(let i): return "\(key): \(i)"
            case .string(let s) where !s.isEmpty: return "\(key): \(s)"
            case .array(let a) where !a.isEmpty:
                return "\(key): " + a.compactMap { if case .string(let s) = $0 { s } else { nil } }.joined(separator: "; ")
            case .object(let o):
                return "\(key): " + o.map { k, v in if case .number(let d) = v { "\(k) \(d)" } else { k } }.joined(separator: ", ")
            default: return nil
            }
        }.joined(separator: "\n")
    }
}

/// Writes a run folder; every file goes to a temporary name first and is then renamed, so an error
/// never leaves a half-written file in place of an earlier one.
enum RunFolder {
    /// Checks that `dir` can become a run folder and creates it: an existing file, an unwritable
    /// place, or (without `force`) a non-empty folder is a one-line error, and nothing is touched.
    static func prepare(dir: String, force: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if dir.isEmpty { throw CLIError("--out needs a folder name") }
        if fm.fileExists(atPath: dir, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("--out \(dir): exists and is not a folder") }
            let contents = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != RunDirectory.markerName }
            let marked = fm.fileExists(atPath: dir + "/" + RunDirectory.markerName)
            if !contents.isEmpty && !force {
                throw CLIError("--out \(dir): folder exists and is not empty; choose another folder, or pass --force to replace the run Saddle wrote there")
            }
            if !contents.isEmpty && !marked {
                throw CLIError("--out \(dir): not a folder Saddle wrote (no \(RunDirectory.markerName)): --force replaces only Saddle's run folders; remove it yourself or choose another folder")
            }
            if let other = Self.runFolderCommand(dir), other != "solve" {
                throw CLIError("--out \(dir) holds a run of saddle \(other): --force replaces only saddle solve's run folders; choose another folder")
            }
        }
        do { try makeFolders(dir) } catch { throw CLIError("--out \(dir): cannot create the folder (\(error))") }
        guard fm.isWritableFile(atPath: dir) else { throw CLIError("--out \(dir): the folder is not writable") }
        if !fm.fileExists(atPath: dir + "/" + RunDirectory.markerName) {
            try atomicWrite(JSONValue.object([("format", "saddle-run-folder"), ("format_version", 1), ("command", "solve")]).text() + "\n",
                            to: dir + "/" + RunDirectory.markerName, kind: .output)
        }
    }

    /// The command whose run folder `dir` is, from its marker (`train`'s has no `command`), or nil
    /// when it has no marker.
    static func runFolderCommand(_ dir: String) -> String? { RunDirectory.markedCommand(dir) }

    /// Checks a study's `--out` before it computes anything: a file, or a run folder of `saddle
    /// train` or `solve` (whose files the study's would overwrite or mix with), is refused.
    static func checkStudyOutput(_ dir: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw CLIError("--out \(dir): exists and is not a folder") }
        if let command = runFolderCommand(dir) {
            throw CLIError("--out \(dir) holds a run of saddle \(command) (\(RunDirectory.markerName)): a study writes only into its own folder; choose another --out")
        }
    }


    static func write(dir: String, result: SolveResult, configEntries: [(String, String)], summaryJSON: String) throws {
        var csv = "iteration,oracle_calls,distance,residual,gap"
        let twoD = result.records.first?.point != nil
        if twoD { csv += ",theta,phi" }
        csv += "\n"
        func f(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for r in result.records {
            csv += "\(r.iteration),\(r.oracleCalls),\(f(r.distance)),\(r.residual),\(f(r.gap))"
            if twoD, let p = r.point { csv += ",\(p[0]),\(p[1])" }
            csv += "\n"
        }
        var yaml = "# saddle solve: resolved configuration\n"
        for (k, v) in configEntries { yaml += "\(k): \(yamlScalar(v))\n" }
        try atomicWrite(csv, to: dir + "/trajectory.csv", kind: .output)
        try atomicWrite(yaml, to: dir + "/config.yaml", kind: .output)
        try atomicWrite(summaryJSON + "\n", to: dir + "/summary.json", kind: .output)
    }

    /// A YAML 1.1 scalar that PyYAML and other readers type as the number or string meant:
    /// floats carry a dot in their mantissa (PyYAML reads `1e-08` as a string), absence is `null`.
    static func yamlScalar(_ s: String) -> String {
        if s == "null" { return s }
        if let d = Double(s), d.isFinite {
            if Int(s) != nil { return s }
            return FlatYAML.real(d)
        }
        if s.range(of: "^[A-Za-z_][A-Za-z0-9_./-]*$", options: .regularExpression) != nil,
           !["yes", "no", "on", "off", "true", "false", "none", "null", "y", "n"].contains(s.lowercased()) { return s }
        return jsonString(s)   // a JSON string literal is a YAML double-quoted scalar
    }
}
