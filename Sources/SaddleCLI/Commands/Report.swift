import ArgumentParser
import Foundation
import Saddle

/// What `saddle report`'s shared options say.
enum ReportHelp: SharedOptionsHelp {
    static let defaultOut = "report.html"
    static let out = "The HTML file to write; an existing file needs --force. (default: \(defaultOut))"
    static let outValueName = "file"
    static let force = "Overwrite --out when it exists."
}

/// `saddle report RUN_DIR…`: several runs side by side in one HTML page.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare run folders in one self-contained HTML page: overlaid curves and final metrics.",
        discussion: """
        For each metric the runs' metrics.jsonl hold (high-quality %, modes, KL, … for the last and \
        the EMA generator) one plot overlays every run, as do the losses and ‖F‖; a table lists the \
        final metrics from each summary.json (a run without one, e.g. still running, shows its last \
        metrics.jsonl line, labelled so), and the runs' latest sample plots follow. Plots are inline \
        SVG, images data URIs: the page is one file.

        Examples:
          saddle report runs/a runs/b
          saddle report runs/ring-* --out comparison.html
        """)

    @Argument(help: "Run folders written by `saddle train`.")
    var runs: [String]
    @OptionGroup var output: OutputOptions<ReportHelp>
    var out: String { output.path ?? ReportHelp.defaultOut }
    @OptionGroup var forceOption: ForceOption<ReportHelp>
    var force: Bool { forceOption.force }

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
        if FileManager.default.fileExists(atPath: out), !force { throw ValidationError("--out \(out) exists; pass --force to overwrite it") }
    }

    func run() throws {
        var histories: [RunHistory] = []
        for path in runs {
            do { histories.append(try RunHistory(path: path)) } catch { throw CLIError("\(error)") }
        }
        // Two folders with the same name (a/run, b/run) are told apart by their paths.
        let names = histories.map(\.name)
        for i in histories.indices where names.filter({ $0 == names[i] }).count > 1 { histories[i].name = histories[i].path }
        do { try atomicWrite(RunReport.comparison(histories), to: out, kind: .output) } catch { throw CLIError(cannotWrite(out, error)) }
        print("wrote \(out): \(histories.count) run(s): \(histories.map(\.name).joined(separator: ", "))")
    }
}
