import Autodiff
import Tensors

/// The DCGAN generator (Radford, Metz & Chintala 2016) for s×s images (s divisible by 4; 28 for
/// MNIST), as `saddle train --architecture dcgan` builds it. With w = `width` (64) and b = s/4:
///
///     z [N, latent] → fc: dense latent → 2w·b·b → view [N, 2w, b, b] → bn1 → ReLU
///       → deconv1: ConvTranspose2d 2w → w, 4×4, stride 2, padding 1 ([N, w, 2b, 2b]) → bn2 → ReLU
///       → deconv2: ConvTranspose2d w → C, 4×4, stride 2, padding 1 ([N, C, s, s]) → sigmoid
///       → flattened to [N, C·s·s] in (C, H, W) order
///
/// (for MNIST: 64 → 6272 → (128, 7, 7) → (64, 14, 14) → (1, 28, 28) → 784). Parameters, in this
/// order in the one buffer p, are named as a PyTorch module with these attribute names would name
/// them: `fc.weight` [2w·b², latent], `fc.bias`, `bn1.weight`, `bn1.bias` [2w], `deconv1.weight`
/// [2w, w, 4, 4] (ConvTranspose2d's (in, out, kH, kW)), `deconv1.bias` [w], `bn2.weight`, `bn2.bias`
/// [w], `deconv2.weight` [w, C, 4, 4], `deconv2.bias` [C]; non-trainable state `bn1.running_mean`,
/// `bn1.running_var`, `bn2.running_mean`, `bn2.running_var` (``BatchNorm``: per-shard batch
/// statistics in training, running statistics in evaluation — samples and metrics use the latter).
///
/// Initialization: PyTorch's defaults for these layers (`.pytorchDefault`, U(±1/√fan_in) for
/// weights and biases, fan_in as PyTorch computes it; γ = 1, β = 0), so a peer built from the same
/// modules with their default constructors draws from the same distributions. (DCGAN's paper draws
/// N(0, 0.02); pass another ``Initializer`` to change the dense and convolution layers.)
public final class DCGANGenerator: BufferedNetwork {
    public let parameters: ParameterBuffer
    public let latent: Int, imageChannels: Int, imageSize: Int, width: Int
    public let fc: Linear
    public let bn1: BatchNorm, bn2: BatchNorm
    public let deconv1: ConvTranspose2d, deconv2: ConvTranspose2d

    public init(latent: Int = 64, imageChannels: Int = 1, imageSize: Int = 28, width: Int = 64, dtype: DType = .float32,
                initializer: Initializer = .pytorchDefault, using rng: inout RandomGenerator) {
        ensure(latent > 0 && imageChannels > 0 && width > 0 && imageSize >= 4 && imageSize % 4 == 0,
               "DCGANGenerator: latent \(latent), \(imageChannels) channels, width \(width), image size \(imageSize) (a positive multiple of 4)")
        self.latent = latent
        self.imageChannels = imageChannels
        self.imageSize = imageSize
        self.width = width
        let buffer = ParameterBuffer(dtype: dtype)
        let base = imageSize / 4
        fc = Linear(latent, 2 * width * base * base, name: "fc", in: buffer)
        bn1 = BatchNorm(2 * width, name: "bn1", in: buffer)
        deconv1 = ConvTranspose2d(2 * width, width, kernelSize: 4, stride: 2, padding: 1, name: "deconv1", in: buffer)
        bn2 = BatchNorm(width, name: "bn2", in: buffer)
        deconv2 = ConvTranspose2d(width, imageChannels, kernelSize: 4, stride: 2, padding: 1, name: "deconv2", in: buffer)
        buffer.finalize()
        initializer.initialize(weight: fc.weight.value, bias: fc.bias?.value, gain: 1, using: &rng)
        bn1.resetParameters()
        deconv1.initialize(with: initializer, using: &rng)
        bn2.resetParameters()
        deconv2.initialize(with: initializer, using: &rng)
        parameters = buffer
    }

    public var inputWidth: Int { latent }
    public var outputWidth: Int { imageChannels * imageSize * imageSize }

    public func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable { self(x, parameters: p, mode: .training) }

    public func callAsFunction(_ x: Variable, parameters p: Variable, mode: NetworkMode) -> Variable {
        ensure(x.value.rank == 2 && x.shape[1] == latent, "DCGANGenerator: input \(x.shape), expected [batch, \(latent)]")
        ensure(p.count == parameters.count, "DCGANGenerator: \(p.count) parameters for a network of \(parameters.count)")
        let n = x.shape[0], base = imageSize / 4
        var h = fc(x, parameters: p).reshaped([n, 2 * width, base, base])
        h = bn1(h, parameters: p, mode: mode).relu()
        h = bn2(deconv1(h, parameters: p), parameters: p, mode: mode).relu()
        return deconv2(h, parameters: p).sigmoid().reshaped([n, outputWidth])
    }

    public var nonTrainableState: [(name: String, tensor: Tensor)] { bn1.state + bn2.state }

    public func restoreNonTrainableState(_ state: [String: Tensor]) throws { try restoreState(nonTrainableState, from: state) }

    /// Folds the batch statistics recorded since the last call into the running statistics.
    public func updateNonTrainableState(parameters p: Tensor) { updateNonTrainableState(parameters: p, group: SingleProcess.shared) }

    /// The same with the statistics every rank of `group` recorded (``BatchNorm/update(group:)``).
    public func updateNonTrainableState(parameters p: Tensor, group: any ProcessGroup) {
        bn1.update(group: group)
        bn2.update(group: group)
    }

    public func pausingStatistics<R>(_ body: () throws -> R) rethrows -> R {
        try bn1.pausingStatistics { try bn2.pausingStatistics(body) }
    }

    /// `body` with bn1 and bn2 normalizing by their standing statistics at `p` (the statistics of
    /// training-mode passes over `inputs`, pooled; ``BatchNorm/standing(_:passes:_:)``).
    public func withStandingStatistics<R>(parameters p: Tensor, inputs: [Tensor], _ body: () throws -> R) rethrows -> R {
        try BatchNorm.standing([bn1, bn2], passes: {
            GradientRecording.withoutRecording {
                for z in inputs { _ = self(Variable(z), parameters: Variable(p), mode: .training).value }
            }
        }, body)
    }
}

/// The DCGAN discriminator for s×s images, as `saddle train --architecture dcgan` builds it. With
/// w = `width` (64) and b = s/4:
///
///     x [N, C·s·s] → view [N, C, s, s] → conv1: Conv2d C → w, 4×4, stride 2, padding 1 → LeakyReLU 0.2
///       → conv2: Conv2d w → 2w, 4×4, stride 2, padding 1 ([N, 2w, b, b]) → LeakyReLU 0.2
///       → flatten (C, H, W) → fc: dense 2w·b·b → 1
///
/// (for MNIST: 784 → (64, 14, 14) → (128, 7, 7) → 6272 → 1). Parameters: `conv1.weight` [w, C, 4, 4],
/// `conv1.bias` [w], `conv2.weight` [2w, w, 4, 4], `conv2.bias` [2w], `fc.weight` [1, 2w·b²],
/// `fc.bias` [1]. With `spectralNorm`, every layer's weight is spectrally normalized
/// (``SpectralNormalization``), with non-trainable state `conv1.weight_u`, `conv1.weight_v`,
/// `conv2.weight_u`, `conv2.weight_v`, `fc.weight_u`, `fc.weight_v`, advanced once per solver
/// iteration by ``updateNonTrainableState(parameters:)``.
///
/// **No batch normalization in D**: it couples the samples of a batch, so D(xᵢ) would depend on
/// every other xⱼ and ∇x D(xᵢ) would not be the per-sample input gradient that R1, R2, SGP and
/// WGAN-GP penalize (their E‖∇x D(x)‖² assumes D acts on each sample alone).
///
/// Initialization as ``DCGANGenerator`` (PyTorch's defaults).
public final class DCGANDiscriminator: BufferedNetwork {
    public let parameters: ParameterBuffer
    public let imageChannels: Int, imageSize: Int, width: Int
    public let conv1: Conv2d, conv2: Conv2d
    public let fc: Linear
    /// fc's spectral normalization, when the network has one (the convolutions keep theirs).
    public let fcNormalization: SpectralNormalization?
    public let leakySlope = 0.2

    public init(imageChannels: Int = 1, imageSize: Int = 28, width: Int = 64, spectralNorm: Bool = false, dtype: DType = .float32,
                initializer: Initializer = .pytorchDefault, using rng: inout RandomGenerator) {
        ensure(imageChannels > 0 && width > 0 && imageSize >= 4 && imageSize % 4 == 0,
               "DCGANDiscriminator: \(imageChannels) channels, width \(width), image size \(imageSize) (a positive multiple of 4)")
        self.imageChannels = imageChannels
        self.imageSize = imageSize
        self.width = width
        let buffer = ParameterBuffer(dtype: dtype)
        let base = imageSize / 4
        conv1 = Conv2d(imageChannels, width, kernelSize: 4, stride: 2, padding: 1, spectralNorm: spectralNorm, name: "conv1", in: buffer)
        conv2 = Conv2d(width, 2 * width, kernelSize: 4, stride: 2, padding: 1, spectralNorm: spectralNorm, name: "conv2", in: buffer)
        fc = Linear(2 * width * base * base, 1, name: "fc", in: buffer)
        fcNormalization = spectralNorm ? SpectralNormalization(name: "fc.weight", rows: 1, columns: 2 * width * base * base, dtype: dtype) : nil
        buffer.finalize()
        conv1.initialize(with: initializer, using: &rng)
        conv2.initialize(with: initializer, using: &rng)
        initializer.initialize(weight: fc.weight.value, bias: fc.bias?.value, gain: 1, using: &rng)
        fcNormalization?.reset(weight: fc.weight.value, using: &rng)
        parameters = buffer
    }

    public var inputWidth: Int { imageChannels * imageSize * imageSize }
    public var outputWidth: Int { 1 }

    public func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable {
        ensure(x.value.rank == 2 && x.shape[1] == inputWidth, "DCGANDiscriminator: input \(x.shape), expected [batch, \(inputWidth)]")
        ensure(p.count == parameters.count, "DCGANDiscriminator: \(p.count) parameters for a network of \(parameters.count)")
        let n = x.shape[0]
        var h = conv1(x.reshaped([n, imageChannels, imageSize, imageSize]), parameters: p).leakyRelu(slope: leakySlope)
        h = conv2(h, parameters: p).leakyRelu(slope: leakySlope)
        let flat = h.reshaped([n, h.count / n])
        var w = p.slice(from: fc.weight.range.lowerBound, shape: fc.weight.value.shape)
        if let sn = fcNormalization { w = sn.normalized(w) }
        let b = fc.bias.map { p.slice(from: $0.range.lowerBound, shape: $0.value.shape) }
        return linear(flat, weight: w, bias: b)
    }

    var normalizations: [(SpectralNormalization, ParameterBuffer.Parameter)] {
        [(conv1.spectralNormalization, conv1.weight), (conv2.spectralNormalization, conv2.weight), (fcNormalization, fc.weight)]
            .compactMap { sn, w in sn.map { ($0, w) } }
    }

    public var nonTrainableState: [(name: String, tensor: Tensor)] { normalizations.flatMap { $0.0.state } }

    public func restoreNonTrainableState(_ state: [String: Tensor]) throws { try restoreState(nonTrainableState, from: state) }

    /// One power-iteration step of every spectral normalization at the weights in `p`.
    public func updateNonTrainableState(parameters p: Tensor) {
        ensure(p.count == parameters.count, "DCGANDiscriminator: \(p.count) parameters for a network of \(parameters.count)")
        for (sn, w) in normalizations { sn.powerIterationStep(weight: p.view(from: w.range.lowerBound, shape: w.value.shape)) }
    }
}
