import ArgumentParser
import Foundation
import Saddle

/// What `saddle bench`'s shared options say.
enum BenchHelp: SharedOptionsHelp {
    static let seed = "Seed of the networks' initialization and of the fixed data and noise batches. (default: \(Bench.defaults.seed))"
    static let json = "Print results as JSON (an array with one object per workload and thread count)."
}

/// `saddle bench`: SPEC §7's workloads, timed at several thread counts.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time SPEC §7's workloads (W1, W1-R1, W2, W3, W4, W5, W6) at 1 and 2 threads.",
        discussion: """
        Each workload runs `--repetitions` blocks of `--iterations` steps after `--warmup` steps; \
        blocks of different thread counts and workloads are interleaved. Reported: median, min \
        and max over blocks of the time per iteration (µs), matrix-product MFLOP per iteration \
        (counted while running) and GFLOP/s at the median; then the median CPU time of the \
        process per iteration (all its threads) and the efficiency by it: GFLOP per CPU-second \
        as a % of one thread's FMA peak — what a busy host does not hide, since a step \
        descheduled by other work spends wall time but no CPU time.

        W1 is one simultaneous GDA step of an MLP GAN (G 64→128→128→2 ReLU, D 2→128→128→1 \
        LeakyReLU 0.2, batch 512, non-saturating loss); W1-R1 adds the R1 penalty (γ = 10), a \
        double backward pass. W2 is the MNIST-sized step (G 64→256→256→784 ReLU, sigmoid out, D \
        784→256→256→1 LeakyReLU 0.2, batch 256, uniform [0, 1] images). They are saddle train's \
        own game, regularizer and solver types on the training loop, with a fixed batch (the \
        game's evaluation batch, drawn once; no sampling is timed) in 2 shards. W3 is one \
        Jacobian–vector product of W1's vector field F = (∇θ L_G, ∇φ L_D) along a fixed random \
        tangent, through the oracle. W5 is one full iteration of the default saddle train \
        (Past-Extra-Adam, R1 γ = 0.1, a fresh minibatch of 256, the EMA update; the log \
        intervals' metrics, plots and checkpoints excluded). W6 is W2's step on the DCGAN for \
        28×28 images (G dense→6272, BN, ConvT 128→64→1 4×4 stride 2; D Conv 1→64→128 4×4 stride \
        2, LeakyReLU 0.2, dense 6272→1; batch 64); W6-R1 adds R1 (γ = 10). W4-1000 and W4-4000 are one \
        extragradient iteration on a dense Float64 bilinear game of that size; their rows also give \
        the MB of A that SPEC's bound counts per iteration (two passes per oracle call) and GB/s \
        at that count; Saddle reads A once per oracle call (Aφ and Aᵀθ in one pass), so it can \
        exceed 100% of the bound. Without --workload, W1 and W1-R1 run (about ten \
        seconds); `--workload all` runs every workload.

        Before timing, the machine itself is measured at each thread count (about a second): \
        the FP32 FMA peak (independent FMA chains per thread, AVX2 or AVX-512, whichever retires more) and the streaming read \
        bandwidth of an 8 MB (cache-resident) and a 128 MB (DRAM) buffer. Rows give % of that \
        peak; W4 rows give % of the bound, the time to read A's bytes at the matching \
        bandwidth. --machine prints only these measurements.

        With --fingerprint-steps N, instead of timing, runs N steps of each workload at the first \
        thread count and prints the SHA-256 of the parameters: two runs with the same seed and \
        thread count must print the same digest.

        Examples:
          saddle bench
          saddle bench --workload all
          saddle bench --workload W2 --threads 2
          saddle bench --workload W1 --threads 2 --json
          saddle bench --workload W1 --threads 2 --fingerprint-steps 100
          saddle bench --machine
          saddle bench --blas-core
        """)

    @Option(name: .customLong("workload"), help: "Workloads to run (repeatable): \(BenchmarkWorkload.allCases.map(\.rawValue).joined(separator: ", ")), or all. (default: \(BenchmarkWorkload.defaults.map(\.rawValue).joined(separator: ", ")))")
    var workloads: [String] = []

    func selectedWorkloads() throws -> [BenchmarkWorkload] {
        if workloads.isEmpty { return BenchmarkWorkload.defaults }
        var out: [BenchmarkWorkload] = []
        for name in workloads {
            if name.lowercased() == "all" { out += BenchmarkWorkload.allCases; continue }
            guard let w = BenchmarkWorkload(rawValue: name) ?? BenchmarkWorkload.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw ValidationError("--workload must be one of \(BenchmarkWorkload.allCases.map(\.rawValue).joined(separator: ", ")) or all, got '\(name)'")
            }
            out.append(w)
        }
        var seen = Set<BenchmarkWorkload>()
        return out.filter { seen.insert($0).inserted }
    }

    @Option(parsing: .unconditional, help: ArgumentHelp("Comma-separated thread counts, each timed in turn. (default: 1 and all cores, \(Array(Set([1, BLAS.availableCores])).sorted().map(String.init).joined(separator: ",")) here)", valueName: "counts"))
    var threads: String?

    /// The library's defaults (``Benchmark``), which the help states.
    static let defaults = Benchmark(workloads: BenchmarkWorkload.defaults, threadCounts: [1])

    @Option(parsing: .unconditional, help: ArgumentHelp("Timed blocks per workload and thread count.", valueName: "n"))
    var repetitions = Bench.defaults.repetitions

    @Option(parsing: .unconditional, help: ArgumentHelp("Steps per timed block.", valueName: "n"))
    var iterations = Bench.defaults.iterations

    @Option(parsing: .unconditional, help: ArgumentHelp("Untimed steps before the first block.", valueName: "n"))
    var warmup = Bench.defaults.warmup

    @Option(parsing: .unconditional, help: ArgumentHelp("Shards S of each GAN minibatch (W1, W1-R1, W2, W3, W5, W6, W6-R1), computed on up to --threads threads; 1 to 64 and at most the batch.", valueName: "s"))
    var shards = Bench.defaults.shards
    @OptionGroup var seedOption: SeedOption<BenchHelp>
    var seed: UInt64 { seedOption.seed ?? Bench.defaults.seed }

    @Option(parsing: .unconditional, help: "Run this many steps and print a SHA-256 fingerprint of the parameters instead of timing.")
    var fingerprintSteps: Int?

    @OptionGroup var jsonOption: JSONOption<BenchHelp>
    var json: Bool { jsonOption.json }

    @Flag(help: "Only measure the machine (FMA peak; streaming read of 8 MB and 128 MB) at each thread count and print it.")
    var machine = false

    @Flag(help: "Only print the OpenBLAS kernel family this process runs (after saddle's own choice where OpenBLAS does not know the CPU; README, 'OpenBLAS') and exit.")
    var blasCore = false

    func threadCounts() throws -> [Int] {
        guard let threads else { return Array(Set([1, BLAS.availableCores])).sorted() }
        let parts = threads.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--threads must be a comma-separated list of positive integers, got '\(threads)'")
        }
        // The machine probe starts that many threads: the bound of every command's --threads.
        if let t = parts.first(where: { $0! > TrainingConfiguration.maximumThreads }) {
            throw ValidationError("--threads must be at most \(TrainingConfiguration.maximumThreads) each, got \(t!)")
        }
        return parts.map { $0! }
    }

    func validate() throws {
        for t in try threadCounts() {
            warnOversubscribed(t, "the GAN steps compute their \(shards) shards on \(min(t, shards)) threads")
        }
        if !(1...64).contains(shards) { throw ValidationError("--shards must be in 1…64, got \(shards)") }
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        if iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if warmup < 0 { throw ValidationError("--warmup must be non-negative, got \(warmup)") }
        _ = try selectedWorkloads()
        if let n = fingerprintSteps, n < 1 { throw ValidationError("--fingerprint-steps must be at least 1, got \(n)") }
    }

    func run() throws {
        if blasCore {
            print(BLAS.coreName)
            return
        }
        let selected = try selectedWorkloads()
        let counts = try threadCounts()
        if let steps = fingerprintSteps {
            var rows: [JSONValue] = []
            for w in selected {
                let step = try w.makeStep(seed: seed, threads: counts[0], shards: shards)
                for _ in 0..<steps { step.step() }
                rows.append(["workload": .string(w.rawValue), "threads": .integer(Int64(counts[0])), "steps": .integer(Int64(steps)),
                             "seed": .unsigned(UInt64(seed)), "sha256": .string(step.parameterFingerprint)])
            }
            if json {
                print(JSONValue.array(rows).text(sortedKeys: true))
            } else {
                for r in rows {
                    func v(_ k: String) -> String { if case .string(let s)? = r[k] { s } else { r[k]?.text() ?? "" } }
                    print("\(v("workload")) threads=\(v("threads")) steps=\(v("steps")) seed=\(v("seed")) sha256=\(v("sha256"))")
                }
            }
            return
        }
        let profile = MachineProfile.measure(threadCounts: counts)
        for w in profile.warnings { Console.errorRaw("warning: \(w)\n") }
        if machine {
            if json {
                print(try JSON.text(profile.rows))
            } else {
                print("threads  FMA peak GFLOP/s  read 8 MB GB/s  read 128 MB GB/s")
                for r in profile.rows {
                    print(String(format: "%7d %17.1f %15.1f %17.1f", r.threads, r.fma_peak_gflops,
                                 r.cache_read_gbytes_per_second, r.dram_read_gbytes_per_second))
                }
            }
            return
        }
        var bench = Benchmark(workloads: selected, threadCounts: counts)
        bench.repetitions = repetitions
        bench.iterations = iterations
        bench.warmup = warmup
        bench.seed = seed
        bench.shards = shards
        let results = try bench.run(machine: profile) { line in Console.errorRaw(line + "\n") }
        if json {
            print(try JSON.text(results))
            return
        }
        print("\(shards) shards; BLAS core \(BLAS.coreName); Saddle kernels: elementwise \(BLAS.kernelsUseAVX2 ? "AVX2+FMA" : "baseline"), products and convolutions \(BLAS.productsUseAVX512 ? "AVX-512" : "OpenBLAS"); \(repetitions)×\(iterations) iterations after \(warmup) warm-up")
        print("machine: " + profile.rows.map {
            String(format: "%d thread(s) FMA peak %.1f GFLOP/s, read 8 MB %.1f GB/s, 128 MB %.1f GB/s", $0.threads,
                   $0.fma_peak_gflops, $0.cache_read_gbytes_per_second, $0.dram_read_gbytes_per_second)
        }.joined(separator: "; "))
        print("workload  threads  median µs     min µs     max µs   MFLOP/it   GFLOP/s  % peak  CPU µs  % peak by CPU")
        for r in results {
            print(r.workload.padding(toLength: 8, withPad: " ", startingAt: 0)
                  + String(format: " %8d %10.0f %10.0f %10.0f %10.1f %9.1f %7.1f %7.0f %14.1f", r.threads, r.median_us, r.min_us, r.max_us,
                           r.mflop_per_iteration, r.gflops, r.percent_of_peak ?? 0, r.median_cpu_us ?? 0, r.percent_of_peak_by_cpu ?? 0)
                  + (r.gbytes_per_second.map { String(format: "   %.1f GB/s (%.0f MB/it)", $0, r.mb_per_iteration ?? 0) } ?? "")
                  + (r.percent_of_bound.map { String(format: ", %.0f%% of the bound (%.0f µs at %.1f GB/s)", $0, r.bound_us ?? 0, r.read_gbytes_per_second ?? 0) } ?? ""))
        }
    }
}
