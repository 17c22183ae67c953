import ArgumentParser
import Formats
import Foundation
import Saddle

/// What `saddle sample`'s shared options say.
enum SampleHelp: SharedOptionsHelp {
    static let out = "Output file: .csv, .npy or .png; an existing file needs --force. (default: CSV on stdout)"
    static let outValueName = "file"
    static let force = "Overwrite --out when it exists."
    static let seed = "Seed of the generator's noise. (default: the run's evaluation noise)"
}

/// `saddle sample CHECKPOINT --n N`: draws samples of a checkpoint's generator.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples of a checkpoint's generator (last iterate or EMA) as CSV, NPY or PNG.",
        discussion: """
        The checkpoint carries its configuration in its metadata, so a lone .safetensors file is \
        enough (MNIST checkpoints also read the data file they were trained on). Without --seed the \
        noise is the fixed evaluation noise of the run: the first N of the samples its metrics \
        score. The format comes from --out's extension: .csv (a header, one row per sample), .npy \
        (Float32 [N, width]) or .png (a scatter plot over the modes for 2-D data, an 8×8 image \
        grid for images). Without --out, CSV goes to stdout.

        Examples:
          saddle sample runs/a/checkpoints/iteration-00010000.safetensors --n 5
          saddle sample runs/a/checkpoints/iteration-00010000.safetensors --n 2500 --ema --out ema.npy
          saddle sample runs/a/checkpoints/iteration-00010000.safetensors --n 2500 --seed 1 --out samples.png
        """)

    @Argument(help: "A checkpoint written by `saddle train` (checkpoints/iteration-NNNNNNNN.safetensors).")
    var checkpoint: String
    @Option(name: .customLong("n"), parsing: .unconditional, help: "Number of samples.")
    var count: Int
    @Flag(help: "Sample the exponential moving average of the generator's parameters instead of the last iterate (batch normalization, in the DCGAN generator, then uses statistics recomputed at the EMA's weights, as training's EMA metrics do).")
    var ema = false
    @OptionGroup var output: OutputOptions<SampleHelp>
    var out: String? { output.path }
    @OptionGroup var forceOption: ForceOption<SampleHelp>
    var force: Bool { forceOption.force }
    @OptionGroup var seedOption: SeedOption<SampleHelp>
    var seed: UInt64? { seedOption.seed }
    @Option(help: "MNIST checkpoints: the data file, when it is not where the run read it (data_file of its configuration).")
    var dataFile: String?

    enum Format: String { case csv, npy, png }

    /// At most this many samples (and no more than the memory budget allows for the networks' activations).
    static let maximumCount = 10_000_000

    func validate() throws {
        if count < 1 || count > Self.maximumCount { throw ValidationError("--n must lie in 1…\(Self.maximumCount), got \(count)") }
        if let o = out, FileManager.default.fileExists(atPath: o), !force {
            throw ValidationError("--out \(o) exists; pass --force to overwrite it")
        }
        if let o = out, Format(rawValue: URL(fileURLWithPath: o).pathExtension.lowercased()) == nil {
            throw ValidationError("--out \(o): unknown extension; use .csv, .npy or .png")
        }
    }

    func run() throws {
        let format = out.flatMap { Format(rawValue: URL(fileURLWithPath: $0).pathExtension.lowercased()) } ?? .csv
        let (training, state) = try loadCheckpoint(checkpoint, dataFile: dataFile)
        try requireActivationMemory(training, samples: count, flag: "--n \(count)")
        let theta = ema ? state.ema : state.omega[.generator]
        let samples = training.samples(of: theta, count: count, seed: seed, standingStatistics: ema)
        switch format {
        case .csv:
            let text = Self.csv(samples)
            if let out { try write { try atomicWrite(text, to: out, kind: .output) } } else { Console.out(text) }
        case .npy:
            try write { try NPY.write(samples, to: out!) }
        case .png:
            guard RunPlots.canDraw(width: samples.shape[1]) else {
                throw CLIError("--out \(out!): samples of width \(samples.shape[1]) are neither 2-D points nor square images; use .csv or .npy")
            }
            let title = "\(ema ? "EMA" : "last") generator, iteration \(state.iteration), \(count) samples"
            try write { try atomicWrite(RunPlots.samplesPNG(samples, mixture: training.data.mixture, title: title), to: out!, kind: .output) }
        }
        if let out { Console.errorRaw("wrote \(count) samples to \(out)\n") }
    }

    func write(_ body: () throws -> Void) throws {
        do { try body() } catch { throw CLIError(cannotWrite(out ?? "stdout", error)) }
    }

    /// CSV with a header (`x,y` for 2-D points, `p0,p1,…` otherwise); Float32 values in their
    /// shortest round-trip form, so reading them back gives the same floats.
    static func csv(_ samples: Tensor) -> String {
        let n = samples.shape[0], w = samples.shape[1]
        let header = w == 2 ? ["x", "y"] : (0..<w).map { "p\($0)" }
        var text = header.joined(separator: ",") + "\n"
        let values = samples.scalars
        for i in 0..<n {
            text += (0..<w).map { "\(Float(values[i * w + $0]))" }.joined(separator: ",") + "\n"
        }
        return text
    }
}

/// Checks that the generator's activations for `samples` samples (and their text or image form)
/// fit the memory budget.
func requireActivationMemory(_ training: GANTraining, samples: Int, flag: String) throws {
    let c = training.configuration
    let floatsPerSample = c.architecture == .mlp ? Double(c.latent + 2 * c.hidden + training.data.width)
        : c.activationFloatsPerSample / 3  // the generator alone, forward only, is below a third of a step's

    do { try MemoryBudget.require(Double(samples) * floatsPerSample * 4 * 4, for: "\(flag) (the generator's activations)") } catch {
        throw CLIError("\(error)")
    }
}

/// "cannot write PATH: reason", naming the path once (the writers' errors name it too).
func cannotWrite(_ path: String, _ error: Error) -> String {
    if case Formats.FormatError.unwritable(_, let reason) = error { return "cannot write \(path): \(reason)" }
    return "cannot write \(path): \(error)"
}

/// Rebuilds the training of a checkpoint; a missing or damaged file is a one-line `CLIError` that
/// names the checkpoint (a folder is not read at all).
func loadCheckpoint(_ path: String, dataFile: String?) throws -> (GANTraining, GANTraining.State) {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        throw CLIError("\(path): is a folder, not a checkpoint file (a run's checkpoints are \(path)/checkpoints/iteration-N.safetensors)")
    }
    do { return try GANTraining.restore(checkpoint: path, dataFile: dataFile) } catch {
        var message = "\(error)"
        // Errors of the configuration the checkpoint carries say "configuration: …" without the file.
        if message.hasPrefix("configuration: ") { message = "metadata " + message }
        if !message.contains(path) { message = "\(path): \(message)" }
        if case RunError.invalid(field: "data_file", _, _) = error { message += " (or pass --data-file PATH)" }
        throw CLIError(message)
    }
}
