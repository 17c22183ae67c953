import Foundation
import Saddle
import Testing
import TestSupport

/// `saddle train`'s run folder: checkpoints, resume, the time limit, divergence, bad input (issue 5,
/// acceptance 2–4).
@Suite("saddle train run folders")
struct TrainRunFolderTests {
    static let quick = ["--iterations", "60", "--log-every", "20", "--checkpoint-every", "20", "--batch-size", "64",
                        "--threads", "1", "--json"]

    static func temporaryDirectory() throws -> String { try makeScratchFolder("train") }

    /// The tensor bytes of a safetensors file (everything after the JSON header).
    static func tensorBytes(_ path: String) throws -> Data {
        let b = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = b.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return b.dropFirst(8 + n)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func checkSameResult(_ a: String, _ b: String, aJSON: String, bJSON: String, iteration: Int) throws {
        let name = String(format: "/checkpoints/iteration-%08d.safetensors", iteration)
        #expect(try Self.tensorBytes(a + name) == Self.tensorBytes(b + name), "final checkpoints differ")
        let x = try Self.json(aJSON), y = try Self.json(bJSON)
        for key in ["last", "ema", "finalLosses", "oracleCalls", "iterations"] {
            let ex = try JSONSerialization.data(withJSONObject: [key: x[key]!], options: [.sortedKeys])
            let ey = try JSONSerialization.data(withJSONObject: [key: y[key]!], options: [.sortedKeys])
            #expect(ex == ey, "\(key) differs")
        }
    }

    /// Acceptance 2: stop at k = 40 (a run of 40, and a --time-limit stop), resume to n = 60, and get
    /// the bits of an uninterrupted 60-iteration run.
    @Test func stopAndResumeIsBitIdentical() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let full = try SaddleBinary.run(["train", "--out", dir + "/full"] + Self.quick)
        #expect(full.status == 0, "\(full.stderr)")
        var argsK = Self.quick; argsK[1] = "40"
        let part = try SaddleBinary.run(["train", "--out", dir + "/part"] + argsK)
        #expect(part.status == 0, "\(part.stderr)")
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/part", "--iterations", "60", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try checkSameResult(dir + "/full", dir + "/part", aJSON: full.stdout, bJSON: resumed.stdout, iteration: 60)
        let lines = try String(contentsOfFile: dir + "/part/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "metrics.jsonl: one line per log interval")
        let summary = try Self.json(String(contentsOfFile: dir + "/part/summary.json", encoding: .utf8))
        #expect(summary["exitStatus"] as? String == "completed" && summary["saddleVersion"] != nil && summary["blasCore"] != nil)
    }

    /// Acceptance 2: SIGKILL while writing the checkpoint of iteration 40 leaves the one of 20;
    /// resuming from it reproduces the uninterrupted run.
    @Test func killDuringCheckpointResumesFromThePreviousOne() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Where the checkpoint of iteration 40 is written, from the write log of an identical run.
        let writes = try WriteLog.record(["train", "--out", dir + "/probe"] + Self.quick)
        let span = try #require(writes.first { $0.path.hasSuffix("iteration-00000040.safetensors") })
        let killed = try SaddleBinary.run(["train", "--out", dir + "/k"] + Self.quick + ["--test-faults", "kill-after-bytes=\((span.start + span.end) / 2)"])
        #expect(killed.status != 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/k/checkpoints")
        #expect(names.contains("iteration-00000020.safetensors") && !names.contains("iteration-00000040.safetensors"), "\(names)")
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/k", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let full = try SaddleBinary.run(["train", "--out", dir + "/full"] + Self.quick)
        try checkSameResult(dir + "/full", dir + "/k", aJSON: full.stdout, bJSON: resumed.stdout, iteration: 60)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/k/checkpoints").filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.count <= 1)   // the killed write's temporary, which resume ignores
    }

    @Test func timeLimitStopsCleanlyWithACheckpoint() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["train", "--out", dir + "/t", "--iterations", "1000000", "--time-limit", "1",
                                      "--checkpoint-every", "0", "--batch-size", "64", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try Self.json(r.stdout)
        #expect(s["exitStatus"] as? String == "time-limit")
        let k = try #require(s["iterations"] as? Int)
        #expect(FileManager.default.fileExists(atPath: dir + String(format: "/t/checkpoints/iteration-%08d.safetensors", k)))
    }

    @Test func divergenceStopsWithTheIterationAndKeepsTheLastCheckpoint() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SaddleBinary.run(["train", "--out", dir + "/d", "--iterations", "50", "--checkpoint-every", "10",
                                      "--log-every", "10", "--batch-size", "32", "--threads", "1", "--test-faults", "poison=25"])
        #expect(r.status != 0)
        let line = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.hasPrefix("Error: training diverged at iteration 25") && line.contains("iteration-00000020.safetensors"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/d/checkpoints/iteration-00000020.safetensors"))
        // A huge step size diverges too (at once: no checkpoint yet).
        let big = try SaddleBinary.run(["train", "--out", dir + "/e", "--step-size", "1e30", "--iterations", "5", "--threads", "1"])
        #expect(big.status != 0 && big.stderr.contains("diverged at iteration"), "\(big.stderr)")
        let summary = try Self.json(String(contentsOfFile: dir + "/d/summary.json", encoding: .utf8))
        #expect(summary["exitStatus"] as? String == "diverged")
    }

    /// `saddle train --threads 2` runs its shards on Saddle's own workers with single-threaded
    /// OpenBLAS (two layers of threads oversubscribed 2 cores 8-fold) — one thread even where
    /// `OPENBLAS_NUM_THREADS` asks for two (CKernels' constructor, blas_threads.c) — and the run
    /// records the OpenBLAS core; a resume under another core says so and continues.
    @Test func blasThreadsAndCoreAreRecordedAndACoreChangeIsFlagged() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var args = Self.quick; args[1] = "20"; args[args.count - 2] = "2"
        #expect(try SaddleBinary.run(["train", "--out", dir + "/b"] + args, environment: ["OPENBLAS_NUM_THREADS": "2"]).status == 0)
        let summary = try Self.json(String(contentsOfFile: dir + "/b/summary.json", encoding: .utf8))
        #expect(summary["blasThreads"] as? Int == 1)
        let core = try #require(summary["blasCore"] as? String)
        let history = try String(contentsOfFile: dir + "/b/history.jsonl", encoding: .utf8)
        let start = try Self.json(String(history.split(separator: "\n")[0]))
        #expect(start["blasCore"] as? String == core)
        // The same core: no warning. Another core recorded: a warning, and the resume goes on.
        let same = try SaddleBinary.run(["train", "--resume", dir + "/b", "--iterations", "40"])
        #expect(same.status == 0 && !same.stderr.contains("OpenBLAS core"), "\(same.stderr)")
        let foreign = history.replacingOccurrences(of: "\"blasCore\":\"\(core)\"", with: "\"blasCore\":\"SomeOtherCore\"")
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/b/history.jsonl"))
        try handle.truncate(atOffset: 0); try handle.write(contentsOf: Data(foreign.utf8)); try handle.close()
        let other = try SaddleBinary.run(["train", "--resume", dir + "/b", "--iterations", "60"])
        #expect(other.status == 0 && other.stderr.contains("OpenBLAS core SomeOtherCore, this machine's is \(core)"), "\(other.stderr)")
    }

    /// Results depend on the seed and the shard count S only (issue 15): `--threads 1` and
    /// `--threads 2` give the same tensors, a run resumed on another thread count continues as the
    /// uninterrupted run, and another S gives other bits. `--shards` is recorded in config.yaml.
    @Test func shardsDecideTheBitsThreadsDoNot() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func train(_ name: String, _ extra: [String]) throws {
            let r = try SaddleBinary.run(["train", "--out", dir + "/" + name, "--iterations", "40", "--log-every", "20",
                                          "--checkpoint-every", "20", "--batch-size", "64"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
        }
        func tensors(_ name: String) throws -> [String: [UInt8]] { try checkpointBytes(dir + "/" + name, iteration: 40) }
        try train("t1", ["--threads", "1", "--shards", "4"])
        try train("t2", ["--threads", "2", "--shards", "4"])
        try train("s2", ["--threads", "2", "--shards", "2"])
        #expect(try String(contentsOfFile: dir + "/t1/config.yaml", encoding: .utf8).contains("\nshards: 4\n"))
        let one = try tensors("t1"), two = try tensors("t2"), otherS = try tensors("s2")
        #expect(one.count >= 9 && one == two)
        #expect(one["generator"] != otherS["generator"])
        // Stopped at 20 on one thread, resumed to 40 on two.
        try train("r", ["--threads", "1", "--shards", "4", "--iterations", "20"])
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/r", "--iterations", "40", "--threads", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let continued = try tensors("r")
        #expect(continued == one)
        #expect(try String(contentsOfFile: dir + "/r/history.jsonl", encoding: .utf8).contains("\"threads\":\"1 → 2\""))
    }

    /// Acceptance 3: the checkpoint loads with Python's safetensors package, names and shapes as the README says.
    @Test(.enabled(if: TrainRunFolderTests.pythonWithSafetensors != nil,
                   "python3 with the safetensors and numpy packages is unavailable (set SADDLE_PYTHON to one that has them)"))
    func checkpointLoadsInPythonSafetensors() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var args = Self.quick; args[1] = "20"
        #expect(try SaddleBinary.run(["train", "--out", dir + "/p"] + args).status == 0)
        let script = """
        import sys
        from safetensors import safe_open
        with safe_open(sys.argv[1], "np") as f:
            m = f.metadata()
            assert m["format_version"] == "3" and m["iteration"] == "20", m
            shapes = {k: tuple(f.get_tensor(k).shape) for k in f.keys()}
        assert shapes["generator"] == (25090,) and shapes["discriminator"] == (17025,), shapes
        assert shapes["generator_ema"] == (25090,) and shapes["solver.base.base.rule.secondMoment.discriminator"] == (17025,), shapes
        assert shapes["solver.average.generator"] == (25090,), shapes
        print(len(shapes))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.pythonWithSafetensors!)
        p.arguments = ["-c", script, dir + "/p/checkpoints/iteration-00000020.safetensors"]
        let out = Pipe(); p.standardOutput = out
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "11")
    }

    static let pythonWithSafetensors: String? = pythonImporting("safetensors, numpy")

    /// Acceptance 4 (the run side): each bad input is one line on stderr and a non-zero exit.
    @Test func badInputTable() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let p = dir + "/" + name
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let cases: [([String], String)] = [
            (["--config", try file("unknown.yaml", "iterations: 10\nlearning_rate: 0.1\n")], "unknown key 'learning_rate'"),
            (["--config", try file("type.yaml", "batch_size: many\n")], "batch_size = many has the wrong type"),
            (["--config", try file("negative.yaml", "generator_step_size: -0.5\n")], "generator_step_size = -0.5 is invalid"),
            (["--config", try file("decay.yaml", "step_size_decay_start: 8000\nstep_size_decay_end: 6000\n")],
             "step_size_decay_end = 6000 is invalid"),
            (["--config", dir + "/missing.yaml"], "missing.yaml"),
            (["--resume", dir + "/no-such-run"], "no such run folder"),
        ]
        for (args, message) in cases {
            let extra = args.first == "--resume" ? [] : ["--out", dir + "/never"]
            let r = try SaddleBinary.run(["train"] + args + extra)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.hasPrefix("Error:") && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/never/summary.json"))

        // An existing run folder is not overwritten without --force.
        var args = Self.quick; args[1] = "20"
        #expect(try SaddleBinary.run(["train", "--out", dir + "/run"] + args).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/run/summary.json"))
        let again = try SaddleBinary.run(["train", "--out", dir + "/run"] + args)
        #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/run/summary.json")) == before)

        // A corrupt safetensors header in every checkpoint to resume from: refused, naming the newest.
        let ckpt = dir + "/run/checkpoints/iteration-00000020.safetensors"
        for name in ["iteration-00000000.safetensors", "iteration-00000020.safetensors"] {
            let path = dir + "/run/checkpoints/" + name
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[8] = UInt8(ascii: "x")
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let corrupt = try SaddleBinary.run(["train", "--resume", dir + "/run", "--iterations", "30"])
        #expect(corrupt.status != 0 && corrupt.stderr.contains("corrupt safetensors header") && corrupt.stderr.contains(ckpt), "\(corrupt.stderr)")
        #expect(try SaddleBinary.run(["train", "--out", dir + "/run", "--force"] + args).status == 0)
    }
}
