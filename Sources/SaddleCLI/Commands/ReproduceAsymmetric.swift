import ArgumentParser
import Foundation
import Saddle

/// What `saddle reproduce asymmetric`'s shared options say.
enum ReproduceAsymmetricHelp: SharedOptionsHelp {
    static let out = "Output folder. (default: runs/reproduce-asymmetric, or runs/reproduce-asymmetric-quick with --quick)"
    static let force = "Write into an existing --out folder, overwriting the study's files."
}

/// `saddle reproduce asymmetric`: paper 1's academic-example study (issue 4), a thin wrapper over
/// ``AsymmetricStudy``; the grids the help states are read from its configurations.
struct ReproduceAsymmetric: ParsableCommand {
    private static let full = AsymmetricStudy.Configuration.full, quick = AsymmetricStudy.Configuration.quick
    private static func set(_ v: [Double]) -> String { v.count == 1 ? "= \(plain(v[0]))" : "∈ {" + v.map(plain).joined(separator: ", ") + "}" }

    static let configuration = CommandConfiguration(
        commandName: "asymmetric",
        abstract: "Paper 1's academic example: FB/EG/EFTP/alternating GDA × none/discriminator-only Tikhonov/symmetric Tikhonov/SGP on four closed-form games.",
        discussion: """
        Games: θφ, an offset bilinear game (n = \(full.matrixDimension)), the Dirac-GAN and the Gaussian-location game \
        (m = \(plain(full.mean))). Every method runs at fixed steps and at 1/(4L) (EG also at 1/(2L); FB at γ/2 and 2γ \
        under discriminator-only Tikhonov on the bilinear games), L being paper 1's calculator at the \
        regularized operator's zero. Writes plots (SVG and PNG: trajectories over the vector field, \
        distance vs iterations and vs oracle calls), table.csv, operators.csv, verdicts.json (claims \
        (a)-(e): claim, pass, numbers) and a self-contained report.html. See docs/reproduce-asymmetric.md.

        Full grid: γ \(set(full.gammas)), α \(set(full.fixedSteps)), \(grouped(full.iterations)) iterations per run; --quick: \
        γ \(set(quick.gammas)), α \(set(quick.fixedSteps)), \(grouped(quick.iterations)) iterations.

        Examples:
          saddle reproduce asymmetric --quick
          saddle reproduce asymmetric --out runs/asym-full --force
        """)

    @Flag(help: "The reduced grid (seconds).")
    var quick = false

    @OptionGroup var output: OutputOptions<ReproduceAsymmetricHelp>
    @OptionGroup var forceOption: ForceOption<ReproduceAsymmetricHelp>

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        let dir = output.path ?? (quick ? "runs/reproduce-asymmetric-quick" : "runs/reproduce-asymmetric")
        // Under MPI (docs/scaling.md) the runs are spread over the ranks; rank 0 checks and writes
        // the output folder and prints, the others only compute.
        try World.onRankZeroFirst(world) {
            try RunFolder.checkStudyOutput(dir)
            do { try AsymmetricStudy.checkOutput(dir, force: forceOption.force) } catch let e as AsymmetricStudyError { throw CLIError(e.description) }
        }
        do {
            let study = AsymmetricStudy(quick ? .quick : .full)
            let result = try study.run(group: world) { if world.rank == 0 { Console.errorRaw($0 + "\n") } }
            guard world.rank == 0 else { return }
            try AsymmetricStudy.write(result, to: dir, force: true)
            for v in result.verdicts { print("\(v.pass ? "PASS" : "FAIL")  \(v.claim)\n      \(v.summary)") }
            print(String(format: "wrote %@ (%d runs, %.1f s%@)", dir, result.rows.count, result.wallSeconds,
                         world.size > 1 ? " on \(world.size) MPI ranks" : ""))
        } catch let e as AsymmetricStudyError {
            throw CLIError(e.description)
        }
    }
}
