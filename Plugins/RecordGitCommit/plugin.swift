import Foundation
import PackagePlugin

/// Records the git commit of the source tree a build is made from, so `summary.json` names the
/// code that produced a run (and not whatever repository happens to sit above the executable).
///
/// A prebuild command (it runs before every build, and costs one `git rev-parse`) writes
/// `GitCommit.swift` into the plugin's work folder, rewriting it only when the commit or the
/// "modified" state changes, so an unchanged tree recompiles nothing. Outside a git checkout (a
/// source tarball) the commit is nil.
@main
struct RecordGitCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let script = #"""
            root="$1"; folder="$2"; out="$folder/GitCommit.swift"
            mkdir -p "$folder"
            commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || true)
            if [ -z "$commit" ]; then value="nil"; modified="false"
            else value="\"$commit\""; if git -C "$root" diff --quiet HEAD -- 2>/dev/null; then modified="false"; else modified="true"; fi; fi
            text="// Written at build time by the RecordGitCommit plugin; do not edit.
            package let recordedGitCommit: String? = $value
            package let recordedTreeWasModified = $modified"
            if [ ! -f "$out" ] || [ "$(cat "$out")" != "$text" ]; then printf '%s\n' "$text" > "$out.tmp" && mv "$out.tmp" "$out"; fi
            """#
        return [.prebuildCommand(displayName: "Recording the git commit of the source tree",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, folder.path],
                                 outputFilesDirectory: folder)]
    }
}
