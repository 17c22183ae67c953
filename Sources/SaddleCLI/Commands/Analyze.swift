import ArgumentParser
import Foundation
import Saddle

/// What `saddle analyze`'s shared options say.
enum AnalyzeHelp: SharedOptionsHelp {
    static let seed = "Seed of random games and of the MLP GAN's weights and evaluation batch. (default: 0)"
    static let json = "Print the analysis as one JSON object (eigenvalues as {re, im})."
    static var threads: String {
        "OpenBLAS's threads for the Jacobian products and spectra; results may differ in rounding between counts. (default: all cores, \(BLAS.availableCores) here)"
    }
}

/// `saddle analyze`: the constants of a game's operator at a point, paper 1's calculator, and EFTP's
/// observed rate beside the prediction (SPEC §4, §8).
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator constants, spectra and the recommended step size of a game, regularized or not.",
        discussion: """
        J = ∂F/∂ω at the point (default: the equilibrium when known, else the start): J and its \
        eigenvalues and those of sym(J) by LAPACK (n ≤ --dense-limit), L = σmax(J) by power iteration on \
        JᵀJ, μ, μθ, μφ by Lanczos on sym(J) and its blocks, each regularizer's κ and λ0 (the SGP \
        Gauss–Newton Gramian's smallest non-null eigenvalue, with its null space). Paper 1's calculator: \
        L = L0 + Σγκ, μ ≥ min{μθ, μφ + γλ0}, EFTP step 1/(4L), predicted squared-distance factor \
        1 − μ/(4L); with μθ = 0 it says no rate is guaranteed. Then EFTP runs at that step from the \
        game's start and SPEC §2's observed rate is printed beside the prediction.
        --neural-gan ring|grid analyzes a small Float64 MLP GAN instead (Jacobian products by autodiff; \
        the SGP Gramian's null space is named).
        Penalties use the (γ/2) convention: (γ/2)‖φ‖², (γ/2)E‖∇x D‖²; code using γE‖∇x D‖² has half our γ.
        """)

    @OptionGroup var gameOptions: SolveGameOptions
    @OptionGroup var regularizerOptions: AnalyzeRegularizerOptions
    @OptionGroup var neuralOptions: AnalyzeNeuralOptions

    @Option(parsing: .unconditional, help: "The point ω as comma-separated values, θ first then φ (default: the equilibrium, else the start).")
    var point: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Form the full Jacobian and its LAPACK spectra when n ≤ this.", valueName: "n"))
    var denseLimit = AnalysisOptions().denseLimit

    @Option(parsing: .unconditional, help: ArgumentHelp("Lanczos vectors for μ, μθ, μφ (≥ 1; exact when ≥ n).", valueName: "n"))
    var lanczosSteps = AnalysisOptions().lanczosSteps

    @Option(parsing: .unconditional, help: ArgumentHelp("EFTP iterations for the observed rate (0 skips the run).", valueName: "n"))
    var eftpIterations = AnalysisOptions().eftpIterations

    @OptionGroup var seedOption: SeedOption<AnalyzeHelp>
    var seed: UInt64 { seedOption.seed ?? 0 }

    @Option(help: "Analyze the GAN of a `saddle train` checkpoint at its point (Float64 copy of its game; matrix-free unless small).")
    var checkpoint: String?
    @Flag(help: "With --checkpoint: analyze at the EMA generator's parameters instead of the last iterate's.")
    var ema = false
    @Option(parsing: .unconditional, help: ArgumentHelp("With --checkpoint: the batch F is averaged over. (default: the run's batch_size)", valueName: "n"))
    var checkpointBatch: Int?

    @OptionGroup var jsonOption: JSONOption<AnalyzeHelp>
    var json: Bool { jsonOption.json }

    @OptionGroup var compute: ThreadOptions<AnalyzeHelp>

    func validate() throws {
        if denseLimit < 0 { throw ValidationError("--dense-limit must be ≥ 0, got \(denseLimit)") }
        if lanczosSteps < 1 { throw ValidationError("--lanczos-steps must be at least 1, got \(lanczosSteps)") }
        if eftpIterations < 0 { throw ValidationError("--eftp-iterations must be ≥ 0, got \(eftpIterations)") }
        try gameOptions.validateRanges()
        if checkpoint != nil {
            if neuralOptions.neuralGan != nil || point != nil || regularizerOptions.any {
                throw ValidationError("--checkpoint analyzes the run's own game at its point: drop --neural-gan, --point and the regularizer flags")
            }
            if let b = checkpointBatch, b < 1 || b > TrainingConfiguration.maximumBatchSize {
                throw ValidationError("--checkpoint-batch must lie in 1…\(TrainingConfiguration.maximumBatchSize), got \(b)")
            }
        }
    }

    /// One warning line for each flag given that what is analyzed does not read.
    func warnIgnoredFlags() {
        if checkpoint != nil { gameOptions.warnIgnored(instead: "--checkpoint") }
        else if let n = neuralOptions.neuralGan { gameOptions.warnIgnored(instead: "--neural-gan \(n.rawValue)") }
        else { gameOptions.warnIgnored() }
        if neuralOptions.neuralGan == nil {
            for (flag, given) in [("--hidden", neuralOptions.hidden != nil), ("--latent", neuralOptions.latent != nil), ("--neural-batch", neuralOptions.neuralBatch != nil)] where given {
                warnIgnored(flag, by: checkpoint != nil ? "--checkpoint (the run's own networks)" : "--game \(gameOptions.game.rawValue)", usedBy: "--neural-gan")
            }
        }
        regularizerOptions.warnIgnoredWeights()
        if checkpoint == nil {
            for (flag, given) in [("--ema", ema), ("--checkpoint-batch", checkpointBatch != nil)] where given {
                warnIgnored(flag, by: "an analysis without --checkpoint", usedBy: "--checkpoint")
            }
        }
    }

    func run() throws {
        compute.apply { "OpenBLAS runs \($0) threads on them" }
        warnIgnoredFlags()
        if let path = checkpoint { return try analyzeCheckpoint(path) }
        let problem: any VariationalInequality = try neuralOptions.make(seed: seed) ?? gameOptions.make(seed: seed).problem
        let regularizers = try regularizerOptions.make()
        let analyzed: any VariationalInequality
        if regularizers.isEmpty {
            analyzed = problem
        } else {
            guard let game = problem as? any Game else {
                throw ValidationError("--game \(gameOptions.game.rawValue) is a variational inequality, not a game; regularizers need players' losses")
            }
            analyzed = try Regularized(game, by: regularizers)
        }
        var options = AnalysisOptions()
        options.denseLimit = denseLimit
        options.lanczosSteps = lanczosSteps
        options.eftpIterations = eftpIterations
        options.eftpStart = try gameOptions.startPoint(problem.sizes)
        let omega = try parsePoint(problem.sizes)
        try checkMemory(problem.sizes)
        let analysis = try OperatorAnalysis.analyze(analyzed, at: omega, options: options)
        print(json ? try AnalyzeOutput.json(analysis) : AnalyzeOutput.text(analysis))
    }

    /// `--checkpoint`: the run's game in Float64 at the checkpoint's ω (or its EMA generator).
    func analyzeCheckpoint(_ path: String) throws {
        let regularizerFlags = try regularizerOptions.make()
        if neuralOptions.neuralGan != nil || point != nil || !regularizerFlags.isEmpty {
            throw ValidationError("--checkpoint analyzes the run's own game at its point: drop --neural-gan, --point and the regularizer flags")
        }
        if let b = checkpointBatch, b < 1 || b > TrainingConfiguration.maximumBatchSize {
            throw ValidationError("--checkpoint-batch must lie in 1…\(TrainingConfiguration.maximumBatchSize), got \(b)")
        }
        let restored: (training: GANTraining, state: GANTraining.State) = try loadCheckpoint(path, dataFile: nil)
        let game = try restored.training.float64Game(batchSize: checkpointBatch)
        var omega = restored.state.omega.converted(to: .float64)
        if ema { omega.withBlock(.generator) { $0.copy(from: restored.state.ema.converted(to: .float64)) } }
        var options = AnalysisOptions()
        options.denseLimit = denseLimit
        options.lanczosSteps = lanczosSteps
        options.eftpIterations = eftpIterations
        options.eftpStart = omega
        try checkMemory(game.sizes)
        let analysis = try OperatorAnalysis.analyze(game, at: omega, options: options)
        print(json ? try AnalyzeOutput.json(analysis) : AnalyzeOutput.text(analysis))
    }

    /// The dense Jacobian and its LAPACK workspaces (n ≤ --dense-limit: about six n × n Float64
    /// matrices) and the Lanczos basis (--lanczos-steps vectors of n), checked before they exist.
    func checkMemory(_ sizes: PerPlayer<Int>) throws {
        let n = Double(sizes.generator + sizes.discriminator)
        let dense = sizes.generator + sizes.discriminator <= denseLimit ? 6 * n * n * 8 : 0
        do { try MemoryBudget.require(dense + Double(min(lanczosSteps, Int(n) + 1)) * n * 8 * 2, for: "analyzing n = \(Int(n)) (--dense-limit \(denseLimit), --lanczos-steps \(lanczosSteps))") } catch {
            throw CLIError("\(error)")
        }
    }

    func parsePoint(_ sizes: PerPlayer<Int>) throws -> BlockVector? {
        guard let p = point else { return nil }
        let values = p.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        let n = sizes.generator + sizes.discriminator
        guard values.count == n, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw ValidationError("--point needs \(n) comma-separated finite numbers (θ then φ), got '\(p)'")
        }
        let v = values.map { $0! }
        return BlockVector(generator: Array(v[0..<sizes.generator]), discriminator: Array(v[sizes.generator...]))
    }
}
