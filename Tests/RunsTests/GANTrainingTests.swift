import Autodiff
import Foundation
import Games
import Networks
import Runs
import Solvers
import Tensors
import Testing
import TestSupport

/// A tiny configuration: a few milliseconds per iteration.
func tinyConfiguration(_ method: SolverKind, _ regularizer: TrainingRegularizer, loss: NeuralGAN.Loss = .nonSaturating,
                       iterations: Int) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.method = method
    c.regularizer = regularizer
    c.regularizerWeight = regularizer == .clipping ? 0.05 : 0.1
    c.loss = loss
    c.hidden = 8
    c.latent = 4
    c.batchSize = 16
    c.evaluationSamples = 64
    c.iterations = iterations
    c.logEvery = iterations
    c.checkpointEvery = 0
    c.seed = 7
    // The step-size decay runs over iterations 3–4, so resumes cross it.
    c.stepSizeDecayStart = 2
    c.stepSizeDecayEnd = 5
    c.stepSizeDecayFinal = 0.25
    return c
}

@Suite("GAN training with any solver, loss and regularizer")
struct GANTrainingTests {
    /// Every trainable method (each with a different regularizer and loss, so all of those are
    /// exercised too) stopped after 3 iterations, checkpointed through a safetensors file, and
    /// resumed for 3 more, lands bit for bit where 6 uninterrupted iterations land: the solver
    /// states of every type survive the generic (TensorArchive) checkpoint.
    @Test func everyMethodResumesBitIdenticallyThroughACheckpoint() throws {
        let regularizers = TrainingRegularizer.allCases
        let losses = NeuralGAN.Loss.allCases
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-runs-tests-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (i, method) in TrainingConfiguration.trainableMethods.enumerated() {
            let reg = regularizers[i % regularizers.count], loss = losses[i % losses.count]
            let label = "\(method.rawValue) + \(reg.rawValue) + \(loss.rawValue)"
            let whole = try GANTraining(tinyConfiguration(method, reg, loss: loss, iterations: 6))
            var straight = try whole.initialState()
            let summary = try whole.run(from: &straight, TrainingSession())
            #expect(summary.exitStatus == "completed", "\(label)")

            let first = try GANTraining(tinyConfiguration(method, reg, loss: loss, iterations: 3))
            var part = try first.initialState()
            _ = try first.run(from: &part, TrainingSession())
            let path = folder + "/\(method.rawValue).safetensors"
            try first.serialize(part).write(to: path)
            var resumed = try whole.load(path)
            #expect(resumed.iteration == 3, "\(label)")
            _ = try whole.run(from: &resumed, TrainingSession())

            #expect(resumed.omega.isBitIdentical(to: straight.omega), "\(label): resumed iterate differs")
            #expect(resumed.ema.scalars == straight.ema.scalars, "\(label): resumed EMA differs")
            #expect(resumed.oracle == straight.oracle, "\(label): oracle calls differ")
            #expect(!resumed.omega.isBitIdentical(to: whole.game.initialPoint), "\(label): training did not move ω")
            if reg == .clipping {
                #expect(straight.omega[.discriminator].scalars.allSatisfy { abs($0) <= Double(Float(0.05)) }, "\(label): φ left the clipping box")
            }
        }
    }

    /// Mirror-GAN with preconditioned chains: RMSProp's V of both chains goes to the checkpoint as
    /// Float64 tensors (not into the JSON metadata, where a network's worth of numbers made each
    /// checkpoint of an MNIST training take minutes), and the resumed run lands bit for bit where
    /// the uninterrupted one does.
    @Test func preconditionedChainsCheckpointAsTensorsAndResume() throws {
        func configuration(_ iterations: Int) -> TrainingConfiguration {
            var c = tinyConfiguration(.mirrorGAN, .r1, iterations: iterations)
            (c.preconditioned, c.sgldSteps) = (true, 2)
            return c
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-psgld-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let whole = try GANTraining(configuration(6))
        var straight = try whole.initialState()
        _ = try whole.run(from: &straight, TrainingSession())
        let first = try GANTraining(configuration(3))
        var part = try first.initialState()
        _ = try first.run(from: &part, TrainingSession())
        let file = try first.serialize(part)
        let moments = file.entries.filter { $0.name.hasSuffix("second_moment") }
        #expect(moments.count == 2 && moments.allSatisfy { $0.tensor.dtype == .float64 && $0.tensor.count > 0 }, "\(file.entries.map(\.name))")
        // The JSON keeps names and the noise streams' states, not the chains' V (2 × nθ, nφ numbers).
        let json = file.metadata["solver_state"] ?? ""
        #expect(json.count < 4096, "solver_state is \(json.count) characters: V left in the JSON")
        try file.write(to: folder + "/c.safetensors")
        var resumed = try whole.load(folder + "/c.safetensors")
        _ = try whole.run(from: &resumed, TrainingSession())
        #expect(resumed.omega.isBitIdentical(to: straight.omega))
    }

    /// The decay's factors, iteration by iteration: 1 up to a, linear to f at b, f after.
    @Test func stepSizeDecaySchedule() {
        var c = TrainingConfiguration()
        c.stepSizeDecayStart = 2
        c.stepSizeDecayEnd = 6
        c.stepSizeDecayFinal = 0.2
        let factors = (1...8).map { c.stepSizeFactor(atIteration: $0) }
        let expected = [1, 1, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2]
        for (got, want) in zip(factors, expected) { #expect(abs(got - want) < 1e-12, "\(factors)") }
        c.stepSizeDecayFinal = 1
        #expect((1...8).allSatisfy { c.stepSizeFactor(atIteration: $0) == 1 })
    }

    /// A checkpoint of one method cannot be loaded into a run of another: one clear error.
    @Test func aCheckpointOfAnotherMethodIsRejected() throws {
        let a = try GANTraining(tinyConfiguration(.pastExtraAdam, .r1, iterations: 2))
        var s = try a.initialState()
        _ = try a.run(from: &s, TrainingSession())
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-other-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.serialize(s).write(to: path)
        let b = try GANTraining(tinyConfiguration(.adam, .r1, iterations: 2))
        #expect(throws: (any Error).self) { _ = try b.load(path) }
    }

    /// F of every loss is the gradient of the players' own losses: central differences of L_G along
    /// a random θ direction and of L_D along a random φ direction (Float64) match F's blocks.
    @Test(arguments: NeuralGAN.Loss.allCases)
    func fieldOfEachLossMatchesFiniteDifferences(_ kind: NeuralGAN.Loss) throws {
        var rng = RandomGenerator(seed: 3)
        let g = MLP([3, 8, 2], hidden: .tanh, dtype: .float64, using: &rng)
        let d = MLP([2, 8, 1], hidden: .tanh, dtype: .float64, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, loss: kind, batchSize: 32) { rng, n in
            Tensor.normal([n, 2], dtype: .float64, using: &rng)
        }
        let omega = gan.initialPoint.copy()
        let f = gan.field(at: omega, blocks: Player.both, sample: .exact)
        for player in Player.allCases {
            let v = Tensor.normal([gan.sizes[player]], dtype: .float64, using: &rng)
            let h = 1e-5
            func loss(at t: Double) -> Double {
                var w = omega.copy()
                w.withBlock(player) { $0.axpy(t, v) }
                let l = gan.losses(at: w)
                return player == .generator ? l.generator : l.discriminator
            }
            let numeric = (loss(at: h) - loss(at: -h)) / (2 * h)
            let analytic = f[player].dot(v)
            #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(analytic)), "\(kind.rawValue) \(player): FD \(numeric) vs F·v \(analytic)")
        }
    }
}
