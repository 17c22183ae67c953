import ArgumentParser
import CSystem
import Foundation
import Saddle

/// What `saddle sweep`'s shared options say.
enum SweepHelp: SharedOptionsHelp {
    static let out = "The sweep's folder: its copy of the sweep file, runs/<name>/ per run, and what --gather writes (required unless --gather)."
    static var threads: String {
        "Each run's minibatch shards run on up to this many threads, one core each; results do not depend on it. (default: all cores, \(BLAS.availableCores) here; under mpirun, the cores over the ranks on this machine)"
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train a grid of runs (seeds × step sizes × methods × any config key), here, over MPI ranks, or as a job array.",
        discussion: """
        SWEEP.yaml holds config.yaml's keys (plus preset, step_size for both players, and combine); \
        a key given a list is an axis:

          preset: ring
          iterations: 2000
          method: [past-extra-adam, extra-adam]
          step_size: [0.001, 0.003]
          seed: [0, 1, 2]

        combine: grid (default) runs every combination, the last axis fastest; combine: zip runs \
        the i-th value of every axis. Each run gets the folder DIR/runs/<name>, named by its axis \
        values (method=extra-adam,step_size=0.001,seed=0), and is an ordinary `saddle train` run \
        folder. Every run's configuration is validated before the first one starts.

        Run again, a sweep skips finished runs and resumes interrupted ones from their latest \
        checkpoint (bit for bit), so it can be stopped (Ctrl-C: the current run checkpoints) and \
        continued, or its slices run anywhere that sees DIR:
          mpirun -np R saddle sweep …       rank r trains the runs r, r+R, r+2R, … (each in one process)
          --task-index I --task-count N     one slice of a job array: runs I, I+N, …; under Slurm \
        (sbatch --array) both default from SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT, so ids need \
        not start at 0. With both, rank r of task I trains every (N·R)-th run from I·R + r.

        --gather DIR writes DIR/sweep.csv (one row per run: axis values, status, iterations, oracle \
        calls, wall seconds, final metrics of the last and EMA generators) and DIR/report.html (the \
        final metrics of each group of runs that differ only in seed as mean ± sd over seeds; every \
        run's metric curves overlaid). See docs/scaling.md.

        Examples:
          saddle sweep sweep.yaml --out sweeps/a
          mpirun -np 2 saddle sweep sweep.yaml --out sweeps/a --threads 1
          sbatch --array=0-9 --wrap "saddle sweep sweep.yaml --out sweeps/a"
          saddle sweep --gather sweeps/a
        """)

    @Argument(help: "The sweep file (YAML).")
    var file: String?
    @OptionGroup var output: OutputOptions<SweepHelp>
    var out: String? { output.path }
    @Option(help: ArgumentHelp("Write sweep.csv and report.html for the sweep in this folder (no training).", valueName: "dir"))
    var gather: String?
    @OptionGroup var jobArray: JobArrayOptions<SweepHelp>
    @Flag(help: "List the runs (and which this task and rank would train), then stop.")
    var dryRun = false
    @OptionGroup var compute: ThreadOptions<SweepHelp>

    func validate() throws {
        if gather != nil {
            if file != nil || out != nil { throw ValidationError("--gather DIR takes no sweep file and no --out") }
            return
        }
        guard file != nil else { throw ValidationError("give a sweep file (or --gather DIR)") }
        guard out != nil else { throw ValidationError("give the sweep's folder with --out DIR") }
    }

    func run() throws { try World.run(execute(in:)) }

    func execute(in world: any ProcessGroup) throws {
        do {
            if let g = gather { try gatherTable(g); return }
            try sweep(world)
        } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
            Console.error(World.errorLine(world, error))
            World.abort(world, code: 1)   // under MPI: no rank left waiting for this one
            throw ExitCode.failure
        }
    }

    func gatherTable(_ folder: String) throws {
        guard FileManager.default.fileExists(atPath: folder + "/sweep.yaml") else {
            throw CLIError("\(folder): not a sweep folder (no sweep.yaml; `saddle sweep FILE --out \(folder)` makes one)")
        }
        let table = try SweepTable(folder: folder)
        let paths = try table.write()
        let counts = Dictionary(grouping: table.rows, by: \.status).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        print("\(table.rows.count) runs (\(counts)); wrote \(paths.joined(separator: " and "))")
        let shown = table.metricNames.filter { $0.hasPrefix("ema_") }
        print((["group", "runs"] + shown).joined(separator: "\t"))
        for g in table.groups {
            let completed = g.rows.filter { TrainingSummary.isFinished($0.status) }
            print(([g.name, "\(completed.count)/\(g.rows.count)"] + shown.map { m in SweepTable.summary(completed.compactMap { $0.metrics[m] }) })
                .joined(separator: "\t"))
        }
    }

    func sweep(_ world: any ProcessGroup) throws {
        guard let file, let out else { return }
        if let problem = notARegularFile(file) { throw CLIError("\(file): \(problem); give a sweep file (YAML)") }
        let sweep = try Sweep(file: file)
        let (task, tasks) = try jobArray.task()
        let part = task * world.size + world.rank, parts = tasks * world.size
        let mine = sweep.slice(part, of: parts)
        let who = parts > 1 ? " (task \(task) of \(tasks), rank \(world.rank) of \(world.size): \(mine.count) runs)" : ""
        if dryRun {
            if world.rank == 0 || world.size == 1 {
                print("\(sweep.runs.count) runs\(who):")
                for r in sweep.runs { print((mine.contains { $0.name == r.name } ? "  * " : "    ") + r.name) }
            }
            return
        }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        // Under MPI rank 0 makes the folder while the others wait; job-array tasks may race, which
        // prepareFolder tolerates (they write the same sweep.yaml).
        try World.onRankZeroFirst(world) { try prepareFolder(out, spec: text) }
        if world.rank != 0 { try prepareFolder(out, spec: text) }
        Console.error("sweep \(out): \(sweep.runs.count) runs\(who)")
        let threads = compute.threads ?? max(1, BLAS.availableCores / World.localRanks)
        var failed: [String] = [], trained = 0, skipped = 0, diverged = 0
        for (k, run) in mine.enumerated() {
            if sk_stop_signal() != 0 { break }
            let path = out + "/runs/" + run.name
            let label = "[\(k + 1)/\(mine.count)] \(run.name)"
            if let (status, summary) = RunDirectory.lastOutcome(at: path) {
                if status == TrainingSummary.budgetSpent || (status == "completed" && (summary?.iterations ?? 0) >= run.configuration.iterations) {
                    Console.error("\(label): finished, skipped")
                    skipped += 1
                    continue
                }
                if status == "diverged" {
                    // Training is deterministic: it would diverge again at the same iteration.
                    Console.error("\(label): diverged in an earlier pass, skipped (delete its folder to train it again)")
                    diverged += 1
                    continue
                }
            }
            var arguments: [String]
            if FileManager.default.fileExists(atPath: path + "/config.yaml") {
                Console.error("\(label): resuming")
                arguments = ["--resume", path, "--iterations", "\(run.configuration.iterations)"]
            } else {
                var c = run.configuration
                c.threads = threads
                let config = out + "/configs/" + run.name + ".yaml"
                try atomicWrite(c.yaml, to: config)
                Console.error("\(label): training")
                arguments = ["--config", config, "--out", path]
            }
            arguments += ["--threads", "\(threads)"]
            do {
                let train = try Train.parse(arguments)
                try train.execute(in: SingleProcess.shared)
                trained += 1
            } catch let e as ExitCode {
                if sk_stop_signal() != 0 { break }
                if e.rawValue == 2 {
                    // Divergence is a result of the run (its summary says so), not a failure of the sweep.
                    diverged += 1
                    Console.error("\(label): diverged; the sweep goes on")
                } else {
                    failed.append(run.name)
                    Console.error("\(label): failed (exit status \(e.rawValue)); the sweep goes on")
                }
            }
        }
        let stopped = sk_stop_signal() != 0
        Console.error("sweep \(out)\(who): \(trained) trained, \(skipped) already finished, \(diverged) diverged, \(failed.count) failed" + (stopped ? "; interrupted — run the same command again to continue" : ""))
        if !failed.isEmpty { Console.error("failed: " + failed.joined(separator: " ")) }
        if stopped { throw ExitCode(128 + sk_stop_signal()) }
        if !failed.isEmpty { throw ExitCode.failure }
    }

    /// Makes `out` (and runs/, configs/) or checks that it is this sweep's: its sweep.yaml must hold
    /// the same text. Never writes into a folder that holds anything else.
    func prepareFolder(_ out: String, spec: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out, isDirectory: &isDir) {
            guard isDir.boolValue else { throw CLIError("--out \(out): exists and is not a folder") }
            if let existing = try? String(contentsOfFile: out + "/sweep.yaml", encoding: .utf8) {
                guard existing == spec else {
                    throw CLIError("--out \(out): holds another sweep (its sweep.yaml differs from \(file ?? "the sweep file")); give a new folder")
                }
            } else {
                // Empty, or being made by another task of the same sweep (its runs/, configs/, or
                // the temporary file of its sweep.yaml).
                let entries = (try? fm.contentsOfDirectory(atPath: out)) ?? []
                guard entries.allSatisfy({ ["runs", "configs"].contains($0) || $0.hasPrefix(".sweep.yaml.") }) else { throw CLIError("--out \(out): exists and is not a sweep folder (no sweep.yaml); give a new or empty folder") }
                try atomicWrite(spec, to: out + "/sweep.yaml")
            }
        } else {
            do { try makeFolders(out) } catch { throw CLIError("--out \(out): cannot create the folder: \(error)") }
            try atomicWrite(spec, to: out + "/sweep.yaml")
        }
        for sub in ["runs", "configs"] {
            do { try makeFolders(out + "/" + sub) } catch { throw CLIError("--out \(out): cannot create \(sub)/: \(error)") }
        }
    }
}
