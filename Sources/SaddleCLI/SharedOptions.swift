import ArgumentParser
import Foundation
import Saddle

/// One grammar for every command: the options several commands take — `--out` (and `--force`),
/// `--seed`, `--json`, `--threads` — are declared once here, as option groups, and spelled the same
/// everywhere. Each command gives their help text through a ``SharedOptionsHelp`` type of its own,
/// so that its `--help` describes that command only.
///
/// Old spellings stay accepted, hidden from `--help` (shown by `--help-hidden`): `--output` for
/// `--out` (the `reproduce` studies), `--iters` for `--iterations` (`solve`).
protocol SharedOptionsHelp {
    /// `--out`: what is written there, and the default.
    static var out: String { get }
    /// The value's name in the usage line (`dir` or `file`).
    static var outValueName: String { get }
    /// `--force`: what it replaces.
    static var force: String { get }
    /// `--seed`: what it seeds, and the default.
    static var seed: String { get }
    /// `--json`: what the object holds.
    static var json: String { get }
    /// `--threads`: what this command runs on them, and the default.
    static var threads: String { get }
}

extension SharedOptionsHelp {
    static var out: String { "Where to write the results." }
    static var outValueName: String { "dir" }
    static var force: String { "Replace what --out holds when it exists." }
    static var seed: String { "The seed. (default: 0)" }
    static var json: String { "Print the result as one JSON object on stdout (progress and warnings go to stderr)." }
    static var threads: String { "Threads to compute with. (default: all cores, \(BLAS.availableCores) here)" }
}

/// `--out PATH`, and its old spelling `--output` (hidden).
struct OutputOptions<Help: SharedOptionsHelp>: ParsableArguments {
    @Option(name: .customLong("out"), help: ArgumentHelp(Help.out, valueName: Help.outValueName))
    var out: String?

    /// `saddle reproduce` took `--output` until the CLI grammar was unified (issue #20).
    @Option(name: .customLong("output"), help: ArgumentHelp("The old spelling of --out.", valueName: Help.outValueName, visibility: .hidden))
    var output: String?

    /// The path given (either spelling), or nil.
    var path: String? { out ?? output }

    func validate() throws {
        if out != nil && output != nil { throw ValidationError("--output is the old spelling of --out; give --out once") }
        if let p = path, p.isEmpty { throw ValidationError("--out needs a path, got an empty one") }
    }
}

/// `--force`.
struct ForceOption<Help: SharedOptionsHelp>: ParsableArguments {
    @Flag(help: ArgumentHelp(Help.force))
    var force = false
}

/// `--seed S`.
struct SeedOption<Help: SharedOptionsHelp>: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(Help.seed, valueName: "seed"))
    var seed: UInt64?
}

/// `--json`.
struct JSONOption<Help: SharedOptionsHelp>: ParsableArguments {
    @Flag(help: ArgumentHelp(Help.json))
    var json = false
}

/// `--threads N`: one count, 1 to ``TrainingConfiguration/maximumThreads``.
struct ThreadOptions<Help: SharedOptionsHelp>: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(Help.threads, valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t)") }
        if let t = threads, t > TrainingConfiguration.maximumThreads { throw ValidationError("--threads must be at most \(TrainingConfiguration.maximumThreads), got \(t)") }
    }

    /// Applies the thread count to OpenBLAS and returns it; `use` says what the command really runs
    /// with more threads than cores, for the warning.
    @discardableResult
    func apply(warning use: (Int) -> String) -> Int {
        let n = threads ?? BLAS.availableCores
        warnOversubscribed(n, use(n))
        BLAS.threads = n
        return n
    }
}

/// `--task-index I --task-count N`: this process's slice of a job array (`sbatch --array`), by
/// default from Slurm's `SLURM_ARRAY_TASK_*` variables. `saddle sweep` and `saddle reproduce
/// mixed-nash` read it; combined with R MPI ranks, rank r of task I is part I·R + r of N·R.
struct JobArrayOptions<Help: SharedOptionsHelp>: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("This job-array task's index, 0 ≤ I < --task-count. (default: from Slurm's SLURM_ARRAY_TASK_* variables, else 0)", valueName: "i"))
    var taskIndex: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("The job array's task count N. (default: SLURM_ARRAY_TASK_COUNT, else 1)", valueName: "n"))
    var taskCount: Int?

    func validate() throws {
        if let n = taskCount, n < 1 { throw ValidationError("--task-count must be at least 1, got \(n)") }
        if let i = taskIndex, i < 0 { throw ValidationError("--task-index must be at least 0, got \(i)") }
    }

    /// (index, count) of this job-array task: the flags, else Slurm's variables, else (0, 1).
    func task(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> (index: Int, count: Int) {
        func int(_ name: String) throws -> Int? {
            guard let v = env[name] else { return nil }
            guard let i = Int(v.trimmingCharacters(in: .whitespaces)) else { throw CLIError("\(name)=\(v) is not an integer") }
            return i
        }
        var index = taskIndex, count = taskCount
        if index == nil, let id = try int("SLURM_ARRAY_TASK_ID") {
            let minimum = try int("SLURM_ARRAY_TASK_MIN") ?? 0, step = try int("SLURM_ARRAY_TASK_STEP") ?? 1
            guard step >= 1 else { throw CLIError("SLURM_ARRAY_TASK_STEP=\(step) must be at least 1") }
            guard (id - minimum) % step == 0 else {
                throw CLIError("SLURM_ARRAY_TASK_ID=\(id) is not SLURM_ARRAY_TASK_MIN=\(minimum) plus a multiple of SLURM_ARRAY_TASK_STEP=\(step)")
            }
            index = (id - minimum) / step
            if count == nil {
                guard let c = try int("SLURM_ARRAY_TASK_COUNT") else { throw CLIError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give --task-count") }
                count = c
            }
        }
        let i = index ?? 0, n = count ?? 1
        guard n >= 1 else { throw CLIError("the task count is \(n); it must be at least 1") }
        guard i >= 0 && i < n else { throw CLIError("task index \(i) is outside 0..<\(n) (the task count)") }
        return (i, n)
    }
}

/// A flag given to a method or game that does not use it: one line on stderr, naming the flag and
/// what ignores it (the run goes on: the flag changes nothing).
func warnIgnored(_ flag: String, by what: String, usedBy users: String) {
    Console.error("warning: \(flag) is ignored: \(what) does not use it; it is for \(users)")
}

/// The `(default: …)` text of a number as a config file writes it.
func stated(_ x: Double) -> String { "\(x)" }

/// A number for prose: 3 rather than 3.0.
func plain(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }

/// 10000 as "10,000", for prose.
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
