// The git commit this build was made from: `recordedGitCommit` and `recordedTreeWasModified` are
// written at build time by the RecordGitCommit plugin (Plugins/RecordGitCommit) into a generated
// source file of this module. `Runs.BuildInformation` exposes them.
