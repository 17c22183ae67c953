import Foundation
import Saddle
import Testing
import TestSupport

/// `saddle sweep` (issue 15, item 3; docs/scaling.md): sequential, over MPI ranks and as a job
/// array, the same runs with the same bits; finished runs skipped, interrupted ones resumed;
/// `--gather` writes the table and the report.
@Suite(.serialized)
struct SweepCommandTests {
    /// 12 runs: 2 methods × 2 step sizes × 3 seeds, 40 iterations each.
    static let twelve = """
        iterations: 40
        batch_size: 64
        log_every: 20
        checkpoint_every: 20
        method: [past-extra-adam, extra-adam]
        step_size: [0.001, 0.003]
        seed: [0, 1, 2]

        """

    static func write(_ text: String, in dir: String) throws -> String {
        let path = dir + "/sweep.yaml.in"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func finalTensors(_ sweep: String, run: String, iteration: Int) throws -> [String: [UInt8]] {
        try MPITrainTests.tensors(sweep + "/runs/" + run, iteration: iteration)
    }

    static func startEvents(_ sweep: String, run: String) throws -> Int {
        try String(contentsOfFile: sweep + "/runs/" + run + "/history.jsonl", encoding: .utf8).components(separatedBy: "\"event\":\"start\"").count - 1
    }

    /// Acceptance 3: the sequential sweep, a job array of 3 tasks (simulated with Slurm's
    /// variables, ids 5–7) and — with Open MPI — `mpirun -np 2` train the same 12 runs to the same
    /// bits, every run exactly once; a second pass skips them all; --gather writes 12 rows.
    @Test func sequentialArrayAndMPISweepsTrainTheSameRunsOnce() throws {
        let dir = try makeScratchFolder("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Self.write(Self.twelve, in: dir)
        let runs = try Sweep(file: spec).runs.map(\.name)
        #expect(runs.count == 12)

        let sequential = try SaddleBinary.run(["sweep", spec, "--out", dir + "/seq", "--threads", "1"])
        #expect(sequential.status == 0, "\(sequential.stderr)")
        #expect(sequential.stderr.contains("12 trained, 0 already finished, 0 diverged, 0 failed"), "\(sequential.stderr)")

        for id in 5...7 {
            let env = ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_STEP": "1", "SLURM_ARRAY_TASK_COUNT": "3"]
            let r = try SaddleBinary.run(["sweep", spec, "--out", dir + "/array", "--threads", "1"], environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("(task \(id - 5) of 3, rank 0 of 1: 4 runs): 4 trained"), "\(r.stderr)")
        }
        var folders = [dir + "/array"]
        if MPILauncher.unavailable == nil {
            let r = try MPILauncher.run(ranks: 2, ["sweep", spec, "--out", dir + "/mpi", "--threads", "1"])
            #expect(r.status == 0, "\(r.stderr)")
            folders.append(dir + "/mpi")
        } else if MPILauncher.required {
            Issue.record("SADDLE_REQUIRE_MPI=1, but \(MPILauncher.unavailable!)")
        }
        for folder in folders {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/runs").sorted() == runs.sorted(), "\(folder)")
            for run in runs {
                #expect(try Self.startEvents(folder, run: run) == 1, "\(folder) \(run)")
                #expect(try Self.finalTensors(folder, run: run, iteration: 40) == (try Self.finalTensors(dir + "/seq", run: run, iteration: 40)),
                        "\(folder) \(run)")
            }
        }

        let again = try SaddleBinary.run(["sweep", spec, "--out", dir + "/seq"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("0 trained, 12 already finished, 0 diverged, 0 failed"), "\(again.stderr)")
        for run in runs { #expect(try Self.startEvents(dir + "/seq", run: run) == 1) }

        let gathered = try SaddleBinary.run(["sweep", "--gather", dir + "/seq"])
        #expect(gathered.status == 0, "\(gathered.stderr)")
        #expect(gathered.stdout.contains("12 runs (12 completed)"), "\(gathered.stdout)")
        let csv = try String(contentsOfFile: dir + "/seq/sweep.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 13)
        #expect(csv[0].hasPrefix("run,method,step_size,seed,status,iterations,oracle_calls,wall_seconds,last_modes_covered"))
        #expect(csv[1].hasPrefix("\"method=past-extra-adam,step_size=0.001,seed=0\",past-extra-adam,0.001,0,completed,40,"))
        let html = try String(contentsOfFile: dir + "/seq/report.html", encoding: .utf8)
        // 4 groups over 3 seeds each, and a curve per run.
        #expect(html.contains("method=extra-adam,step_size=0.003</td><td>3/3</td>"), "\(html.prefix(2000))")
        #expect(html.contains("<svg"))
    }

    /// Interrupted (SIGINT) in its first run, a sweep stops with that run checkpointed; run again,
    /// it resumes that run and trains the rest, to the bits of an uninterrupted sweep.
    @Test func anInterruptedSweepResumesBitForBit() throws {
        let dir = try makeScratchFolder("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Self.write("iterations: 2000\nbatch_size: 64\nlog_every: 200\ncheckpoint_every: 0\nseed: [0, 1]\n", in: dir)
        let p = Process()
        p.executableURL = SaddleBinary.url
        p.arguments = ["sweep", spec, "--out", dir + "/a", "--threads", "1"]
        p.standardOutput = FileHandle.nullDevice
        let err = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOfFile: dir + "/a/runs/seed=0/metrics.jsonl", encoding: .utf8)) ?? "").isEmpty {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let log = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 130, "\(log)")
        #expect(log.contains("interrupted — run the same command again to continue"), "\(log)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/a/runs/seed=1"))

        let resumed = try SaddleBinary.run(["sweep", spec, "--out", dir + "/a", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("seed=0: resuming") && resumed.stderr.contains("seed=1: training"), "\(resumed.stderr)")
        let straight = try SaddleBinary.run(["sweep", spec, "--out", dir + "/b", "--threads", "1"])
        #expect(straight.status == 0, "\(straight.stderr)")
        for run in ["seed=0", "seed=1"] {
            #expect(try Self.finalTensors(dir + "/a", run: run, iteration: 2000) == (try Self.finalTensors(dir + "/b", run: run, iteration: 2000)), "\(run)")
        }
    }

    /// A run that diverges is a result, not a failure: the sweep goes on and exits 0, a second pass
    /// skips it (training would diverge again), and --gather lists it as diverged.
    @Test func aDivergedRunIsAResultAndIsNotRetrained() throws {
        let dir = try makeScratchFolder("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Self.write("iterations: 60\nbatch_size: 32\nlog_every: 20\ncheckpoint_every: 20\nmethod: fb\nstep_size: [0.001, 1000000]\n", in: dir)
        let first = try SaddleBinary.run(["sweep", spec, "--out", dir + "/d", "--threads", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("1 trained, 0 already finished, 1 diverged, 0 failed"), "\(first.stderr)")
        let again = try SaddleBinary.run(["sweep", spec, "--out", dir + "/d"])
        #expect(again.status == 0 && again.stderr.contains("step_size=1000000: diverged in an earlier pass") && again.stderr.contains("skipped"), "\(again.stderr)")
        #expect(again.stderr.contains("0 trained, 1 already finished, 1 diverged, 0 failed"), "\(again.stderr)")
        let gathered = try SaddleBinary.run(["sweep", "--gather", dir + "/d"])
        #expect(gathered.stdout.contains("1 completed, 1 diverged"), "\(gathered.stdout)")
        // The diverged run's summary (with "NaN" losses) is read: its row has its iterations.
        let row = try String(contentsOfFile: dir + "/d/sweep.csv", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("step_size=1000000,") }
        let cells = row?.split(separator: ",", omittingEmptySubsequences: false) ?? []
        #expect(cells.count > 3 && cells[2] == "diverged" && Int(cells[3]) != nil, "\(String(describing: row))")
    }

    /// Bad input: one line, non-zero status, nothing written where it should not be.
    @Test func badInputIsOneLine() throws {
        let dir = try makeScratchFolder("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = try Self.write(Self.twelve, in: dir)
        // A folder holding something else is not written into.
        try FileManager.default.createDirectory(atPath: dir + "/busy", withIntermediateDirectories: true)
        try "mine".write(toFile: dir + "/busy/notes.txt", atomically: true, encoding: .utf8)
        let busy = try SaddleBinary.run(["sweep", spec, "--out", dir + "/busy"])
        #expect(busy.status != 0 && busy.stderr.contains("exists and is not a sweep folder"), "\(busy.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/busy") == ["notes.txt"])
        // A sweep folder of another sweep file.
        try FileManager.default.createDirectory(atPath: dir + "/s", withIntermediateDirectories: true)
        try "seed: [0, 1]\n".write(toFile: dir + "/s/sweep.yaml", atomically: true, encoding: .utf8)
        let differs = try SaddleBinary.run(["sweep", spec, "--out", dir + "/s"])
        #expect(differs.status != 0 && differs.stderr.contains("holds another sweep"), "\(differs.stderr)")
        for (args, env, message) in [
            (["sweep", dir + "/missing.yaml", "--out", dir + "/m"], [String: String](), "no such file"),
            (["sweep", spec, "--out", dir + "/t", "--task-index", "3", "--task-count", "3"], [:], "task index 3 is outside 0..<3"),
            (["sweep", spec, "--out", dir + "/t"], ["SLURM_ARRAY_TASK_ID": "4"], "SLURM_ARRAY_TASK_COUNT is not"),
            (["sweep", spec, "--out", dir + "/t"], ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"], "SLURM_ARRAY_TASK_ID=x is not an integer"),
            (["sweep", "--gather", dir + "/busy"], [:], "not a sweep folder"),
            (["sweep", spec], [:], "give the sweep's folder with --out DIR"),
        ] {
            let r = try SaddleBinary.run(args, environment: env)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/t") && !FileManager.default.fileExists(atPath: dir + "/m"))
    }
}
