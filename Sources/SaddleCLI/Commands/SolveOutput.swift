import Foundation
import Saddle

/// An ordered summary: keys in insertion order, printed as text or one JSON object.
struct SolveSummary {
    private var items: [(String, Any?)] = []

    mutating func add(_ key: String, _ value: Double?) { items.append((key, value)) }
    mutating func add(_ key: String, _ value: String?) { items.append((key, value)) }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func quoted(_ s: String) -> String {
        var o = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            default: if c.value < 0x20 { o += String(format: "\\u%04x", c.value) } else { o.unicodeScalars.append(c) }
            }
        }
        return o + "\""
    }

    var json: String {
        "{" + items.map { key, value in
            let v: String
            switch value {
            case let d as Double: v = Self.number(d)
            case let s as String: v = Self.quoted(s)
            default: v = "null"
            }
            return "\(Self.quoted(key)): \(v)"
        }.joined(separator: ", ") + "}"
    }

    var text: String {
        items.compactMap { key, value in
            switch value {
            case let d as Double: return "\(key): \(d)"
            case let s as String where !s.isEmpty: return "\(key): \(s)"
            default: return nil
            }
        }.joined(separator: "\n")
    }
}

/// Writes a run folder; every file goes to a temporary name first and is then renamed, so an error
/// never leaves a half-written file in place of an earlier one.
enum RunFolder {
    static func write(dir: String, result: SolveResult, configEntries: [(String, String)], summaryJSON: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
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
        try atomicWrite(csv, to: dir + "/trajectory.csv")
        try atomicWrite(yaml, to: dir + "/config.yaml")
        try atomicWrite(summaryJSON + "\n", to: dir + "/summary.json")
    }

    static func yamlScalar(_ s: String) -> String {
        if Double(s) != nil || s.range(of: "^[A-Za-z0-9_./-]+$", options: .regularExpression) != nil { return s }
        return SolveSummary.quoted(s)
    }

    static func atomicWrite(_ text: String, to path: String) throws {
        let tmp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        // rename(2) replaces the old file atomically.
        if Foundation.rename(tmp, path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
