import BuildInfo

/// Where this program came from, for `summary.json`: the git commit of the source tree the binary
/// was built from, recorded at build time (the RecordGitCommit plugin), with ` (modified)` appended
/// when tracked files differed from that commit; nil for a build outside a git checkout.
public enum BuildInformation {
    public static var gitCommit: String? {
        recordedGitCommit.map { recordedTreeWasModified ? $0 + " (modified)" : $0 }
    }
}
