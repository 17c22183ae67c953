// A small convolutional GAN through the public API: the DCGAN networks at 8×8 (G: z 8 → dense 32 →
// (8, 2, 2) → batch norm, ReLU → ConvT 8→4 → batch norm, ReLU → ConvT 4→1 → sigmoid; D: Conv 1→4 →
// Conv 4→8, leaky ReLU 0.2, spectrally normalized → dense 32 → 1), R1 (γ = 1), Adam, minibatches of
// 64 in 2 shards, on images of one bright bar — a random row or a random column. The networks'
// state (batch norm's running statistics, spectral normalization's u and v) advances once per
// iteration through `NetworkStateObserver`, as in `saddle train`; samples come from G in evaluation
// mode. Prints how bar-like the images are before and after: the brightest row's or column's mean
// minus the image's mean (0.79 for the data, about 0 for a flat image; 0.50 after the default 1500
// iterations, about 25 s on one core).
//
//     swift run -c release ExampleConvGAN [iterations]      (default 1500)
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1500
guard iterations >= 0 else { fatalError("iterations must be ≥ 0") }

let side = 8
/// n images of one bar: 0.05 everywhere but one row or column at 0.95.
func bars(_ rng: inout RandomGenerator, _ n: Int) -> Tensor {
    let t = Tensor.filled(0.05, [n, side * side])
    for i in 0..<n {
        let k = Int(rng.uniformDouble() * Double(side)), horizontal = rng.uniformDouble() < 0.5
        for j in 0..<side { t[i * side * side + (horizontal ? k * side + j : j * side + k)] = 0.95 }
    }
    return t
}

/// The mean over images of (brightest row's or column's mean − the image's mean).
func barScore(_ x: Tensor) -> Double {
    var total = 0.0
    for i in 0..<x.shape[0] {
        let pixel = { (r: Int, c: Int) in x[i * side * side + r * side + c] }
        let lines = (0..<side).map { r in (0..<side).map { pixel(r, $0) }.reduce(0, +) / Double(side) }
            + (0..<side).map { c in (0..<side).map { pixel($0, c) }.reduce(0, +) / Double(side) }
        total += lines.max()! - lines.reduce(0, +) / Double(2 * side)
    }
    return total / Double(x.shape[0])
}

var rng = RandomGenerator(seed: 3)
let g = DCGANGenerator(latent: 8, imageSize: side, width: 4, using: &rng)
let d = DCGANDiscriminator(imageSize: side, width: 4, spectralNorm: true, using: &rng)
let gan = NeuralGAN(name: "bars", generator: g, discriminator: d, batchSize: 64, shards: 2, threads: 2, data: bars)
let game = try Regularized(gan, by: [try GradientPenalty.r1(weight: 1)])
let solver = try SolverConfiguration(kind: .adam, stepSize: PerPlayer(2e-3)).makeSolver()

let noise = Tensor.normal([256, 8], using: &rng)
print("data bar score \(barScore(bars(&rng, 256)))")
print("generator before: bar score \(barScore(gan.generate(noise, parameters: game.initialPoint[.generator])))")
let result = try solve(game, withAny: solver, seed: 1, stopping: StoppingRule(iterations: iterations),
                       observers: [NetworkStateObserver(gan: gan)])
let samples = gan.generate(noise, parameters: result.lastIterate[.generator])
print("generator after \(iterations) iterations: bar score \(barScore(samples)), oracle calls \(result.counter.oracleCalls)")
print("bn1 running mean of channel 0: \(g.bn1.runningMean[0]); conv1 σ: \(d.conv1.spectralNormalization!.sigma(weight: result.lastIterate[.discriminator].view(from: d.conv1.weight.range.lowerBound, shape: d.conv1.weight.value.shape)))")
