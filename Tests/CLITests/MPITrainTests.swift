import Foundation
import Saddle
import Testing
import TestSupport

/// `mpirun -np R saddle train …` (issue 15, item 2; docs/scaling.md): R processes share a run's S
/// shards and give the bits of one process with the same S; rank 0 owns the run folder; a signal to
/// any rank stops all at one iteration; a dead rank ends the job and leaves a resumable folder.
@Suite(.serialized, .enabled(if: MPILauncher.shouldRun, Comment(rawValue: MPILauncher.skipReason)))
struct MPITrainTests {
    static let quick = ["--shards", "4", "--batch-size", "64", "--log-every", "20", "--checkpoint-every", "20"]

    init() throws {
        try MPILauncher.requireIfNeeded()
    }

    static func tensors(_ dir: String, iteration: Int) throws -> [String: [UInt8]] { try checkpointBytes(dir, iteration: iteration) }

    /// Acceptance 1: 2 and 4 ranks give the tensors of 1 and 2 threads in one process (S = 4), and a
    /// run checkpointed under 4 ranks and resumed under 2 continues bit for bit.
    @Test func ranksGiveTheBitsOfOneProcess() throws {
        let dir = try makeScratchFolder("mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["train", "--iterations", "40"] + Self.quick
        for t in ["1", "2"] {
            let r = try SaddleBinary.run(args + ["--threads", t, "--out", dir + "/threads\(t)"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for ranks in [2, 4] {
            let r = try MPILauncher.run(ranks: ranks, args + ["--threads", "1", "--out", dir + "/ranks\(ranks)"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("(\(ranks) MPI ranks, \(4 / ranks) shards each)"))
            // Rank 0 alone prints the summary.
            #expect(r.stdout.components(separatedBy: "trained 40 iterations").count == 2, "\(r.stdout)")
        }
        let reference = try Self.tensors(dir + "/threads1", iteration: 40)
        #expect(reference.count >= 9)
        for name in ["threads2", "ranks2", "ranks4"] {
            #expect(try Self.tensors(dir + "/" + name, iteration: 40) == reference, "\(name)")
            #expect(try Self.tensors(dir + "/" + name, iteration: 20) == (try Self.tensors(dir + "/threads1", iteration: 20)), "\(name)")
        }
        let summary = try String(contentsOfFile: dir + "/ranks4/summary.json", encoding: .utf8)
        #expect(summary.contains("\"ranks\":4"))

        let first = try MPILauncher.run(ranks: 4, ["train", "--iterations", "20", "--threads", "1", "--out", dir + "/resumed"] + Self.quick)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try MPILauncher.run(ranks: 2, ["train", "--resume", dir + "/resumed", "--iterations", "40"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.tensors(dir + "/resumed", iteration: 40) == reference)
    }

    /// R must divide S; the error is one line and nothing is created.
    @Test func ranksMustDivideTheShards() throws {
        let dir = try makeScratchFolder("mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try MPILauncher.run(ranks: 3, ["train", "--iterations", "5", "--out", dir + "/x"] + Self.quick)
        #expect(r.status != 0)
        #expect(r.stderr.contains("--shards 4 is not a multiple of the 3 MPI ranks"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x"))
    }

    /// A command that does not share its work over ranks is refused under mpirun, with one line.
    @Test func otherCommandsRefuseToRunOnSeveralRanks() throws {
        let r = try MPILauncher.run(ranks: 2, ["bench", "--machine"])
        #expect(r.status != 0)
        #expect(r.stderr.components(separatedBy: "does not run under mpirun with 2 processes").count == 2, "\(r.stderr)")
    }

    /// Starts a long run under 2 ranks and waits until its first metrics line exists.
    static func startLongRun(_ dir: String, iterations: Int) throws -> (Process, [Int: Int32]) {
        let p = try MPILauncher.start(ranks: 2, ["train", "--iterations", "\(iterations)", "--threads", "1", "--out", dir + "/run",
                                                 "--shards", "4", "--batch-size", "64", "--log-every", "200", "--checkpoint-every", "0"],
                                      stdout: URL(fileURLWithPath: dir + "/stdout"), stderr: URL(fileURLWithPath: dir + "/stderr"))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let m = (try? String(contentsOfFile: dir + "/run/metrics.jsonl", encoding: .utf8)) ?? ""
            if !m.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let ranks = MPILauncher.ranks(of: p.processIdentifier)
        return (p, ranks)
    }

    /// A SIGINT to rank 1 alone stops both ranks after the same iteration: rank 0 writes the
    /// checkpoint, summary and report; resumed (under 2 ranks) the run ends with the bits of an
    /// uninterrupted one.
    @Test func aSignalToOneRankStopsEveryRank() throws {
        let dir = try makeScratchFolder("mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let total = 2000
        let (p, ranks) = try Self.startLongRun(dir, iterations: total)
        #expect(ranks.count == 2, "ranks found: \(ranks)")
        if let pid = ranks[1] { kill(pid, SIGINT) }
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? ""
        #expect(p.terminationStatus != 0, "\(err)")
        let summary = try String(contentsOfFile: dir + "/run/summary.json", encoding: .utf8)
        #expect(summary.contains("\"exitStatus\":\"interrupted\""), "\(summary)\n\(err)")
        let stopped = RunDirectory.checkpointIteration(in: dir + "/run")
        #expect(stopped > 0 && stopped < total, "\(err)")

        let resumed = try MPILauncher.run(ranks: 2, ["train", "--resume", dir + "/run"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let straight = try SaddleBinary.run(["train", "--iterations", "\(total)", "--threads", "1", "--out", dir + "/straight",
                                             "--shards", "4", "--batch-size", "64", "--log-every", "200", "--checkpoint-every", "0"])
        #expect(straight.status == 0, "\(straight.stderr)")
        #expect(try Self.tensors(dir + "/run", iteration: total) == (try Self.tensors(dir + "/straight", iteration: total)))
    }

    /// A rank killed outright (SIGKILL) ends the job with an error; the folder keeps a checkpoint
    /// that resumes (no half-written file), here in one process.
    @Test func aDeadRankEndsTheJobAndTheFolderResumes() throws {
        let dir = try makeScratchFolder("mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (p, ranks) = try Self.startLongRun(dir, iterations: 100_000)
        #expect(ranks.count == 2, "ranks found: \(ranks)")
        let killed = Date()
        if let pid = ranks[1] { kill(pid, SIGKILL) }
        p.waitUntilExit()
        #expect(Date().timeIntervalSince(killed) < 60)
        let err = (try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? ""
        #expect(p.terminationStatus != 0, "\(err)")
        let at = RunDirectory.checkpointIteration(in: dir + "/run")
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/run", "--iterations", "\(at + 20)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}

extension RunDirectory {
    /// The iteration of the latest checkpoint in the run folder `path` (−1 without one).
    static func checkpointIteration(in path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path + "/checkpoints")) ?? []
        return names.compactMap { n -> Int? in
            guard n.hasPrefix("iteration-"), n.hasSuffix(".safetensors") else { return nil }
            return Int(n.dropFirst("iteration-".count).dropLast(".safetensors".count))
        }.max() ?? -1
    }
}

/// Item 4 of issue 15: the studies spread their grids over MPI ranks and reach the same results.
@Suite(.serialized, .enabled(if: MPILauncher.shouldRun, Comment(rawValue: MPILauncher.skipReason)))
struct MPIReproduceTests {
    init() throws {
        try MPILauncher.requireIfNeeded()
    }

    /// A CSV without its columns named …seconds (wall times differ between any two runs).
    static func withoutTimes(_ path: String) throws -> [String] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else { return [] }
        let keep = header.indices.filter { !header[$0].contains("seconds") }
        return lines.map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return keep.map { $0 < cells.count ? String(cells[$0]) : "" }.joined(separator: ",")
        }
    }

    static func compare(_ study: [String], files: [String]) throws {
        let dir = try makeScratchFolder("mpi-reproduce")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try SaddleBinary.run(["reproduce"] + study + ["--out", dir + "/one"])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try MPILauncher.run(ranks: 2, ["reproduce"] + study + ["--out", dir + "/two"])
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.contains("on 2 MPI ranks"), "\(two.stdout)")
        // The verdict lines, printed once (by rank 0), are the same.
        let verdicts = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("PASS") || $0.hasPrefix("FAIL") || $0.hasPrefix("UNDECIDED") || $0.hasPrefix("NOT EVALUATED") } }
        #expect(!verdicts(one.stdout).isEmpty && verdicts(one.stdout) == verdicts(two.stdout), "\(one.stdout)\n---\n\(two.stdout)")
        for f in files {
            if f.hasSuffix(".csv") {
                #expect(try withoutTimes(dir + "/one/" + f) == (try withoutTimes(dir + "/two/" + f)), "\(f)")
            } else {
                #expect(try String(contentsOfFile: dir + "/one/" + f, encoding: .utf8) == (try String(contentsOfFile: dir + "/two/" + f, encoding: .utf8)), "\(f)")
            }
        }
    }

    @Test func asymmetricGivesTheSameResultsOnTwoRanks() throws {
        try Self.compare(["asymmetric", "--quick"], files: ["verdicts.json", "table.csv", "operators.csv"])
    }

    /// `reproduce srfb --quick`, claims (a)-(d) (without its data file claim (e) is not evaluated;
    /// its GAN trainings are spread as mixed-nash's are, tested below): the same verdicts, table and
    /// trajectories on two ranks as in one process.
    @Test func srfbGivesTheSameResultsOnTwoRanks() throws {
        try Self.compare(["srfb", "--quick", "--data-file", "/nonexistent/mnist_5k.csv.gz"], files: ["verdicts.json", "table.csv", "trajectories.csv"])
    }
}

/// The same for `reproduce mixed-nash --quick` (30 short GAN trainings; thorough tier).
@Suite(.serialized, .enabled(if: Tier.thorough && MPILauncher.shouldRun,
                             "thorough tier with Open MPI only"))
struct MPIReproduceThoroughTests {
    @Test func mixedNashGivesTheSameResultsOnTwoRanks() throws {
        try MPILauncher.requireIfNeeded()
        try MPIReproduceTests.compare(["mixed-nash", "--quick"], files: ["verdicts.json", "table.csv", "summary.csv"])
    }
}

/// `saddle solve` under mpirun: the ranks share the rows of a bilinear game's matrix.
@Suite(.serialized, .enabled(if: MPILauncher.shouldRun, Comment(rawValue: MPILauncher.skipReason)))
struct MPISolveTests {
    init() throws {
        try MPILauncher.requireIfNeeded()
    }

    static func fields(_ json: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    }

    /// 2 ranks give the two-core run's numbers exactly (the same row halves, the same sum); 3 ranks
    /// the one-core run's up to rounding; rank 0 alone prints and writes --out.
    @Test func ranksShareTheMatrixRows() throws {
        let dir = try makeScratchFolder("mpi-solve")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["solve", "--game", "bilinear-matrix", "--dimension", "400", "--method", "eg", "--step", "0.5", "--iterations", "300", "--json"]
        let one = try SaddleBinary.run(args + ["--threads", "1"]), two = try SaddleBinary.run(args + ["--threads", "2"])
        #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
        let ranks2 = try MPILauncher.run(ranks: 2, args + ["--threads", "1", "--out", dir + "/r2"])
        let ranks3 = try MPILauncher.run(ranks: 3, args + ["--threads", "1"])
        #expect(ranks2.status == 0 && ranks3.status == 0, "\(ranks2.stderr)\(ranks3.stderr)")
        #expect(ranks2.stdout.split(separator: "\n").count == 1, "rank 0 alone prints: \(ranks2.stdout)")
        let f1 = try Self.fields(one.stdout), f2 = try Self.fields(two.stdout)
        let r2 = try Self.fields(ranks2.stdout), r3 = try Self.fields(ranks3.stdout)
        #expect(r2["ranks"] as? Double == 2 && r3["ranks"] as? Double == 3)
        for key in ["final_distance", "residual", "observed_rate"] {
            let a = f2[key] as? Double, b = r2[key] as? Double, c = f1[key] as? Double, d = r3[key] as? Double
            #expect(a != nil && a == b, "\(key): threads 2 \(String(describing: a)), 2 ranks \(String(describing: b))")
            if let c, let d { #expect(abs(c - d) <= 1e-9 * max(abs(c), 1e-30), "\(key): \(c) vs 3 ranks \(d)") } else { Issue.record("\(key) missing") }
        }
        #expect((f1["final_distance"] as? Double ?? 1) < 0.5 * (f1["initial_distance"] as? Double ?? 0), "EG approaches the equilibrium here")
        #expect(FileManager.default.fileExists(atPath: dir + "/r2/summary.json"))
    }
}
