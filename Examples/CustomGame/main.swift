// A GAN whose networks are written here, not Saddle's MLP: a generator (ELU activations) and a
// discriminator (LeakyReLU) with skip connections, trained on the ring of 8 Gaussians with Past-Extra-Adam
// and the R1 penalty through Saddle's training loop (run folder, checkpoints, metrics included).
//   swift run -c release ExampleCustomGame [iterations] [run folder] [seed of the networks]
// (`--check-r1` instead runs the finite-difference check of R1 on these networks; Check.swift.)
import Foundation
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

/// D(x): x → h₁ = lrelu(W₁x + b₁) → h₂ = h₁ + lrelu(W₂h₁ + b₂) → W₃h₂ + b₃ (LeakyReLU, slope 0.2).
final class SkipDiscriminator: BufferedNetwork {
    let parameters: ParameterBuffer
    let first: Linear, second: Linear, last: Linear
    init(width: Int, hidden: Int, dtype: DType = .float32, using rng: inout RandomGenerator) {
        parameters = ParameterBuffer(dtype: dtype)
        first = Linear(width, hidden, activation: .leakyRelu(slope: 0.2), name: "first", in: parameters)
        second = Linear(hidden, hidden, activation: .leakyRelu(slope: 0.2), name: "second", in: parameters)
        last = Linear(hidden, 1, name: "last", in: parameters)
        parameters.finalize(initializing: [first, second, last], using: &rng)
    }
    var inputWidth: Int { first.inputSize }
    var outputWidth: Int { 1 }
    func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable {
        let h = first(x, parameters: p)
        return last(h + second(h, parameters: p), parameters: p)
    }
}

/// G(z): z → h₁ = elu(V₁z + c₁) → h₂ = h₁ + elu(V₂h₁ + c₂) → V₃h₂ + c₃.
final class SkipGenerator: BufferedNetwork {
    let parameters: ParameterBuffer
    let first: Linear, second: Linear, last: Linear
    init(latent: Int, hidden: Int, width: Int, dtype: DType = .float32, using rng: inout RandomGenerator) {
        parameters = ParameterBuffer(dtype: dtype)
        first = Linear(latent, hidden, activation: .elu, name: "first", in: parameters)
        second = Linear(hidden, hidden, activation: .elu, name: "second", in: parameters)
        last = Linear(hidden, width, name: "last", in: parameters)
        parameters.finalize(initializing: [first, second, last], using: &rng)
    }
    var inputWidth: Int { first.inputSize }
    var outputWidth: Int { last.outputSize }
    func callAsFunction(_ z: Variable, parameters p: Variable) -> Variable {
        let h = first(z, parameters: p)
        return last(h + second(h, parameters: p), parameters: p)
    }
}

if CommandLine.arguments.contains("--check-r1") { checkR1() } else {
    var c = TrainingConfiguration()              // ring, Past-Extra-Adam, R1 γ = 0.1, batch 256
    c.iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10_000 : 10_000
    var rng = RandomGenerator(seed: CommandLine.arguments.count > 3 ? UInt64(CommandLine.arguments[3]) ?? 7 : 7)
    let g = SkipGenerator(latent: c.latent, hidden: 128, width: 2, using: &rng)
    let d = SkipDiscriminator(width: 2, hidden: 128, using: &rng)
    let training = try GANTraining(c, generator: g, discriminator: d)
    let folder = CommandLine.arguments.count > 2 && !CommandLine.arguments[2].isEmpty ? try RunDirectory(creating: CommandLine.arguments[2], defaultPrefix: "custom", force: false) : nil
    let summary = try training.run(TrainingSession(runDirectory: folder) { print("iteration \($0.iteration): \($0.ema.brief)") })
    let m = summary.ema.mixture!
    print("EMA generator: \(m.modesCovered)/\(m.modes) modes, \(String(format: "%.1f", m.highQualityPercent)) % high quality")
}
