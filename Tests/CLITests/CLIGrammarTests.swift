import Foundation
import Saddle
import Testing
import TestSupport

/// Issue #20, item 4: one CLI grammar, read from what users see.
///
/// Every command's arguments come from ArgumentParser's own description of the program
/// (`saddle --experimental-dump-help`: names, whether `--help` shows them, their help text and
/// declared default) and from its `--help` text. For every command:
/// - the shared options have one spelling: `--out`, `--iterations`, `--seed`, `--json`,
///   `--threads`, `--force`; the old spellings `--output` and `--iters` are hidden, yet accepted;
/// - `--threads` describes its own command, naming no other;
/// - train's value lists hold only what train accepts, and a config file takes the same names;
/// - every default the help states — "(default: X)" in an option's text, or the one
///   ArgumentParser shows for a declared default — is the value the command uses: read from what it
///   ran (train's resolved configuration, solve's config.yaml, eval's JSON, …), or, where nothing
///   records it, by running once without the flag and once with `--flag X` and comparing the
///   outputs. A stated default the test does not know how to check fails the test, so a new one
///   cannot go unchecked.
@Suite("CLI grammar (issue 20)")
struct CLIGrammarTests {
    // MARK: The program's description

    struct Argument {
        let names: [String]          // long names, without dashes
        let shown: Bool              // in --help
        let kind: String             // option, flag, positional
        let abstract: String
        let declaredDefault: String? // shown by ArgumentParser as "(default: X)"
        let values: [String]         // ArgumentParser's "(values: …)"
        var name: String { names.first ?? "" }
    }

    struct Command: CustomStringConvertible, Sendable {
        let path: [String]
        var description: String { path.joined(separator: " ") }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// `saddle --experimental-dump-help`, parsed once.
    static let dump: Result<[String: [Argument]], Error> = Result {
        let r = try SaddleBinary.run(["--experimental-dump-help"])
        guard r.status == 0, let root = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let command = root["command"] as? [String: Any] else { throw Failure(description: "--experimental-dump-help failed: \(r.stderr)") }
        var out: [String: [Argument]] = [:]
        func walk(_ c: [String: Any], _ path: [String]) {
            let subs = (c["subcommands"] as? [[String: Any]] ?? []).filter { ($0["commandName"] as? String) != "help" }
            if subs.isEmpty && !path.isEmpty {
                out[path.joined(separator: " ")] = (c["arguments"] as? [[String: Any]] ?? []).map { a in
                    let names = (a["names"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "long" }.compactMap { $0["name"] as? String }
                    return Argument(names: names, shown: a["shouldDisplay"] as? Bool ?? true, kind: a["kind"] as? String ?? "",
                                    abstract: a["abstract"] as? String ?? "", declaredDefault: a["defaultValue"] as? String,
                                    values: a["allValues"] as? [String] ?? [])
                }
            }
            for s in subs { walk(s, path + [s["commandName"] as? String ?? ""]) }
        }
        walk(command, [])
        return out
    }

    /// Every command users run (`saddle help` aside).
    static let commands: [Command] = ["train", "sweep", "sample", "eval", "report", "solve", "analyze", "inspect", "bench",
                                      "reproduce asymmetric", "reproduce srfb", "reproduce mixed-nash"].map { Command(path: $0.split(separator: " ").map(String.init)) }

    static func arguments(_ c: Command) throws -> [Argument] {
        guard let a = try dump.get()[c.description] else { throw Failure(description: "saddle \(c) is not in --experimental-dump-help") }
        return a
    }

    /// Every (flag, default) the help states, from the option's text and from ArgumentParser's
    /// declared default. A text may state several ("bilinear-matrix (default: 10), …"): each with
    /// the word before it as its qualifier.
    static func statedDefaults(_ c: Command) throws -> [(flag: String, qualifier: String?, value: String)] {
        var out: [(String, String?, String)] = []
        for a in try arguments(c) where a.shown && a.kind == "option" {
            let text = a.abstract as NSString
            let matches = try NSRegularExpression(pattern: "(?:([a-z-]+) )?\\(default: ([^()]*)\\)").matches(in: a.abstract, range: NSRange(location: 0, length: text.length))
            let several = matches.count > 1
            for m in matches {
                let qualifier = m.range(at: 1).location != NSNotFound && several ? text.substring(with: m.range(at: 1)) : nil
                out.append(("--" + a.name, qualifier, text.substring(with: m.range(at: 2))))
            }
            if let d = a.declaredDefault {
                #expect(matches.isEmpty, "saddle \(c) --\(a.name) states its default twice: '\(a.abstract)' and ArgumentParser's (default: \(d))")
                out.append(("--" + a.name, nil, d))
            }
        }
        return out
    }

    static let commandNames = ["train", "sweep", "sample", "eval", "report", "solve", "analyze", "inspect", "bench", "reproduce"]

    // MARK: One spelling

    @Test(arguments: commands)
    func sharedOptionsHaveOneSpelling(_ c: Command) throws {
        let args = try Self.arguments(c)
        let help = try SaddleBinary.run(c.path + ["--help"])
        #expect(help.status == 0)
        let shown = Set(args.filter(\.shown).flatMap(\.names)), all = Set(args.flatMap(\.names))
        for old in ["output", "iters"] {
            #expect(!shown.contains(old), "saddle \(c) shows --\(old)")
            #expect(help.stdout.range(of: "--\(old)\\b", options: .regularExpression) == nil, "saddle \(c) --help mentions --\(old)")
        }
        for other in ["outdir", "output-dir", "num-threads", "nthreads", "random-seed", "iter", "n-iterations", "json-output", "overwrite"] {
            #expect(!all.contains(other), "saddle \(c) spells a shared option --\(other)")
        }
        // The old spelling exists, hidden, wherever the new one does (the commands that took it).
        if all.contains("out") {
            #expect(shown.contains("out") && help.stdout.contains("--out "), "saddle \(c): --out not shown")
            #expect(all.contains("output") && !shown.contains("output"), "saddle \(c): no hidden --output")
        }
        if c.description == "solve" { #expect(shown.contains("iterations") && all.contains("iters") && !shown.contains("iters")) }
        // --threads describes this command only.
        if let threads = args.first(where: { $0.name == "threads" }) {
            for name in Self.commandNames where !c.path.contains(name) {
                #expect(threads.abstract.range(of: "\\b\(name)\\b", options: .regularExpression) == nil,
                        "saddle \(c) --threads mentions \(name): \(threads.abstract)")
            }
        }
    }

    @Test func oldSpellingsAreAcceptedAndBothAtOnceRefused() throws {
        let dir = try makeScratchFolder("grammar-old")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let solve = try SaddleBinary.run(["solve", "--iters", "7", "--output", dir + "/solve", "--json"])
        #expect(solve.status == 0, "\(solve.stderr)")
        #expect(try String(contentsOfFile: dir + "/solve/config.yaml", encoding: .utf8).contains("\niterations: 7\n"))
        // A study's --output reaches its folder check at once: a file there is refused by name.
        let file = dir + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        for study in ["asymmetric", "srfb", "mixed-nash"] {
            let r = try SaddleBinary.run(["reproduce", study, "--quick", "--output", file])
            #expect(r.status == 1 && r.stderr.hasPrefix("Error: --out \(file): exists and is not a folder"), "\(study): \(r.stderr)")
        }
        let sweep = try SaddleBinary.run(["sweep", try Self.sweepFile(dir), "--output", dir + "/sweep", "--dry-run"])
        #expect(sweep.status == 0 && sweep.stdout.hasPrefix("2 runs"), "\(sweep.stderr)")
        for (args, flags) in [(["solve", "--iters", "3", "--iterations", "4"], ["--iters", "--iterations"]),
                              (["solve", "--out", dir + "/a", "--output", dir + "/b"], ["--output", "--out"])] {
            let r = try SaddleBinary.run(args)
            let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(r.status == 64 && first.hasPrefix("Error:") && flags.allSatisfy(first.contains), "\(args): \(r.stderr)")
        }
    }

    // MARK: Value lists

    /// train's --method list, read from its help: every value is accepted by the flag and by a
    /// config file's `method` (the same run); the solvers it leaves out are refused by both, in one
    /// line. The other lists (data sets, losses, regularizers, …) are each accepted.
    @Test func trainValueListsHoldOnlyWhatTrainAccepts() throws {
        let dir = try makeScratchFolder("grammar-values")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = try Self.arguments(Command(path: ["train"]))
        let methodText = try #require(args.first { $0.name == "method" }?.abstract)
        let listed = try #require(methodText.range(of: "Solver: ").map { methodText[$0.upperBound...] }?.components(separatedBy: " (fb with").first)
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(listed.count >= 20 && listed.contains("consensus-optimization") && listed.contains("frb") && listed.contains("graal"))
        func resolved(_ extra: [String]) throws -> (status: Int32, yaml: [String: String], stderr: String) {
            let r = try SaddleBinary.run(["train", "--dry-run"] + extra)
            return (r.status, Self.yaml(r.stdout), r.stderr)
        }
        for method in listed {
            let flag = try resolved(["--method", method])
            #expect(flag.status == 0, "train --method \(method): \(flag.stderr)")
            let config = dir + "/\(method).yaml"
            try "method: \(method)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let file = try resolved(["--config", config])
            #expect(file.status == 0, "method: \(method) in a config file: \(file.stderr)")
            #expect(file.yaml["method"] == flag.yaml["method"] && file.yaml["regularizer"] == flag.yaml["regularizer"], "\(method): \(file.yaml["method"] ?? "?") vs \(flag.yaml["method"] ?? "?")")
        }
        for unlisted in SolverRegistry.builtIn.names where !listed.contains(unlisted) {
            let flag = try resolved(["--method", unlisted])
            #expect(flag.status == 64 && flag.stderr.hasPrefix("Error:") && flag.stderr.contains(unlisted), "train --method \(unlisted): \(flag.stderr)")
            let config = dir + "/\(unlisted).yaml"
            try "method: \(unlisted)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let file = try resolved(["--config", config])
            #expect(file.status == 1 && file.stderr.split(separator: "\n").count == 1 && file.stderr.contains("method = \(unlisted)"), "method: \(unlisted): \(file.stderr)")
        }
        // consensus-optimization is fb with the consensus regularizer, from a file as from the flag.
        let co = try resolved(["--method", "consensus-optimization"])
        #expect(co.yaml["method"] == "fb" && co.yaml["regularizer"] == "consensus")
        // Every other list: each value resolves (MNIST's data file only has to be a file here).
        let data = dir + "/mnist.csv.gz"
        try Data().write(to: URL(fileURLWithPath: data))
        for (flag, key, prefix) in [("dataset", "dataset", nil), ("loss", "loss", "Losses: "), ("regularizer", "regularizer", "Regularizer: "),
                                    ("cgd-linear-solver", "cgd_linear_solver", "the inner solver: "), ("preset", nil, nil)] {
            let arg = try #require(args.first { $0.name == flag })
            let text = arg.abstract
            let values = try prefix.map { try Self.listedValues(text, after: $0) } ?? arg.values
            #expect(values.count >= 2, "--\(flag): \(text)")
            for v in values {
                let r = try resolved(["--\(flag)", v] + (["mnist"].contains(v) ? ["--data-file", data] : []))
                #expect(r.status == 0, "train --\(flag) \(v): \(r.stderr)")
                if let key { #expect(r.yaml[key] == v, "train --\(flag) \(v) resolved \(key) = \(r.yaml[key] ?? "?")") }
            }
        }
    }

    /// "Losses: a, b, c. (default: …)": the values an option's text lists after `prefix`, up to a
    /// full stop or a parenthesis.
    static func listedValues(_ text: String, after prefix: String) throws -> [String] {
        guard let start = text.range(of: prefix) else { throw Failure(description: "no '\(prefix)' in '\(text)'") }
        return text[start.upperBound...].prefix { $0 != "." && $0 != "(" }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    // MARK: Ignored flags

    @Test func flagsAMethodDoesNotReadAreNamedOnStderr() throws {
        let train = try SaddleBinary.run(["train", "--dry-run", "--method", "eg", "--sga-adjustment", "2", "--agraal-phi", "1.2"])
        let warnings = train.stderr.split(separator: "\n")
        #expect(train.status == 0 && warnings.count == 2, "\(train.stderr)")
        #expect(warnings.first?.hasPrefix("warning: --sga-adjustment is ignored: method eg does not use it; it is for sga") == true, "\(train.stderr)")
        let quiet = try SaddleBinary.run(["train", "--dry-run", "--method", "sga", "--sga-adjustment", "2"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let solve = try SaddleBinary.run(["solve", "--method", "eg", "--relaxation", "0.7", "--game", "quadratic", "--penalty", "1", "--iterations", "3"])
        #expect(solve.status == 0 && solve.stderr.contains("warning: --relaxation is ignored: --method eg does not use it; it is for srfb, averaged-srfb")
                && solve.stderr.contains("warning: --penalty is ignored: --game quadratic does not use it"), "\(solve.stderr)")
        let srfb = try SaddleBinary.run(["solve", "--method", "srfb", "--relaxation", "0.7", "--iterations", "3"])
        #expect(srfb.status == 0 && srfb.stderr.isEmpty, "\(srfb.stderr)")
    }

    // MARK: Stated defaults

    /// A short default `saddle train` (one iteration, in a fresh working directory so that its
    /// default run folder lands there), a tiny one for `analyze --checkpoint`, and a sweep file.
    struct Runs {
        let directory: String
        let run: String            // the default run's folder
        let runFolderLine: String  // what it printed about it
        let summary: String        // its stdout
        let checkpoint: String
        let tinyCheckpoint: String
    }

    /// Folders the checks write into, removed when the test process exits.
    nonisolated(unsafe) static var scratch: [String] = []
    static let scratchLock = NSLock()
    static func folder(_ tag: String) throws -> String {
        let dir = try makeScratchFolder(tag)
        scratchLock.lock()
        if scratch.isEmpty { atexit { for d in CLIGrammarTests.scratch { try? FileManager.default.removeItem(atPath: d) } } }
        scratch.append(dir)
        scratchLock.unlock()
        return dir
    }

    static let runs: Result<Runs, Error> = Result {
        let dir = try folder("grammar-runs")
        let r = try SaddleBinary.run(["train", "--iterations", "1"], directory: dir)
        guard r.status == 0, let line = r.stderr.split(separator: "\n").first(where: { $0.hasPrefix("run folder: ") }) else {
            throw Failure(description: "the default train run failed: \(r.stderr)")
        }
        let path = String(line.dropFirst("run folder: ".count))
        let tinyConfig = dir + "/tiny.yaml"
        try "hidden: 4\nlatent: 2\nbatch_size: 8\nshards: 1\niterations: 2\nevaluation_samples: 20\nlog_every: 1\n".write(toFile: tinyConfig, atomically: true, encoding: .utf8)
        let tiny = try SaddleBinary.run(["train", "--config", tinyConfig, "--out", dir + "/tiny"])
        guard tiny.status == 0 else { throw Failure(description: "the tiny train run failed: \(tiny.stderr)") }
        return Runs(directory: dir, run: dir + "/" + path, runFolderLine: path, summary: r.stdout,
                    checkpoint: dir + "/" + path + "/checkpoints/iteration-00000001.safetensors",
                    tinyCheckpoint: dir + "/tiny/checkpoints/iteration-00000002.safetensors")
    }

    static func sweepFile(_ dir: String) throws -> String {
        let f = dir + "/sweep.yaml"
        try "iterations: 1\nevaluation_samples: 20\nseed: [0, 1]\n".write(toFile: f, atomically: true, encoding: .utf8)
        return f
    }

    /// `key: value` lines (quotes dropped).
    static func yaml(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    static func json(_ text: String) throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw Failure(description: "not a JSON object: \(text.prefix(200))") }
        return o
    }

    /// Two texts that are the same number, or the same text.
    static func same(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }

    /// "all cores, 2 here; …": the count stated for this machine.
    static func here(_ stated: String) -> String {
        (stated.range(of: "[0-9]+ here", options: .regularExpression).map { String(stated[$0].dropLast(5)) }) ?? stated
    }

    /// `saddle args` with stdout compared, once as is and once with `flag value` added: equal when
    /// `value` is what the command uses without the flag. `drop` removes lines that differ
    /// between any two runs (timings).
    static func equivalent(_ args: [String], _ flag: String, _ value: String, drop: [String] = [], directory: String? = nil) throws -> Bool {
        func out(_ a: [String]) throws -> String {
            let r = try SaddleBinary.run(a, directory: directory)
            guard r.status == 0 else { throw Failure(description: "saddle \(a.joined(separator: " ")): \(r.stderr)") }
            guard !drop.isEmpty, var object = try? json(r.stdout) else { return r.stdout }
            for key in drop { object[key] = nil }
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        return try out(args) == out(args + [flag, value])
    }

    /// What each stated default of `c` is checked against: the value the command used, as text.
    static func checks(_ c: Command) throws -> [String: (_ qualifier: String?, _ stated: String) throws -> String] {
        switch c.description {
        case "train": return try trainChecks()
        case "solve": return try solveChecks()
        case "analyze": return try analyzeChecks()
        case "sweep":
            let dir = try folder("grammar-sweep")
            let file = try sweepFile(dir)
            let dry = ["sweep", file, "--out", dir + "/s", "--dry-run"]
            let ran = try SaddleBinary.run(["sweep", file, "--out", dir + "/s2"])
            let threads = yaml((try? String(contentsOfFile: dir + "/s2/runs/seed=0/config.yaml", encoding: .utf8)) ?? "")["threads"] ?? "none (\(ran.stderr))"
            return [
                "--threads": { _, stated in stated.replacingOccurrences(of: here(stated) + " here", with: threads + " here") },
                "--task-index": { _, s in try equivalent(dry, "--task-index", "0") ? s : "not 0" },
                "--task-count": { _, s in try equivalent(dry, "--task-count", "1") ? s : "not 1" },
            ]
        case "eval":
            let r = try SaddleBinary.run(["eval", try runs.get().checkpoint, "--json"])
            let samples = try json(r.stdout)["samples"].map { "\($0)" } ?? "none"
            return ["--samples": { _, stated in stated == "the run's evaluation_samples, 2,500 unless the run set it" && samples == "2500" ? stated : samples },
                    // The classifier that scored an MNIST checkpoint, as eval's JSON names it (a
                    // two-iteration MNIST run; without the data file, only that the default and
                    // the stated value give the same output on the ring run).
                    "--classifier": { _, stated in
                        let data = FileManager.default.currentDirectoryPath + "/data/mnist_5k.csv.gz"
                        guard FileManager.default.fileExists(atPath: data) else {
                            return try equivalent(["eval", try runs.get().checkpoint, "--json"], "--classifier", stated) ? stated : "not \(stated)"
                        }
                        let dir = try folder("grammar-eval-mnist")
                        try "dataset: mnist\ndata_file: \(data)\nhidden: 8\nlatent: 2\nbatch_size: 8\niterations: 2\nevaluation_samples: 20\nlog_every: 1\nthreads: 1\n"
                            .write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
                        let t = try SaddleBinary.run(["train", "--config", dir + "/m.yaml", "--out", dir + "/m"])
                        guard t.status == 0 else { return "no MNIST run: \(t.stderr)" }
                        let last = try FileManager.default.contentsOfDirectory(atPath: dir + "/m/checkpoints").sorted().last ?? "none"
                        let e = try SaddleBinary.run(["eval", dir + "/m/checkpoints/" + last, "--json"])
                        return try json(e.stdout)["classifier"].map { "\($0)" } ?? "none: \(e.stderr)"
                    }]
        case "sample":
            let ckpt = try runs.get().checkpoint
            let r = try SaddleBinary.run(["sample", ckpt, "--n", "3"])
            let rows = r.stdout.split(separator: "\n")
            // The run's evaluation noise, drawn here through the library, with saddle's one BLAS
            // thread (every program linking Saddle starts there, blas_threads.c; set again in case
            // a test raised it): OpenBLAS's threaded products on a host without AVX-512 (core Zen)
            // round some last bits differently.
            BLAS.threads = 1
            let (training, state) = try GANTraining.restore(checkpoint: ckpt, dataFile: nil)
            let expected = training.samples(of: state.omega[.generator], count: 3, seed: nil).scalars.map { "\(Float($0))" }
            let got = rows.dropFirst().flatMap { $0.split(separator: ",").map(String.init) }
            return [
                "--out": { _, stated in rows.first == "x,y" && rows.count == 4 ? "CSV on stdout" : "\(rows.count) rows: \(r.stdout.prefix(80))" },
                "--seed": { _, stated in got == expected ? "the run's evaluation noise" : "\(got) vs the evaluation noise's \(expected)" },
            ]
        case "report":
            let dir = try folder("grammar-report")
            let r = try SaddleBinary.run(["report", try runs.get().run], directory: dir)
            let written = try FileManager.default.contentsOfDirectory(atPath: dir)
            return ["--out": { _, _ in r.status == 0 && written == ["report.html"] ? "report.html" : "\(written): \(r.stderr)" }]
        case "bench":
            let fingerprint = ["bench", "--fingerprint-steps", "2", "--threads", "1", "--json"]
            let rows = (try JSONSerialization.jsonObject(with: Data(try SaddleBinary.run(fingerprint).stdout.utf8)) as? [[String: Any]]) ?? []
            let machine = (try JSONSerialization.jsonObject(with: Data(try SaddleBinary.run(["bench", "--machine", "--json"]).stdout.utf8)) as? [[String: Any]]) ?? []
            let library = Benchmark(workloads: [], threadCounts: [1])
            return [
                "--workload": { _, _ in rows.compactMap { $0["workload"] as? String }.joined(separator: ", ") },
                "--threads": { _, stated in "1 and all cores, " + machine.compactMap { $0["threads"] as? Int }.map(String.init).joined(separator: ",") + " here" },
                "--seed": { _, s in try equivalent(fingerprint, "--seed", s) ? s : "not \(s)" },
                "--shards": { _, s in try equivalent(fingerprint, "--shards", s) ? s : "not \(s)" },
                // Timing settings: the command hands them to the library's Benchmark, whose defaults these are.
                "--repetitions": { _, _ in "\(library.repetitions)" },
                "--iterations": { _, _ in "\(library.iterations)" },
                "--warmup": { _, _ in "\(library.warmup)" },
            ]
        case "reproduce asymmetric", "reproduce srfb", "reproduce mixed-nash":
            // A file where the default folder would be: the study refuses it by name, before computing.
            let study = c.path[1]
            func folder(quick: Bool) throws -> String {
                let dir = try Self.folder("grammar-\(study)")
                let name = "runs/reproduce-\(study)" + (quick && study != "mixed-nash" ? "-quick" : "")
                try FileManager.default.createDirectory(atPath: dir + "/runs", withIntermediateDirectories: true)
                try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
                let r = try SaddleBinary.run(["reproduce", study] + (quick ? ["--quick"] : []), directory: dir)
                return r.stderr.hasPrefix("Error: --out \(name): exists and is not a folder") ? name : r.stderr
            }
            let (full, quick) = (try folder(quick: false), try folder(quick: true))
            var table: [String: (String?, String) throws -> String] = [
                "--out": { _, stated in study == "mixed-nash" ? full : "\(full), or \(quick) with --quick" },
            ]
            // Passed to the study unchanged: the library's defaults.
            if study == "srfb" {
                table["--seed"] = { _, _ in "\(SRFBStudyConfiguration.full.seed)" }
                table["--data-file"] = { _, _ in SRFBGANClaim.study(quick: false).dataFile }
            }
            if study == "mixed-nash" {
                table["--data-file"] = { _, _ in MixedNashStudy.full.dataFile }
                // Without --task-count a study is one task: it needs no --resume, as with
                // --task-count 1 and unlike --task-count 2 (all refused before any training).
                table["--task-count"] = { _, stated in
                    let file = try Self.folder("grammar-mixed-nash-tasks") + "/not-a-folder"
                    try Data("x".utf8).write(to: URL(fileURLWithPath: file))
                    func error(_ extra: [String]) throws -> String { try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--out", file] + extra).stderr }
                    let (plain, one, two) = (try error([]), try error(["--task-count", "1"]), try error(["--task-count", "2"]))
                    return plain == one && plain != two ? stated : "not 1: '\(plain)' '\(one)' '\(two)'"
                }
                // Without --task-index a task of an array is task 0 (its last line names it): a
                // 100-gradient --quick study, whose first pass trains task 0's 6 tuning runs.
                table["--task-index"] = { _, stated in
                    let out = try Self.folder("grammar-mixed-nash-task") + "/study"
                    let r = try SaddleBinary.run(["reproduce", "mixed-nash", "--quick", "--budget", "100", "--out", out, "--resume", "--task-count", "2"])
                    return r.status == 0 && r.stdout.hasPrefix("task 0 of 2: trained 6 runs") ? stated : "\(r.stdout) \(r.stderr)"
                }
            }
            return table
        default: return [:]
        }
    }

    static func trainChecks() throws -> [String: (String?, String) throws -> String] {
        let dry = try SaddleBinary.run(["train", "--dry-run"])
        let resolved = yaml(dry.stdout)
        let runs = try runs.get()
        // The dry run prints what a run writes: the short run's config.yaml, but for its iterations.
        var written = yaml(try String(contentsOfFile: runs.run + "/config.yaml", encoding: .utf8))
        written["iterations"] = resolved["iterations"]
        #expect(written == resolved, "train --dry-run and the run's config.yaml differ")
        #expect(runs.summary.contains("s on the ring; run folder"), "\(runs.summary)")
        let keys = ["--dataset": "dataset", "--data-file": "data_file", "--loss": "loss", "--method": "method", "--max-oracle-calls": "max_oracle_calls",
                    "--lookahead": "lookahead_steps", "--lookahead-alpha": "lookahead_alpha", "--sga-adjustment": "sga_adjustment",
                    "--cgd-linear-solver": "cgd_linear_solver", "--cgd-max-inner-products": "cgd_max_inner_products", "--anderson-memory": "anderson_memory",
                    "--agraal-phi": "agraal_phi", "--regularizer": "regularizer", "--regularizer-weight": "regularizer_weight", "--sgld-steps": "sgld_steps",
                    "--thermal-noise": "thermal_noise", "--damping": "damping", "--iterations": "iterations", "--batch-size": "batch_size",
                    "--seed": "seed", "--shards": "shards", "--log-every": "log_every", "--checkpoint-every": "checkpoint_every",
                    "--architecture": "architecture", "--hidden": "hidden", "--ema-decay": "ema_decay"]
        var table: [String: (String?, String) throws -> String] = keys.mapValues { key in { _, _ in resolved[key] ?? "absent" } }
        table["--step-size"] = { _, _ in resolved["generator_step_size"] == resolved["discriminator_step_size"] ? resolved["generator_step_size"] ?? "absent" : "two step sizes" }
        table["--threads"] = { _, stated in stated.replacingOccurrences(of: here(stated) + " here", with: (resolved["threads"] ?? "absent") + " here") }
        table["--out"] = { _, stated in
            let name = runs.runFolderLine
            let ok = name.hasPrefix("runs/ring-") && name.range(of: "^runs/ring-[0-9TZ:_.-]+$", options: .regularExpression) != nil && FileManager.default.fileExists(atPath: runs.run)
            return ok ? "runs/<dataset>-<UTC time>" : name
        }
        return table
    }

    static func solveChecks() throws -> [String: (String?, String) throws -> String] {
        let dir = try folder("grammar-solve")
        var count = 0
        /// config.yaml of `solve args --out DIR`.
        func config(_ args: [String]) throws -> [String: String] {
            count += 1
            let out = dir + "/\(count)"
            let r = try SaddleBinary.run(["solve"] + args + ["--out", out])
            guard r.status == 0 else { throw Failure(description: "solve \(args.joined(separator: " ")): \(r.stderr)") }
            return yaml(try String(contentsOfFile: out + "/config.yaml", encoding: .utf8))
        }
        let plain = try config([])
        let short = ["--iterations", "3"]
        func key(_ args: [String], _ k: String) throws -> String { try config(args + short)[k] ?? "absent" }
        let trajectory = try String(contentsOfFile: dir + "/1/trajectory.csv", encoding: .utf8).split(separator: "\n")
        return [
            "--game": { _, _ in plain["game"] ?? "absent" },
            "--method": { _, _ in plain["method"] ?? "absent" },
            "--iterations": { _, _ in plain["iterations"] ?? "absent" },
            "--seed": { _, _ in plain["seed"] ?? "absent" },
            "--threads": { _, stated in stated.replacingOccurrences(of: here(stated) + " here", with: (plain["threads"] ?? "absent") + " here") },
            "--tol": { _, stated in plain["tol"] == "null" ? stated : plain["tol"] ?? "absent" },
            // 0 is no budget: config.yaml records none.
            "--max-oracle-calls": { _, stated in plain["max_oracle_calls"] == "null" ? "0" : plain["max_oracle_calls"] ?? "absent" },
            "--start": { _, stated in trajectory.count > 1 && trajectory[1].hasSuffix(",2.0,0.5") ? "the game's own, e.g. 2,0.5 for bilinear" : "\(trajectory.prefix(2))" },
            "--box": { _, _ in "\(plain["box"] ?? "absent"); avi-psd: \(try key(["--game", "avi-psd", "--dimension", "4"], "box"))" },
            "--noise": { _, s in
                if let noise = plain["noise"] { return noise }
                return try equivalentSolve(["--game", "bilinear"], "--noise", s) ? s : "not \(s)"
            },
            "--batch-size": { _, _ in try key(["--game", "finite-sum-bilinear"], "batch_size") },
            "--dimension": { q, _ in
                guard let game = q else { return "no game named" }
                return try key(["--game", game] + (game == "finite-sum-bilinear" ? ["--terms", "5"] : []), "dimension")
            },
            "--loss": { _, _ in try key(["--game", "dirac-gan"], "loss") },
            "--penalty": { _, _ in try key(["--game", "dirac-gan"], "penalty") },
            "--mean": { _, _ in try key(["--game", "gaussian-location"], "mean") },
            "--generator-curvature": { _, _ in try key(["--game", "quadratic"], "generator_curvature") },
            "--discriminator-curvature": { _, _ in try key(["--game", "quadratic"], "discriminator_curvature") },
            "--coupling": { _, _ in try key(["--game", "quadratic"], "coupling") },
            "--terms": { _, _ in try key(["--game", "finite-sum-bilinear"], "terms") },
            "--consensus-weight": { _, _ in try key(["--method", "consensus-optimization"], "consensus_weight") },
            "--relaxation": { _, _ in try key(["--method", "srfb"], "relaxation") },
            "--discriminator-steps": { _, _ in try key(["--method", "alternating-gda"], "discriminator_steps") },
            "--beta1": { _, _ in try key(["--method", "adam"], "beta1") },
            "--beta2": { _, _ in try key(["--method", "adam"], "beta2") },
            "--epsilon": { _, _ in try key(["--method", "adam"], "epsilon") },
            "--decay": { _, _ in try key(["--method", "rmsprop"], "decay") },
            "--batch-schedule": { _, stated in try key(["--method", "srfb"], "batch_schedule") == "oracle default" ? stated : "another schedule" },
            "--eftp-first-step": { _, _ in plain["first_step"] ?? "absent" },
            "--optimistic-first-step": { _, _ in try key(["--method", "ogda"], "first_step") },
            "--previous-moments": { _, _ in try key(["--method", "optimistic-adam"], "previous_moments") },
            "--average": { _, _ in plain["averaging"] ?? "absent" },
            "--sgld-steps": { _, _ in try key(["--method", "mirror-gan"], "sgld_steps") },
            "--thermal-noise": { _, _ in try key(["--method", "mirror-gan"], "thermal_noise") },
            "--damping": { _, _ in try key(["--method", "mirror-gan"], "damping") },
            "--sga-adjustment": { _, _ in try key(["--method", "sga"], "sga_adjustment") },
            "--cgd-linear-solver": { _, _ in try key(["--method", "cgd"], "cgd_linear_solver") },
            "--cgd-tolerance": { _, _ in try key(["--method", "cgd"], "cgd_tolerance") },
            "--cgd-max-inner-products": { _, _ in try key(["--method", "cgd"], "cgd_max_inner_products") },
            "--anderson-memory": { _, _ in try key(["--method", "anderson-eg"], "anderson_memory") },
            "--agraal-phi": { _, _ in try key(["--method", "agraal"], "agraal_phi") },
            "--lookahead": { _, _ in plain["lookahead"] == "none" ? "0" : plain["lookahead"] ?? "absent" },
            "--lookahead-alpha": { _, _ in try key(["--lookahead", "2"], "lookahead").replacingOccurrences(of: "k=2,alpha=", with: "") },
            "--ema-decay": { _, _ in try key(["--average", "ema"], "averaging").replacingOccurrences(of: "ema(", with: "").replacingOccurrences(of: ")", with: "") },
        ]
    }

    static func equivalentSolve(_ args: [String], _ flag: String, _ value: String) throws -> Bool {
        try equivalent(["solve"] + args + ["--iterations", "20", "--json"], flag, value, drop: ["solve_seconds"])
    }

    static func analyzeChecks() throws -> [String: (String?, String) throws -> String] {
        // Each default against the same analysis with the flag given its stated value.
        func check(_ args: [String], _ flag: String) -> (String?, String) throws -> String {
            { q, stated in
                var value = stated
                if flag == "--threads" { value = here(stated) }
                if flag == "--dimension", let game = q { return try equivalent(["analyze", "--game", game, "--eftp-iterations", "10", "--json"], flag, value) ? stated : "not \(value) for \(game)" }
                if flag == "--box" {
                    // none (0) on bilinear; 1 on avi-psd
                    let none = try equivalent(["analyze", "--eftp-iterations", "10", "--json"], "--box", "0")
                    let avi = try equivalent(["analyze", "--game", "avi-psd", "--dimension", "4", "--eftp-iterations", "10", "--json"], "--box", "1")
                    return none && avi ? stated : "not none / 1.0"
                }
                return try equivalent(["analyze"] + args + ["--json"], flag, value) ? stated : "not \(value)"
            }
        }
        let matrix = ["--game", "bilinear-matrix", "--dimension", "41", "--eftp-iterations", "50"]
        let neural = ["--neural-gan", "ring", "--eftp-iterations", "0", "--lanczos-steps", "5"]
        let runs = try runs.get()
        let tiny = ["--checkpoint", runs.tinyCheckpoint, "--eftp-iterations", "0", "--lanczos-steps", "5", "--dense-limit", "0"]
        let tinyBatch = "8"
        // A random PSD operator of n = 300: Lanczos runs its whole budget (no breakdown).
        let matrixRun = try json(try SaddleBinary.run(["analyze", "--game", "avi-psd", "--dimension", "300", "--json"]).stdout)
        let neuralRun = try json(try SaddleBinary.run(["analyze"] + neural + ["--r1", "0.1", "--json"]).stdout)
        let network = neuralRun["sizes"] as? [String: Int] ?? [:]
        let expectation = (((neuralRun["regularizers"] as? [[String: Any]])?.first?["gramian"] as? [String: Any])?["expectation"] as? String) ?? ""
        let neuralBatch = expectation.range(of: "batch of [0-9]+ samples", options: .regularExpression).map { expectation[$0].split(separator: " ")[2] }.map(String.init) ?? expectation
        return [
            "--game": check(["--eftp-iterations", "10"], "--game"),
            "--dimension": check([], "--dimension"),
            "--start": { _, stated in try equivalent(["analyze", "--eftp-iterations", "10", "--json"], "--start", "2,0.5") ? stated : "not 2,0.5" },
            // The equilibrium when known (θφ's is 0, 0); a game without one is measured at its start.
            "--point": { _, stated in
                let point = try json(try SaddleBinary.run(["analyze", "--eftp-iterations", "0", "--json"]).stdout)["point"] as? [Double]
                return try point == [0, 0] && equivalent(["analyze", "--eftp-iterations", "10", "--json"], "--point", "0,0") ? stated : "\(point ?? [])"
            },
            "--box": check(["--eftp-iterations", "10"], "--box"),
            "--loss": check(["--game", "dirac-gan", "--eftp-iterations", "10"], "--loss"),
            "--penalty": check(["--game", "dirac-gan", "--eftp-iterations", "10"], "--penalty"),
            "--mean": check(["--game", "gaussian-location", "--eftp-iterations", "10"], "--mean"),
            "--generator-curvature": check(["--game", "quadratic", "--eftp-iterations", "10"], "--generator-curvature"),
            "--discriminator-curvature": check(["--game", "quadratic", "--eftp-iterations", "10"], "--discriminator-curvature"),
            "--coupling": check(["--game", "quadratic", "--eftp-iterations", "10"], "--coupling"),
            "--terms": check(["--game", "finite-sum-bilinear", "--dimension", "3", "--eftp-iterations", "10"], "--terms"),
            "--noise": check(["--eftp-iterations", "10"], "--noise"),
            "--batch-size": check(["--game", "finite-sum-bilinear", "--dimension", "3", "--eftp-iterations", "10"], "--batch-size"),
            "--real-weight": check(["--game", "gaussian-location", "--sgp", "0.5", "--eftp-iterations", "10"], "--real-weight"),
            "--fake-weight": check(["--game", "gaussian-location", "--sgp", "0.5", "--eftp-iterations", "10"], "--fake-weight"),
            // The MLP GAN's sizes: G latent·h + h + 2h + 2 parameters, D 2h + h + h + 1.
            "--hidden": { _, _ in "\(((network["discriminator"] ?? 0) - 1) / 4)" },
            "--latent": { _, _ in
                let h = ((network["discriminator"] ?? 0) - 1) / 4
                return "\(h > 0 ? ((network["generator"] ?? 0) - 3 * h - 2) / h : -1)"
            },
            "--neural-batch": { _, _ in neuralBatch },
            // Dense spectra at n = 200, none at n = 201: the limit is 200.
            "--dense-limit": { _, _ in
                func dense(_ n: Int) throws -> Bool {
                    try json(try SaddleBinary.run(["analyze", "--game", "avi-psd", "--dimension", "\(n)", "--eftp-iterations", "0", "--lanczos-steps", "2", "--json"]).stdout)["eigenvalues"] != nil
                }
                return try dense(200) && !dense(201) ? "200" : "not 200"
            },
            // The JSON counts the Lanczos vectors used, and EFTP's iterations.
            "--lanczos-steps": { _, _ in "\(matrixRun["lanczos_steps"] ?? "absent")" },
            "--eftp-iterations": { _, _ in "\((matrixRun["eftp"] as? [String: Any])?["iterations"] ?? "absent")" },
            "--seed": check(matrix, "--seed"),
            "--threads": check(matrix, "--threads"),
            "--checkpoint-batch": { _, stated in
                let same = try equivalent(["analyze"] + tiny + ["--json"], "--checkpoint-batch", tinyBatch)
                return stated == "the run's batch_size" && same ? stated : "not the run's batch_size (\(tinyBatch))"
            },
        ]
    }

    @Test(arguments: commands)
    func everyStatedDefaultIsTheOneUsed(_ c: Command) throws {
        let stated = try Self.statedDefaults(c)
        let checks = try Self.checks(c)
        for (flag, qualifier, value) in stated {
            guard let check = checks[flag] else {
                Issue.record("saddle \(c) \(flag) states (default: \(value)), which this test does not check: add a check")
                continue
            }
            let used = try check(qualifier, value)
            #expect(Self.same(value, used), "saddle \(c) \(flag)\(qualifier.map { " (\($0))" } ?? ""): help says (default: \(value)), the command uses \(used)")
        }
        // A check for a flag that states no default is stale.
        for flag in checks.keys where !stated.contains(where: { $0.flag == flag }) {
            Issue.record("saddle \(c) \(flag): checked here, but its help states no default")
        }
    }

    // MARK: What the studies' help states

    /// `reproduce srfb --help` stated fixed batches of 8, 16, 32 and σ = 1 while the study ran 32,
    /// 64, 128 and σ = 0.1: its numbers now come from the study's configuration, and each is there.
    @Test func studyHelpStatesWhatRuns() throws {
        func discussion(_ study: String) throws -> String {
            let r = try SaddleBinary.run(["reproduce", study, "--help"])
            return r.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
        }
        let srfb = try discussion("srfb")
        let full = SRFBStudyConfiguration.full, quick = SRFBStudyConfiguration.quick
        let fixed = full.batchMultiples.map { "\(full.fixedBatch * $0)" }.joined(separator: ", ")
        for text in ["fixed N = \(fixed)", "averaged SRFB (N = \(full.fixedBatch))", "σ = \(full.noiseLevel)", "n = \(full.terms) terms", "d = \(full.dimension)",
                     "1,000,000,000 samples", "\(full.fixedIterations == 4000 ? "4,000" : "?") iterations", "--quick: 50,000,000 samples, 1,500 iterations",
                     "tuning on seeds 100, 101, evaluation on seeds 0, 1, 2, 3, 4, 4,000 gradients per run",
                     "tuning on seed 100, evaluation on seeds 0, 1, 2, 400 gradients per run",
                     "λ ∈ {0.01, 0.02, 0.05, 0.1, 0.2, 0.3}", "multiplicative noise (σ = \(full.multiplicativeNoiseLevel))"] {
            #expect(srfb.contains(text), "reproduce srfb --help lacks '\(text)'")
        }
        #expect(quick.sampleBudget == 50_000_000 && quick.fixedIterations == 1500 && full.sampleBudget == 1_000_000_000)
        let g = (SRFBGANClaim.study(quick: false), SRFBGANClaim.study(quick: true))
        #expect(g.0.comparison.evaluationSeeds == [0, 1, 2, 3, 4] && g.0.comparison.tuningSeeds == [100, 101] && g.0.budget == 4000)
        #expect(g.1.comparison.evaluationSeeds == [0, 1, 2] && g.1.comparison.tuningSeeds == [100] && g.1.budget == 400)
        #expect(!srfb.contains("N = 8"))
        let asym = try discussion("asymmetric")
        #expect(asym.contains("Full grid: γ ∈ {0.1, 0.5, 1}, α ∈ {0.1, 0.3}, 3,000 iterations per run; --quick: γ = 0.5, α = 0.3, 1,500 iterations"), "\(asym)")
        #expect(AsymmetricStudy.Configuration.full.iterations == 3000 && AsymmetricStudy.Configuration.quick.gammas == [0.5])
        let nash = try discussion("mixed-nash")
        for text in ["for ring 10,000 and 40,000, grid 10,000 and 40,000, MNIST 10,000 minibatch gradients", "tuning seeds 100, 101",
                     "evaluation seeds 0–9", "--quick: the ring, WGAN-GP only, 2 settings per method, tuning seed 100, evaluation seeds 0–2, ring 1,000 and 2,000 gradients"] {
            #expect(nash.contains(text), "reproduce mixed-nash --help lacks '\(text)': \(nash)")
        }
        #expect(MixedNashStudy.full.budgets == ["ring": [10_000, 40_000], "grid": [10_000, 40_000], "mnist": [10_000]]
                && MixedNashStudy.quick.budgets == ["ring": [1_000, 2_000]])
        #expect(MixedNashStudy.full.comparisonProtocol.tuningSeeds == [100, 101] && MixedNashStudy.quick.comparisonProtocol.evaluationSeeds == [0, 1, 2])
    }

    // MARK: The progress bar

    static let scriptAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")

    /// On a terminal (a pseudo-terminal from util-linux `script`), the bar shows the metrics of the
    /// last iterate's generator and of the EMA generator, and never wraps: at 80 columns it fits.
    @Test(.enabled(if: scriptAvailable, "util-linux script is missing")) func progressBarShowsLastAndEMA() throws {
        let dir = try makeScratchFolder("grammar-bar")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for columns in [80, 160] {
            let command = "stty cols \(columns); '\(SaddleBinary.url.path)' train --iterations 100 --log-every 50 --out '\(dir)/\(columns)'"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qfec", command, "/dev/null"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            // A terminal ends lines with CR LF, which Swift counts as one character: make them LF.
            let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            let bars = text.components(separatedBy: "\r").map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }.filter { $0.contains("it/s") && $0.contains("█") }
            let last = try #require(bars.last { $0.contains("100/100") }, "no bar at iteration 100 in \(text.suffix(400))")
            let line = last.split(separator: "\n").first.map(String.init) ?? last
            #expect(line.contains("  last ") && line.contains("  EMA ") && line.count <= columns, "\(columns) columns: '\(line)' (\(line.count))")
            if columns == 160 { #expect(line.contains("L_G") && line.contains("last modes"), "'\(line)'") }
        }
    }
}
