import ArgumentParser
import Foundation
import Saddle

/// The 2-D mixtures `saddle train` knows.
enum MixtureDataset: String, CaseIterable, ExpressibleByArgument {
    case ring, grid
}

/// `saddle train`: a GAN on a 2-D mixture, trained as a game (the first version of SPEC §8's
/// command: no run folder, checkpoints or MNIST yet).
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

        Examples:
          saddle train
          saddle train --dataset grid --iterations 20000 --json
        """)

    @Option(help: "Data set: ring (8 Gaussians, radius 2, std 0.02) or grid (25 Gaussians on {−4,…,4}², std 0.05).")
    var dataset: MixtureDataset = .ring
    @Option(help: "Iterations (one minibatch gradient of both players each).")
    var iterations = MixtureTrainingConfiguration().iterations
    @Option(help: "Minibatch size.")
    var batchSize = MixtureTrainingConfiguration().batchSize
    @Option(help: "Adam step size α of both players.")
    var stepSize: Double = MixtureTrainingConfiguration().generatorStepSize
    @Option(help: "γ of the discriminator-only R1 penalty (γ/2)·E‖∇x D(x)‖²; 0 turns it off.")
    var r1Weight: Double = MixtureTrainingConfiguration().r1Weight
    @Option(help: "Seed of initialization, minibatches and evaluation.")
    var seed: UInt64 = 0
    @Option(help: "Print a progress line every this many iterations.")
    var logEvery = 500
    @OptionGroup var compute: ComputeOptions
    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if logEvery < 1 { throw ValidationError("--log-every must be at least 1, got \(logEvery)") }
        if !(stepSize > 0 && stepSize.isFinite) { throw ValidationError("--step-size must be positive, got \(stepSize)") }
        if !(r1Weight >= 0 && r1Weight.isFinite) { throw ValidationError("--r1-weight must be non-negative, got \(r1Weight)") }
        if iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        var c = MixtureTrainingConfiguration()
        c.dataset = dataset.rawValue
        c.iterations = iterations
        c.batchSize = batchSize
        c.generatorStepSize = stepSize
        c.discriminatorStepSize = stepSize
        c.r1Weight = r1Weight
        c.seed = seed
        c.threads = compute.threads ?? BLAS.availableCores
        let started = Date()
        let summary: MixtureTrainingSummary
        do {
            summary = try trainMixtureGAN(c, logEvery: logEvery) { k, losses in
                let rate = Double(k) / Date().timeIntervalSince(started)
                let eta = Double(c.iterations - k) / rate
                let line = String(format: "iteration %6d/%d  %6.0f it/s  ETA %4.0f s  L_G %.4f  L_D %.4f\n",
                                  k, c.iterations, rate, eta, losses.generator, losses.discriminator)
                FileHandle.standardError.write(Data(line.utf8))
            }
        } catch let e as RunError {
            throw ValidationError(e.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("trained \(summary.iterations) iterations (\(Int(summary.oracleCalls)) oracle calls) in \(String(format: "%.1f", summary.wallSeconds)) s on the \(dataset)")
        print("generator   modes covered   high quality   KL to uniform   smallest mode's share (fair)")
        for (name, m) in [("last", summary.last), ("EMA", summary.ema)] {
            print(String(format: "%-9@ %8d / %-5d %11.1f %% %15.3f %14.3f (%.3f)", name as NSString, m.modesCovered, m.modes,
                         m.highQualityPercent, m.klToUniform, m.smallestModeShare, m.fairShare))
        }
    }
}
