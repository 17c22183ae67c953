import Foundation

/// Where this program came from, for `summary.json`: the git commit of the source tree the
/// running binary was built in (found by walking up from the executable to a `.git` folder and
/// reading `HEAD` there; no `git` process), or nil when there is none.
public enum BuildInformation {
    public static var gitCommit: String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let git = dir.appendingPathComponent(".git").path
            if FileManager.default.fileExists(atPath: git) { return head(git) }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func head(_ git: String) -> String? {
        guard let head = try? String(contentsOfFile: git + "/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        if let s = try? String(contentsOfFile: git + "/" + ref, encoding: .utf8) { return s.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let packed = try? String(contentsOfFile: git + "/packed-refs", encoding: .utf8) {
            for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) { return String(line.prefix { $0 != " " }) }
        }
        return nil
    }
}
