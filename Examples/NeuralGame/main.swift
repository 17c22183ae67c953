// A small neural GAN as a game: a generator MLP maps noise to 1-D samples, a discriminator MLP
// scores them against data N(2, 0.5²); non-saturating losses. Any solver runs on it; here
// Extra-Adam and EFTP, with a fresh minibatch per oracle call.
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

var rng = RandomGenerator(seed: 7)
let g = MLP([2, 16, 1], hidden: .tanh, dtype: .float64, using: &rng)
let d = MLP([1, 16, 1], hidden: .tanh, dtype: .float64, using: &rng)
let game = NeuralGame(generator: g.parameters, discriminator: d.parameters, batchSize: 128) { rng, n in
    let fake = g(Variable(Tensor.normal([n, 2], dtype: .float64, using: &rng)))
    let real = Variable(Tensor.normal([n, 1], mean: 2, std: 0.5, dtype: .float64, using: &rng))
    let dFake = d(fake), dReal = d(real)
    return (generator: (-dFake).softplus().mean(),
            discriminator: (-dReal).softplus().mean() + dFake.softplus().mean())
}
let start = game.initialPoint
for kind in [SolverKind.extraAdam, .eftp] {
    let solver = try SolverConfiguration(kind: kind, stepSize: PerPlayer(kind.isAdaptive ? 0.01 : 0.05)).makeSolver()
    let result = try solve(game, withAny: solver, from: start, seed: 1, stopping: StoppingRule(iterations: 300))
    var sampler = RandomGenerator(seed: 99)
    _ = game.field(at: result.lastIterate, blocks: [], sample: .exact)  // loads ω into the networks
    let samples = GradientRecording.withoutRecording { g(Variable(Tensor.normal([2000, 2], dtype: .float64, using: &sampler))) }.value
    print("\(kind.rawValue): oracle calls \(result.counter.oracleCalls), residual \(result.final.residual), generated mean \(samples.mean()) (data mean 2)")
}
