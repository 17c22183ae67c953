import Testing
import TestSupport
import Autodiff
import Games
import Networks
import Tensors

/// The convolutional layers and the DCGAN networks: PyTorch's names and shapes, batch
/// normalization's two modes and its once-per-iteration running statistics, spectral
/// normalization's σ, its gradient and its once-per-iteration power step, and R1 through a
/// DCGAN in a ``NeuralGAN`` against finite differences (Float64).
@Suite("Convolutional layers and the DCGAN networks")
struct ConvolutionalNetworkTests {
    /// The parameter layout is a PyTorch `state_dict`'s: names, shapes, order; the state is named
    /// as PyTorch's buffers.
    @Test func dcganNamesAndShapesAreTorchs() {
        var rng = RandomGenerator(seed: 1)
        let g = DCGANGenerator(using: &rng)
        let d = DCGANDiscriminator(spectralNorm: true, using: &rng)
        func layout(_ buffer: ParameterBuffer) -> [String] { buffer.parameters.map { "\($0.name) \($0.value.shape)" } }
        #expect(layout(g.parameters) == ["fc.weight [6272, 64]", "fc.bias [6272]", "bn1.weight [128]", "bn1.bias [128]",
                                         "deconv1.weight [128, 64, 4, 4]", "deconv1.bias [64]", "bn2.weight [64]", "bn2.bias [64]",
                                         "deconv2.weight [64, 1, 4, 4]", "deconv2.bias [1]"])
        #expect(layout(d.parameters) == ["conv1.weight [64, 1, 4, 4]", "conv1.bias [64]", "conv2.weight [128, 64, 4, 4]", "conv2.bias [128]",
                                         "fc.weight [1, 6272]", "fc.bias [1]"])
        #expect(g.nonTrainableState.map { "\($0.name) \($0.tensor.shape)" } == ["bn1.running_mean [128]", "bn1.running_var [128]",
                                                                                "bn2.running_mean [64]", "bn2.running_var [64]"])
        #expect(d.nonTrainableState.map { "\($0.name) \($0.tensor.shape)" } == ["conv1.weight_u [64]", "conv1.weight_v [16]",
                                                                                "conv2.weight_u [128]", "conv2.weight_v [1024]",
                                                                                "fc.weight_u [1]", "fc.weight_v [6272]"])
        #expect(DCGANDiscriminator(using: &rng).nonTrainableState.isEmpty)
        #expect(g.inputWidth == 64 && g.outputWidth == 784 && d.inputWidth == 784 && d.outputWidth == 1)
        // PyTorch's default initialization: U(±1/√fan_in), fan_in = 64·4·4 for deconv1 (dimension
        // 1 of (in, out, kH, kW)), 64·4·4 for conv2; γ = 1, β = 0.
        let bound = 1 / Double(64 * 16).squareRoot()
        for w in [g.deconv1.weight.value, d.conv2.weight.value] {
            #expect(w.maxAbs() <= bound && w.maxAbs() > 0.9 * bound)
        }
        #expect(g.bn1.weight.value.scalars.allSatisfy { $0 == 1 } && g.bn1.bias.value.scalars.allSatisfy { $0 == 0 })
        // A forward pass: images in (0, 1), scores finite.
        let z = Tensor.normal([3, 64], using: &rng)
        let images = g(Variable(z), parameters: Variable(g.parameters.flat))
        #expect(images.shape == Shape([3, 784]) && images.value.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        let scores = d(images, parameters: Variable(d.parameters.flat))
        #expect(scores.shape == Shape([3, 1]) && scores.value.scalars.allSatisfy { $0.isFinite })
    }

    /// Training mode normalizes with the batch's statistics; the running statistics move only in
    /// ``BatchNorm/update()``, by momentum 0.1 towards the entry-weighted mean of every batch seen
    /// since the last update (unbiased variances), whatever order the batches came in; evaluation
    /// mode uses them.
    @Test func batchNormStatistics() throws {
        let buffer = ParameterBuffer(dtype: .float64)
        let bn = BatchNorm(2, name: "bn", in: buffer)
        buffer.finalize()
        bn.resetParameters()
        buffer.flat.copy(from: Tensor([1.5, -0.5, 0.25, 2], shape: [4]))  // γ = (1.5, −0.5), β = (0.25, 2)
        var rng = RandomGenerator(seed: 2)
        let a = Tensor.normal([2, 2, 3, 1], dtype: .float64, using: &rng)
        let b = Tensor.normal([4, 2, 1, 2], dtype: .float64, using: &rng).affine(scale: 3, shift: 1)
        let p = Variable(buffer.flat)
        // The batch statistics by hand, channel by channel.
        func stats(_ x: Tensor) -> (mean: [Double], biased: [Double], entries: Int) {
            let n = x.shape[0], plane = x.count / (n * 2)
            var mean = [0.0, 0.0], sq = [0.0, 0.0]
            for i in 0..<n { for c in 0..<2 { for k in 0..<plane { let v = x[(i * 2 + c) * plane + k]; mean[c] += v; sq[c] += v * v } } }
            let m = Double(n * plane)
            return (mean.map { $0 / m }, (0..<2).map { sq[$0] / m - mean[$0] * mean[$0] / (m * m) }, n * plane)
        }
        let y = bn(Variable(a), parameters: p, mode: .training).value
        let (mean, biased, _) = stats(a)
        for i in 0..<y.count {
            let c = (i / 3) % 2
            let expected = [1.5, -0.5][c] * (a[i] - mean[c]) / (biased[c] + 1e-5).squareRoot() + [0.25, 2][c]
            #expect(abs(y[i] - expected) < 1e-12)
        }
        #expect(bn.runningMean.scalars == [0, 0] && bn.runningVariance.scalars == [1, 1], "moved before the update")
        _ = bn(Variable(b), parameters: p, mode: .training)
        bn.update()
        let sa = stats(a), sb = stats(b)
        for c in 0..<2 {
            let (ma, mb) = (Double(sa.entries), Double(sb.entries))
            let mean = (ma * sa.mean[c] + mb * sb.mean[c]) / (ma + mb)
            let variance = (ma * sa.biased[c] * ma / (ma - 1) + mb * sb.biased[c] * mb / (mb - 1)) / (ma + mb)
            #expect(abs(bn.runningMean[c] - 0.1 * mean) < 1e-12)
            #expect(abs(bn.runningVariance[c] - (0.9 + 0.1 * variance)) < 1e-12)
        }
        // The other order gives the same bits; an update with nothing recorded changes nothing.
        let other = ParameterBuffer(dtype: .float64)
        let bn2 = BatchNorm(2, name: "bn", in: other)
        other.finalize()
        _ = bn2(Variable(b), parameters: p, mode: .training)
        _ = bn2(Variable(a), parameters: p, mode: .training)
        bn2.update()
        bn2.update()
        #expect(bn2.runningMean.scalars == bn.runningMean.scalars && bn2.runningVariance.scalars == bn.runningVariance.scalars)
        // Evaluation: the running statistics.
        let e = bn(Variable(a), parameters: p, mode: .evaluation).value
        for i in 0..<e.count {
            let c = (i / 3) % 2
            let expected = [1.5, -0.5][c] * (a[i] - bn.runningMean[c]) / (bn.runningVariance[c] + 1e-5).squareRoot() + [0.25, 2][c]
            #expect(abs(e[i] - expected) < 1e-12)
        }
    }

    /// Standing statistics: inside ``BatchNorm/standing(_:passes:_:)`` evaluation mode normalizes
    /// with the mean and unbiased variance of every entry the passes' training-mode calls saw, as
    /// one batch (computed here from the raw entries, not from per-batch statistics); afterwards
    /// the running statistics are the same bits as before and the record holds only what was
    /// recorded outside the scope.
    @Test func standingStatisticsPoolThePasses() throws {
        let buffer = ParameterBuffer(dtype: .float64)
        let bn = BatchNorm(2, name: "bn", in: buffer)
        buffer.finalize()
        bn.resetParameters()
        buffer.flat.copy(from: Tensor([1.5, -0.5, 0.25, 2], shape: [4]))
        let p = Variable(buffer.flat)
        var rng = RandomGenerator(seed: 4)
        let a = Tensor.normal([3, 2, 2, 2], dtype: .float64, using: &rng)
        let b = Tensor.normal([5, 2, 1, 3], dtype: .float64, using: &rng).affine(scale: 2, shift: -1)
        let c = Tensor.normal([2, 2, 2, 1], dtype: .float64, using: &rng)
        _ = bn(Variable(c), parameters: p, mode: .training)
        bn.update()  // running statistics away from their initial values
        _ = bn(Variable(c), parameters: p, mode: .training)  // waits in the record for the next update
        let before = (bn.runningMean.scalars + bn.runningVariance.scalars).map(\.bitPattern)
        // Every entry of channel ch in a and b.
        func entries(_ x: Tensor, _ ch: Int) -> [Double] {
            let n = x.shape[0], plane = x.count / (n * 2)
            return (0..<n).flatMap { i in (0..<plane).map { x[(i * 2 + ch) * plane + $0] } }
        }
        let x = Tensor.normal([4, 2, 1, 1], dtype: .float64, using: &rng)
        let e = BatchNorm.standing([bn], passes: {
            _ = bn(Variable(a), parameters: p, mode: .training)
            _ = bn(Variable(b), parameters: p, mode: .training)
        }) { bn(Variable(x), parameters: p, mode: .evaluation).value }
        for ch in 0..<2 {
            let v = entries(a, ch) + entries(b, ch)
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)
            for i in 0..<4 {
                let expected = [1.5, -0.5][ch] * (x[i * 2 + ch] - mean) / (variance + 1e-5).squareRoot() + [0.25, 2][ch]
                #expect(abs(e[i * 2 + ch] - expected) < 1e-12, "channel \(ch), row \(i)")
            }
        }
        #expect((bn.runningMean.scalars + bn.runningVariance.scalars).map(\.bitPattern) == before, "running statistics restored")
        // The next update folds in c alone: the passes were not recorded for it.
        let (mean0, variance0) = (bn.runningMean.scalars, bn.runningVariance.scalars)
        bn.update()
        for ch in 0..<2 {
            let v = entries(c, ch)
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)
            #expect(abs(bn.runningMean[ch] - (0.9 * mean0[ch] + 0.1 * mean)) < 1e-12)
            #expect(abs(bn.runningVariance[ch] - (0.9 * variance0[ch] + 0.1 * variance)) < 1e-12)
        }
    }

    /// The DCGAN generator's standing statistics change its evaluation-mode samples (the running
    /// statistics are those of other weights), leave its state's bits as they were, and depend only
    /// on the parameters and the passes' noise.
    @Test func dcganStandingStatistics() throws {
        var rng = RandomGenerator(seed: 5)
        let g = DCGANGenerator(latent: 8, imageSize: 8, width: 4, dtype: .float64, using: &rng)
        let theta = g.initialParameters
        let passes = (0..<3).map { _ in Tensor.normal([16, 8], dtype: .float64, using: &rng) }
        let z = Tensor.normal([5, 8], dtype: .float64, using: &rng)
        let state = { g.nonTrainableState.flatMap { $0.tensor.scalars.map(\.bitPattern) } }
        let before = state()
        let generate = { GradientRecording.withoutRecording { g(Variable(z), parameters: Variable(theta), mode: .evaluation).value.scalars } }
        let running = generate()
        let standing = g.withStandingStatistics(parameters: theta, inputs: passes, generate)
        let again = g.withStandingStatistics(parameters: theta, inputs: passes, generate)
        #expect(state() == before)
        #expect(standing.map(\.bitPattern) == again.map(\.bitPattern))
        #expect(zip(standing, running).map { abs($0 - $1) }.max()! > 1e-3)
        // An MLP has no such statistics: the default runs the body unchanged.
        let mlp = MLP([3, 4, 2], hidden: .relu, dtype: .float64, using: &rng)
        let y = mlp.withStandingStatistics(parameters: mlp.initialParameters, inputs: []) { 7 }
        #expect(y == 7)
    }

    /// Two ranks, each recording its own shards (a, b on rank 0; c, d on rank 1) and one shard both
    /// computed (e), fold into their running statistics the bits of one process that recorded a–e
    /// once each.
    @Test func runningStatisticsDoNotDependOnTheRankCount() throws {
        var rng = RandomGenerator(seed: 9)
        let batches = (0..<5).map { _ in Tensor.normal([2, 3, 2, 2], dtype: .float64, using: &rng) }
        func layer(recording indices: [Int]) -> BatchNorm {
            let buffer = ParameterBuffer(dtype: .float64)
            let bn = BatchNorm(3, name: "bn", in: buffer)
            buffer.finalize()
            bn.resetParameters()
            for i in indices { _ = bn(Variable(batches[i]), parameters: Variable(buffer.flat), mode: .training) }
            return bn
        }
        let single = layer(recording: [0, 1, 2, 3, 4])
        single.update()
        let bits = { (bn: BatchNorm) in (bn.runningMean.scalars + bn.runningVariance.scalars).map(\.bitPattern) }
        // What each rank sends, from a run whose other rank echoes it (the counts are equal).
        let sent0 = ScriptedRank(rank: 0), sent1 = ScriptedRank(rank: 1)
        layer(recording: [0, 1, 4]).update(group: sent0)
        layer(recording: [4, 2, 3]).update(group: sent1)
        #expect(sent0.sent.count == 2 && sent0.sent[1].count == 3 * 7 * 8)
        for (rank, mine, other) in [(0, [0, 1, 4], sent1.sent), (1, [4, 2, 3], sent0.sent)] {
            let bn = layer(recording: mine)
            bn.update(group: ScriptedRank(rank: rank, others: other))
            #expect(bits(bn) == bits(single), "rank \(rank)")
        }
        // Without the other rank's records the statistics differ.
        let alone = layer(recording: [0, 1, 4])
        alone.update()
        #expect(bits(alone) != bits(single))
    }

    /// σ = uᵀWv reaches ‖W‖₂ by power iteration (W with singular values 3 and 1, rotated), the
    /// normalized weight's gradient (u, v constants) matches finite differences, and u moves only
    /// in a power-iteration step.
    @Test func spectralNormalization() throws {
        let (c, s) = (0.6, 0.8)  // a rotation
        // W = R·diag(3, 1, ·)·Pᵀ as a 2×3 matrix with singular values 3 and 1.
        let w = Tensor([3 * c, -s, 0, 3 * s, c, 0], shape: [2, 3])
        let sn = SpectralNormalization(name: "w", rows: 2, columns: 3, dtype: .float64)
        var rng = RandomGenerator(seed: 3)
        sn.reset(weight: w, using: &rng)
        #expect(abs(sn.sigma(weight: w) - 3) < 1e-6)
        let u0 = sn.u.copy()
        let gOut = Tensor.normal([2, 3], dtype: .float64, using: &rng)
        let wVar = Variable(w, requiresGradient: true)
        let normalized = sn.normalized(wVar)
        #expect(compareEntrywise(normalized.value, w.scaled(by: 1 / sn.sigma(weight: w)), tolerance: 1e-14) == nil)
        let grad = gradients(of: normalized.dot(Variable(gOut)), withRespectTo: [wVar])[0].value
        let fd = FiniteDifferences.gradient(of: { ws in GradientRecording.withoutRecording { sn.normalized(Variable(ws[0])).value.dot(gOut) } }, at: [w])[0]
        #expect(compareEntrywise(grad, fd, tolerance: 1e-8, label: "∂⟨G, W/σ⟩/∂W") == nil)
        #expect(sn.u.scalars == u0.scalars, "an evaluation moved u")
        // From a poor start, one step is one power-iteration step: σ grows towards 3.
        let other = SpectralNormalization(name: "w", rows: 2, columns: 3, dtype: .float64)
        other.v.copy(from: Tensor([0, 1, 0], shape: [3]))
        let before = other.sigma(weight: w)
        other.powerIterationStep(weight: w)
        #expect(other.sigma(weight: w) > before && other.sigma(weight: w) < 3 + 1e-12)
    }

    /// The discriminator's u and v advance only in updateNonTrainableState (one step each), and a
    /// checkpoint's state restores them; a misshapen one is refused without changing anything.
    @Test func stateMovesOncePerIterationAndRestores() throws {
        var rng = RandomGenerator(seed: 4)
        let d = DCGANDiscriminator(imageSize: 8, width: 2, spectralNorm: true, dtype: .float64, using: &rng)
        let phi = Variable(d.parameters.flat)
        let x = Variable(Tensor.uniform([2, 64], dtype: .float64, using: &rng))
        let saved = d.nonTrainableState.map { ($0.name, $0.tensor.copy()) }
        let y0 = d(x, parameters: phi).value
        let y1 = d(x, parameters: phi).value
        #expect(y0.scalars == y1.scalars && d.nonTrainableState.map { $0.tensor.scalars } == saved.map { $0.1.scalars })
        d.updateNonTrainableState(parameters: d.parameters.flat)
        #expect(d.nonTrainableState.map { $0.tensor.scalars } != saved.map { $0.1.scalars })
        try d.restoreNonTrainableState(Dictionary(uniqueKeysWithValues: saved))
        #expect(d.nonTrainableState.map { $0.tensor.scalars } == saved.map { $0.1.scalars })
        var bad = Dictionary(uniqueKeysWithValues: saved)
        bad["conv2.weight_v"] = Tensor.zeros([3], dtype: .float64)
        #expect(throws: NetworkStateError.self) { try d.restoreNonTrainableState(bad) }
        bad.removeValue(forKey: "conv2.weight_v")
        #expect(throws: NetworkStateError(name: "conv2.weight_v", problem: "missing from the checkpoint")) { try d.restoreNonTrainableState(bad) }
        #expect(d.nonTrainableState.map { $0.tensor.scalars } == saved.map { $0.1.scalars })
        let g = DCGANGenerator(latent: 3, imageSize: 8, width: 2, dtype: .float64, using: &rng)
        var state = Dictionary(uniqueKeysWithValues: g.nonTrainableState.map { ($0.name, $0.tensor.copy()) })
        state["bn2.running_var"] = Tensor([-1, 1], shape: [2])
        #expect(throws: NetworkStateError(name: "bn2.running_var", problem: "a negative variance")) { try g.restoreNonTrainableState(state) }
    }

    /// The first-order sweep that writes each weight's gradient into its place in a flat vector
    /// (the convolutions' sink rules: the kept column matrix, BLAS's β = 1) gives the gradient the
    /// returning sweep gives, for both networks.
    @Test func gradientsIntoTheFlatVectorMatchTheReturningSweep() throws {
        var rng = RandomGenerator(seed: 8)
        let g = DCGANGenerator(latent: 3, imageSize: 8, width: 2, dtype: .float64, using: &rng)
        let d = DCGANDiscriminator(imageSize: 8, width: 2, dtype: .float64, using: &rng)
        let theta = Variable(g.parameters.flat, requiresGradient: true), phi = Variable(d.parameters.flat, requiresGradient: true)
        let z = Variable(Tensor.normal([3, 3], dtype: .float64, using: &rng))
        let loss = d(g(z, parameters: theta), parameters: phi).squared().sum()
        let returned = gradients(of: loss, withRespectTo: [theta, phi])
        let sinks = [Tensor.zeros(theta.shape, dtype: .float64), Tensor.zeros(phi.shape, dtype: .float64)]
        gradients(of: loss, withRespectTo: [theta, phi], into: sinks)
        for k in 0..<2 {
            #expect(compareEntrywise(sinks[k], returned[k].value, tolerance: 1e-12, label: k == 0 ? "θ" : "φ") == nil)
            #expect(returned[k].value.maxAbs() > 1e-3)
        }
    }

    /// A GAN of a DCGAN generator and a spectrally normalized DCGAN discriminator (8×8 images,
    /// width 2, Float64) through ``NeuralGAN`` with R1 (γ = 10): the R1 part of F_φ — the
    /// regularized field minus the plain one — is ∂φ (γ/2)·E‖∇x D(x)‖², against central
    /// differences of that penalty's value. A double backward through two convolutions, the
    /// spectral normalizations and the dense layer.
    @Test func r1ThroughADCGANMatchesFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 7)
        let g = DCGANGenerator(latent: 3, imageSize: 8, width: 2, dtype: .float64, using: &rng)
        let d = DCGANDiscriminator(imageSize: 8, width: 2, spectralNorm: true, dtype: .float64, using: &rng)
        let gan = NeuralGAN(generator: g, discriminator: d, batchSize: 3, stochastic: false) { rng, n in
            Tensor.uniform([n, 64], dtype: .float64, using: &rng)
        }
        let gamma = 10.0
        let regularized = try Regularized(gan, by: [try GradientPenalty.r1(weight: gamma)])
        let omega = gan.initialPoint
        let r1Part = regularized.exactField(at: omega)[.discriminator] - gan.exactField(at: omega)[.discriminator]
        let fd = FiniteDifferences.gradient(of: { ps in
            gamma * gan.inputGradientPenalty(at: BlockVector(generator: omega[.generator], discriminator: ps[0]), on: .real).value
        }, at: [omega[.discriminator]])[0]
        #expect(compareEntrywise(r1Part, fd, tolerance: 1e-6, label: "R1 part of F_φ") == nil)
        #expect(fd.maxAbs() > 1e-3)
    }
}

/// One rank of a two-rank group: what this rank sends is kept in `sent`; the other rank's slot gets
/// the next of `others` (that rank's payloads, recorded earlier), or this rank's own bytes.
final class ScriptedRank: ProcessGroup, @unchecked Sendable {
    let rank: Int
    let size = 2
    var others: [[UInt8]]
    var sent: [[UInt8]] = []
    init(rank: Int, others: [[UInt8]] = []) { self.rank = rank; self.others = others }
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer) {
        sent.append(Array(send))
        let other = others.isEmpty ? Array(send) : others.removeFirst()
        let n = send.count
        for r in 0..<2 {
            let slot = UnsafeMutableRawBufferPointer(rebasing: receive[(r * n)..<((r + 1) * n)])
            if r == rank { slot.copyMemory(from: send) } else { other.withUnsafeBytes { slot.copyMemory(from: $0) } }
        }
    }
    func any(_ flag: Bool) -> Bool { flag }
    func broadcast(_ bytes: [UInt8], from root: Int) -> [UInt8] { bytes }
}
