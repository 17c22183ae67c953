import ArgumentParser

/// `saddle reproduce NAME`: a paper's experiment grid, its figures, table and one verdict per claim
/// (SPEC §8). Each study is its own subcommand, in its own file (Reproduce<Name>.swift).
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a source paper's experiment grid and write its figures, table and verdicts.",
        discussion: """
        Each study writes a folder with plots (SVG and PNG), a table (CSV), verdicts.json (one entry \
        per claim: the claim, whether it passed, and the numbers behind it) and a self-contained \
        report.html. `--quick` runs a reduced grid in a few minutes.
        """,
        subcommands: [ReproduceAsymmetric.self, ReproduceSRFB.self, ReproduceMixedNash.self])
}
