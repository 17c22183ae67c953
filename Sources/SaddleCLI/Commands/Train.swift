import ArgumentParser
import Foundation
import Saddle

/// The 2-D mixtures `saddle train` knows.
enum MixtureDataset: String, CaseIterable, ExpressibleByArgument {
    case ring, grid
}

/// The named configs of `--preset`.
enum TrainPreset: String, CaseIterable, ExpressibleByArgument {
    case ring, grid
}

/// `saddle train`: a GAN on a 2-D mixture, trained as a game, into a run folder with checkpoints.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GAN on a 2-D Gaussian mixture as a two-player game.",
        discussion: """
        With no arguments: the ring of 8 Gaussians (radius 2, std 0.02), G 64→128→128→2 (ReLU), \
        D 2→128→128→1 (LeakyReLU 0.2), non-saturating losses, the discriminator-only R1 penalty \
        (γ/2)·E‖∇x D(x)‖² with γ = 0.1, and Past-Extra-Adam (EFTP whose half-steps are Adam steps; \
        α = 2e-3, β = (0.5, 0.9)) for 10,000 iterations of batch 256.

        At the end it scores 2,500 samples of the last generator and of its exponential moving \
        average (SPEC §6): modes covered, % high-quality samples (within 3 std of the nearest \
        mode), KL of the nearest-mode histogram to uniform, and the smallest mode's share of the \
        high-quality samples against the fair share.

        Every run writes a run folder (--out; default runs/<dataset>-<UTC time>): config.yaml (the \
        resolved configuration; --config reads the same keys), metrics.jsonl, summary.json and \
        safetensors checkpoints in checkpoints/. Settings apply in this order: defaults, --preset, \
        --config, flags. --resume RUN_DIR continues a run from its latest checkpoint, bit for bit.

        Examples:
          saddle train
          saddle train --preset grid --out runs/grid
          saddle train --config my.yaml --time-limit 60 --out runs/a
          saddle train --resume runs/a
        """)

    @Option(help: "Data set: ring (8 Gaussians, radius 2, std 0.02) or grid (25 Gaussians on {−4,…,4}², std 0.05). Default ring.")
    var dataset: MixtureDataset?
    @Option(parsing: .unconditional, help: "Iterations (one minibatch gradient of both players each). Default 10000; with --resume, the new total.")
    var iterations: Int?
    @Option(parsing: .unconditional, help: "Minibatch size. Default 256.")
    var batchSize: Int?
    @Option(parsing: .unconditional, help: "Adam step size α of both players. Default 0.002.")
    var stepSize: Double?
    @Option(parsing: .unconditional, help: "γ of the discriminator-only R1 penalty (γ/2)·E‖∇x D(x)‖²; 0 turns it off. Default 0.1.")
    var r1Weight: Double?
    @Option(parsing: .unconditional, help: "Seed of initialization, minibatches and evaluation. Default 0.")
    var seed: UInt64?
    @Option(parsing: .unconditional, help: "Log losses and metrics (stderr, metrics.jsonl) every this many iterations. Default 500.")
    var logEvery: Int?
    @Option(parsing: .unconditional, help: "Checkpoint every this many iterations (0: only at the end). Default 1000.")
    var checkpointEvery: Int?
    @Option(help: "A named configuration: \(TrainPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: TrainPreset?
    @Option(help: "A YAML config file (the keys of config.yaml in a run folder).")
    var config: String?
    @Option(help: "The run folder. Default runs/<dataset>-<UTC time>.")
    var out: String?
    @Flag(help: "Overwrite an existing run folder given by --out.")
    var force = false
    @Option(help: "Continue the run in this folder from its latest checkpoint.")
    var resume: String?
    @Option(parsing: .unconditional, help: "Stop cleanly, with a checkpoint, after this many seconds of training.")
    var timeLimit: Double?
    @OptionGroup var compute: ComputeOptions
    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if let v = logEvery, v < 1 { throw ValidationError("--log-every must be at least 1, got \(v)") }
        if let v = stepSize, !(v > 0 && v.isFinite) { throw ValidationError("--step-size must be positive, got \(v)") }
        if let v = r1Weight, !(v >= 0 && v.isFinite) { throw ValidationError("--r1-weight must be non-negative, got \(v)") }
        if let v = iterations, v < 1 { throw ValidationError("--iterations must be at least 1, got \(v)") }
        if let v = batchSize, v < 1 { throw ValidationError("--batch-size must be at least 1, got \(v)") }
        if let v = checkpointEvery, v < 0 { throw ValidationError("--checkpoint-every must be at least 0, got \(v)") }
        if let v = timeLimit, !(v > 0 && v.isFinite) { throw ValidationError("--time-limit must be positive, got \(v)") }
        if resume != nil {
            let fixed: [(String, Bool)] = [("--dataset", dataset != nil), ("--batch-size", batchSize != nil), ("--step-size", stepSize != nil),
                                           ("--r1-weight", r1Weight != nil), ("--seed", seed != nil), ("--preset", preset != nil),
                                           ("--config", config != nil), ("--out", out != nil), ("--force", force), ("--threads", compute.threads != nil)]
            if let bad = fixed.first(where: { $0.1 }) {
                throw ValidationError("\(bad.0) cannot be combined with --resume: a resumed run keeps its config.yaml (only --iterations, --time-limit, --log-every and --checkpoint-every may change)")
            }
        }
    }

    /// The configuration: defaults, then preset, then config file, then flags.
    func resolve() throws -> MixtureTrainingConfiguration {
        var c = MixtureTrainingConfiguration()
        c.threads = BLAS.availableCores
        if let p = preset { try c.apply(yaml: MixtureTrainingConfiguration.presets[p.rawValue]!, file: "preset \(p.rawValue)") }
        if let f = config { try c.apply(configFile: f) }
        if let v = dataset { c.dataset = v.rawValue }
        if let v = iterations { c.iterations = v }
        if let v = batchSize { c.batchSize = v }
        if let v = stepSize { c.generatorStepSize = v; c.discriminatorStepSize = v }
        if let v = r1Weight { c.r1Weight = v }
        if let v = seed { c.seed = v }
        if let v = logEvery { c.logEvery = v }
        if let v = checkpointEvery { c.checkpointEvery = v }
        if let v = compute.threads { c.threads = v }
        return c
    }

    func run() throws {
        do { try train() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
            // Input and run errors are one line on stderr (no usage text) and exit status 1;
            // divergence exits with 2.
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            if case RunError.diverged = error { throw ExitCode(2) }
            throw ExitCode.failure
        }
    }

    func train() throws {
        var c: MixtureTrainingConfiguration
        let dir: RunDirectory
        if let r = resume {
            dir = try RunDirectory(existing: r)
            c = try dir.readConfiguration()
            if let v = iterations { c.iterations = v }
            if let v = logEvery { c.logEvery = v }
            if let v = checkpointEvery { c.checkpointEvery = v }
        } else {
            c = try resolve()
            try c.validate()
            dir = try RunDirectory(creating: out, defaultPrefix: c.dataset, force: force)
        }
        let training = try MixtureTraining(c)
        try dir.writeConfiguration(c.yaml)
        FileHandle.standardError.write(Data("run folder: \(dir.path)\n".utf8))
        let started = Date()
        var firstIteration: Int?
        let session = TrainingSession(runDirectory: dir, timeLimit: timeLimit) { r in
            if firstIteration == nil { firstIteration = r.iteration - c.logEvery }
            let done = Double(r.iteration - (firstIteration ?? 0))
            let rate = done / max(Date().timeIntervalSince(started), 1e-9)
            let eta = Double(c.iterations - r.iteration) / rate
            let line = String(format: "iteration %6d/%d  %6.0f it/s  ETA %4.0f s  L_G %.4f  L_D %.4f  ‖F‖ %.3g  modes %d/%d  HQ %.1f %%\n",
                              r.iteration, c.iterations, rate, eta, r.lossGenerator, r.lossDiscriminator, r.fieldNorm,
                              r.last.modesCovered, r.last.modes, r.last.highQualityPercent)
            FileHandle.standardError.write(Data(line.utf8))
        }
        let summary = try training.run(session, resume: resume != nil)
        if summary.exitStatus == "time-limit" {
            FileHandle.standardError.write(Data("stopped at the time limit after iteration \(summary.iterations); continue with: saddle train --resume \(dir.path)\n".utf8))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("trained \(summary.iterations) iterations (\(Int(summary.oracleCalls)) oracle calls) in \(String(format: "%.1f", summary.wallSeconds)) s on the \(c.dataset); run folder \(dir.path)")
        print("generator  modes covered  high quality  KL to uniform  smallest mode's share (fair)")
        for (name, m) in [("last", summary.last), ("EMA", summary.ema)] {
            func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + column("\(m.modesCovered) / \(m.modes)", 15) + column(String(format: "%.1f %%", m.highQualityPercent), 14)
                  + column(String(format: "%.3f", m.klToUniform), 15)
                  + column(String(format: "%.3f (%.3f)", m.smallestModeShare, m.fairShare), 30))
        }
    }
}
