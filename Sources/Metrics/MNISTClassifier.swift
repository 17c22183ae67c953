import Autodiff
import Data
import Formats
import Foundation
import Networks
import Tensors

/// The small MNIST classifier behind Saddle's image metrics (SPEC §6: no Inception weights; a
/// classifier trained by Saddle itself on the real training images).
///
/// **Architectures** (``Architecture``): by default (`.mlp`) an MLP 784 → 256 → 128 → 10, ReLU
/// after both hidden layers; or (`.convolutional`) a small LeNet-type network, two 5×5 stride-2
/// convolutions 1 → 16 → 32 channels (28 → 14 → 7 pixels) and dense 1,568 → 128 → 10, ReLU after
/// every hidden layer (``ConvolutionalNetwork``). Both Float32, Kaiming-uniform weights and zero
/// biases. The 128 ReLU units of the last hidden layer are the *penultimate features* the Fréchet
/// distance compares. The MLP is the metric of every run's `metrics.jsonl`; the convolutional one
/// scores images by features that see local structure (strokes, edges), as FID's Inception network
/// does, for comparing convolutional and dense generators (`saddle eval --classifier convolutional`).
///
/// **Training** (``TrainingOptions``, all seeded): the 4,000 training images of MNIST-5k (the
/// 1,000 held out by ``MNIST/split(_:heldOutPerClass:seed:)`` with its defaults — 100 per class,
/// seed 0 — are never trained on), mean softmax cross-entropy, minibatches drawn by a seeded
/// shuffle each epoch, Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) with decoupled weight decay (AdamW) and a
/// cosine learning-rate schedule, and each training image shifted by a random (dx, dy) ∈
/// {−s, …, s}² pixels (zero fill) every time it is drawn. The classifier's seed splits into three
/// independent streams (initialization, shuffling, shifts), so the same seed and the same BLAS
/// thread count give bit-identical weights. (The thread count matters: `saddle` trains on one
/// thread, a library or test process on its own setting; the cache records it as `blas_threads`.)
///
/// **Cache** (``loadOrTrain(dataFile:architecture:cache:seed:options:log:)``): the weights are saved as
/// safetensors (tensor names `layers.{0,1,2}.{weight,bias}` for the MLP, `conv1`, `conv2`, `fc1`,
/// `fc2` for the convolutional network; PyTorch's layouts) with
/// metadata: `classifier_version`, `architecture`, `seed`, `training` (the options), `data_sha256`
/// (SHA-256 of the data file's bytes), `held_out_accuracy`, `training_seconds`, `saddle_version`.
/// A cache is used when its version, architecture, seed, training options and data hash all match;
/// otherwise the classifier is retrained and the cache rewritten (atomically).
public final class MNISTClassifier: @unchecked Sendable {
    /// A network the classifier can be: logits and the penultimate features it computes on the
    /// way, at parameters `p` (a vector laid out like the network's parameter buffer). ``MLP``
    /// (features: the output of its second-to-last layer) and ``ConvolutionalNetwork`` adopt it.
    public protocol Network: BufferedNetwork {
        func featuresAndLogits(_ x: Variable, parameters p: Variable) -> (features: Variable, logits: Variable)
    }

    /// Bumped whenever training or architecture change, so older caches are retrained.
    public static let version = 1
    /// The MLP's layer widths, input first.
    public static let sizes = [784, 256, 128, 10]
    /// Width of the penultimate (feature) layer, in either architecture.
    public static let featureCount = 128

    /// Which network the classifier is.
    public enum Architecture: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        /// MLP 784 → 256 → 128 → 10 (the default; every run's image metrics).
        case mlp
        /// Conv 1→16 and 16→32 (5×5, stride 2, padding 2), dense 1,568 → 128 → 10.
        case convolutional

        /// The one-line description recorded in (and matched against) the cache.
        public var summary: String {
            switch self {
            case .mlp: "mlp 784-256-128-10 relu float32"
            case .convolutional: "conv 1-16-32 k5 s2 p2, dense 1568-128-10, relu float32"
            }
        }
        public var description: String { rawValue }
    }

    /// The convolutional classifier's network: x [n, 784] → conv1 (1 → 16, 5×5, stride 2,
    /// padding 2; 28 → 14) → ReLU → conv2 (16 → 32, same geometry; 14 → 7) → ReLU → flatten
    /// (1,568) → fc1 (→ 128) → ReLU (the features) → fc2 (→ 10 logits). Parameters are views into
    /// one buffer, named as PyTorch's `state_dict` would (`conv1.weight` [16, 1, 5, 5], …).
    public final class ConvolutionalNetwork: Network {
        public let parameters = ParameterBuffer(dtype: .float32)
        public let conv1: Conv2d, conv2: Conv2d
        public let fc1: Linear, fc2: Linear

        public init(using rng: inout RandomGenerator) {
            conv1 = Conv2d(1, 16, kernelSize: 5, stride: 2, padding: 2, name: "conv1", in: parameters)
            conv2 = Conv2d(16, 32, kernelSize: 5, stride: 2, padding: 2, name: "conv2", in: parameters)
            fc1 = Linear(32 * 7 * 7, featureCount, activation: .relu, name: "fc1", in: parameters)
            fc2 = Linear(featureCount, 10, name: "fc2", in: parameters)
            parameters.finalize()
            conv1.initialize(with: .kaimingUniform, gain: Activation.relu.gain, using: &rng)
            conv2.initialize(with: .kaimingUniform, gain: Activation.relu.gain, using: &rng)
            for layer in [fc1, fc2] {
                Initializer.kaimingUniform.initialize(weight: layer.weight.value, bias: layer.bias?.value, gain: layer.activation.gain, using: &rng)
            }
        }

        public var inputWidth: Int { 784 }
        public var outputWidth: Int { 10 }

        /// The 128 penultimate features and the 10 logits of images x [n, 784] at parameters p.
        public func featuresAndLogits(_ x: Variable, parameters p: Variable) -> (features: Variable, logits: Variable) {
            let n = x.shape[0]
            let h = conv2(conv1(x.reshaped([n, 1, 28, 28]), parameters: p).relu(), parameters: p).relu()
            let features = fc1(h.reshaped([n, 32 * 7 * 7]), parameters: p)
            return (features, fc2(features, parameters: p))
        }

        public func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable { featuresAndLogits(x, parameters: p).logits }
    }

    /// How the classifier is trained. The defaults are what the ≥ 95% held-out accuracy was
    /// measured with (docs/metrics.md).
    public struct TrainingOptions: Sendable, Codable, Equatable {
        public var epochs: Int = 40
        public var batchSize: Int = 64
        /// Adam's peak step size; it decays to 0 along a half cosine over all steps.
        public var learningRate: Double = 2e-3
        /// Decoupled weight decay (AdamW): every step multiplies the weights by 1 − lr·weightDecay.
        public var weightDecay: Double = 1e-4
        /// Largest random shift s, in pixels, of a training image in each direction (0: none).
        public var maxShift: Int = 1

        public init() {}
        public init(epochs: Int = 40, batchSize: Int = 64, learningRate: Double = 2e-3, weightDecay: Double = 1e-4, maxShift: Int = 1) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.weightDecay = weightDecay
            self.maxShift = maxShift
        }

        /// The options as one line, recorded in (and matched against) the cache.
        public var summary: String {
            "epochs=\(epochs) batch=\(batchSize) adam lr=\(learningRate) cosine weight_decay=\(weightDecay) shift=\(maxShift)"
        }
    }

    /// The network: an ``MLP`` or a ``ConvolutionalNetwork`` (``architecture``).
    public let network: any Network
    /// Which network ``network`` is.
    public let architecture: Architecture
    public let seed: UInt64
    public let options: TrainingOptions
    /// SHA-256 (hex) of the data file trained on; nil when trained from tensors in memory.
    public let dataSHA256: String?
    /// The held-out images (the default reference set of the metrics).
    public let heldOut: MNISTImages
    /// Fraction of the held-out images classified correctly (recomputed on load, not read).
    public let heldOutAccuracy: Double
    /// Mean and covariance of the held-out images' penultimate features.
    public let referenceStatistics: GaussianStatistics
    /// Wall time of training in seconds, or nil when the weights came from the cache.
    public let trainingSeconds: Double?
    /// OpenBLAS's thread count during training (the weights' bits depend on it: `saddle` trains
    /// on one thread, a library or test process on its own setting), or nil when loaded.
    public let trainingThreads: Int?
    /// SHA-256 (hex) of the weights' bytes (the parameter buffer, in declaration order): two
    /// classifiers score alike exactly when these agree. A study's journal keys MNIST runs by it,
    /// so a run scored by another cache (say, one trained at another BLAS thread count) is not
    /// taken for this one's.
    public var weightsSHA256: String {
        var h = SHA256()
        h.update(network.parameters.flat)
        return h.hexDigest()
    }

    init(network: any Network, architecture: Architecture, seed: UInt64, options: TrainingOptions, dataSHA256: String?,
         heldOut: MNISTImages, trainingSeconds: Double?, trainingThreads: Int? = nil) {
        self.network = network
        self.architecture = architecture
        self.seed = seed
        self.options = options
        self.dataSHA256 = dataSHA256
        self.heldOut = heldOut
        self.trainingSeconds = trainingSeconds
        self.trainingThreads = trainingThreads
        // One pass over the held-out images gives both the reference statistics and the accuracy.
        let outputs = Self.outputs(of: network, images: heldOut.images)
        referenceStatistics = GaussianStatistics(of: outputs.features)
        heldOutAccuracy = Self.accuracy(of: Self.predictions(fromLogits: outputs.logits), labels: heldOut.labels)
    }

    // MARK: Loading, training, saving

    /// The default cache beside the data file: `data/mnist_5k.csv.gz` →
    /// `data/mnist_5k.classifier.safetensors` (the MLP) or `data/mnist_5k.conv-classifier.safetensors`.
    public static func defaultCachePath(forDataFile dataFile: String, architecture: Architecture = .mlp) -> String {
        let slash = dataFile.lastIndex(of: "/")
        let prefix = slash.map { String(dataFile[...$0]) } ?? ""
        var base = slash.map { String(dataFile[dataFile.index(after: $0)...]) } ?? dataFile
        for suffix in [".gz", ".csv"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        return prefix + base + (architecture == .mlp ? ".classifier.safetensors" : ".conv-classifier.safetensors")
    }

    /// The classifier for the MNIST-5k file `dataFile`: loaded from `cache` (default
    /// ``defaultCachePath(forDataFile:)``) when its metadata match, otherwise trained on the
    /// file's 4,000 training images and written to `cache`. `log` receives one line per event
    /// (cache used, cache stale and why, training progress, cache written or not writable).
    ///
    /// Throws the data file's ``FormatError`` when it is missing or malformed; a cache that is
    /// unreadable or stale is replaced, never an error.
    public static func loadOrTrain(dataFile: String = MNIST.defaultMNIST5kPath, architecture: Architecture = .mlp,
                                   cache: String? = nil, seed: UInt64 = 0,
                                   options: TrainingOptions = TrainingOptions(),
                                   log: (String) -> Void = { _ in }) throws -> MNISTClassifier {
        var hasher = SHA256()
        hasher.update(try readFileBytes(dataFile, limit: MNIST.maximumCSVByteCount))
        let sha = hasher.hexDigest()
        let data = try MNIST.readCSV(dataFile)
        let (training, heldOut) = MNIST.split(data)
        guard heldOut.classCounts.allSatisfy({ $0 > 0 }), training.count > 0 else {
            throw FormatError.wrongShape(file: dataFile, detail: "the classifier needs images of all 10 classes beyond the 100 per class held out; class counts \(data.classCounts)")
        }
        let cachePath = cache ?? defaultCachePath(forDataFile: dataFile, architecture: architecture)
        let expected = metadata(architecture: architecture, seed: seed, options: options, sha: sha)
        if FileManager.default.fileExists(atPath: cachePath) {
            do {
                let file = try SafeTensors.read(cachePath)
                if let stale = expected.keys.sorted().first(where: { file.metadata[$0] != expected[$0] }) {
                    log("classifier cache \(cachePath) is stale (\(stale): \(file.metadata[stale] ?? "missing"), want \(expected[stale]!)); retraining")
                } else {
                    let network = makeNetwork(architecture, seed: seed)
                    for p in network.parameters.parameters {
                        let t = try file.tensor(p.name, file: cachePath, shape: p.value.shape.dims)
                        guard t.dtype == .float32, t.isFinite else {
                            throw FormatError.badValue(file: cachePath, location: p.name, value: "\(t.dtype)", allowed: "finite F32 values")
                        }
                        p.value.copy(from: t)
                    }
                    let c = MNISTClassifier(network: network, architecture: architecture, seed: seed, options: options, dataSHA256: sha,
                                            heldOut: heldOut, trainingSeconds: nil)
                    log("classifier loaded from \(cachePath): held-out accuracy \(percent(c.heldOutAccuracy))")
                    return c
                }
            } catch {
                log("classifier cache \(cachePath) is unreadable (\(error)); retraining")
            }
        }
        let c = train(on: training, heldOut: heldOut, architecture: architecture, seed: seed, options: options, dataSHA256: sha, log: log)
        do {
            try c.save(to: cachePath)
            log("classifier cache written to \(cachePath)")
        } catch {
            log("warning: could not write the classifier cache \(cachePath): \(error)")
        }
        return c
    }

    /// Trains a classifier on `training`, reports held-out accuracy on `heldOut`.
    public static func train(on training: MNISTImages, heldOut: MNISTImages, architecture: Architecture = .mlp, seed: UInt64 = 0,
                             options: TrainingOptions = TrainingOptions(), dataSHA256: String? = nil,
                             log: (String) -> Void = { _ in }) -> MNISTClassifier {
        ensure(training.images.rank == 2 && training.images.shape[1] == 784 && training.count > 0,
               "MNISTClassifier.train: training images must be [n, 784], got \(training.images.shape)")
        ensure(options.epochs >= 0 && options.batchSize > 0 && options.maxShift >= 0 && options.maxShift < 28,
               "MNISTClassifier.train: bad options \(options.summary)")
        let start = Date(), threads = BLAS.threads
        let root = RandomGenerator(seed: seed)
        var shuffleRNG = root.split(1), shiftRNG = root.split(2)
        let network = makeNetwork(architecture, seed: seed)
        let flat = network.parameters.flat
        let count = flat.count
        let grad = Tensor.zeros(flat.shape, dtype: .float32)
        var m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
        let images = training.images.dtype == .float32 ? training.images : training.images.converted(to: .float32)
        let n = training.count
        var order = Array(0..<n)
        let stepsPerEpoch = (n + options.batchSize - 1) / options.batchSize
        let totalSteps = max(1, options.epochs * stepsPerEpoch)
        let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
        var step = 0
        for epoch in 0..<options.epochs {
            for i in stride(from: n - 1, to: 0, by: -1) {
                order.swapAt(i, Int(shuffleRNG.next() % UInt64(i + 1)))
            }
            var lossSum = 0.0
            for b in 0..<stepsPerEpoch {
                let rows = Array(order[(b * options.batchSize)..<min(n, (b + 1) * options.batchSize)])
                let batch = shiftedBatch(images, rows: rows, maxShift: options.maxShift, using: &shiftRNG)
                let labels = rows.map { training.labels[$0] }
                let weights = Variable(flat, requiresGradient: true)
                let loss = softmaxCrossEntropy(logits: network(Variable(batch), parameters: weights), labels: labels)
                lossSum += loss.scalar * Double(rows.count)
                gradients(of: loss, withRespectTo: [weights], into: [grad])
                // Adam with decoupled weight decay and a half-cosine schedule.
                let lr = options.learningRate * 0.5 * (1 + cos(Double.pi * Double(step) / Double(totalSteps)))
                step += 1
                let c1 = Float(1 - pow(0.9, Double(step))), c2 = Float(1 - pow(0.999, Double(step)))
                let alpha = Float(lr) / c1, decay = Float(1 - lr * options.weightDecay)
                let p = flat.f32, g = grad.f32
                m.withUnsafeMutableBufferPointer { mm in
                    v.withUnsafeMutableBufferPointer { vv in
                        for k in 0..<count {
                            let gk = g[k]
                            mm[k] = beta1 * mm[k] + (1 - beta1) * gk
                            vv[k] = beta2 * vv[k] + (1 - beta2) * gk * gk
                            p[k] = p[k] * decay - alpha * mm[k] / ((vv[k] / c2).squareRoot() + epsilon)
                        }
                    }
                }
            }
            if epoch == options.epochs - 1 || (epoch + 1) % 5 == 0 {
                log("classifier epoch \(epoch + 1)/\(options.epochs): training loss \(String(format: "%.4f", lossSum / Double(n)))")
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let c = MNISTClassifier(network: network, architecture: architecture, seed: seed, options: options, dataSHA256: dataSHA256,
                                heldOut: heldOut, trainingSeconds: seconds, trainingThreads: threads)
        log("classifier trained in \(String(format: "%.1f", seconds)) s: held-out accuracy \(percent(c.heldOutAccuracy))")
        return c
    }

    /// Writes the weights and metadata as safetensors (atomically).
    public func save(to path: String) throws {
        var file = SafeTensors(metadata: Self.metadata(architecture: architecture, seed: seed, options: options, sha: dataSHA256 ?? "none"))
        file.metadata["held_out_accuracy"] = String(heldOutAccuracy)
        if let t = trainingSeconds { file.metadata["training_seconds"] = String(format: "%.2f", t) }
        if let n = trainingThreads { file.metadata["blas_threads"] = String(n) }
        file.metadata["saddle_version"] = SaddleVersion.string
        for p in network.parameters.parameters { file.add(p.name, p.value.copy()) }
        try file.write(to: path)
    }

    static func metadata(architecture: Architecture, seed: UInt64, options: TrainingOptions, sha: String) -> [String: String] {
        ["classifier_version": String(version), "architecture": architecture.summary, "seed": String(seed),
         "training": options.summary, "data_sha256": sha]
    }

    static func makeNetwork(_ architecture: Architecture, seed: UInt64) -> any Network {
        var initRNG = RandomGenerator(seed: seed).split(0)
        switch architecture {
        case .mlp: return MLP(sizes, hidden: .relu, using: &initRNG)
        case .convolutional: return ConvolutionalNetwork(using: &initRNG)
        }
    }

    /// The images at `rows` of `images` ([n, 784] Float32), each shifted by its own random
    /// (dx, dy) ∈ {−s, …, s}² pixels drawn from `rng`, zero-filled: the training augmentation.
    public static func shiftedBatch(_ images: Tensor, rows: [Int], maxShift s: Int, using rng: inout RandomGenerator) -> Tensor {
        let batch = Tensor.zeros([rows.count, 784], dtype: .float32)
        let src = images.f32, dst = batch.f32
        for (r, i) in rows.enumerated() {
            let dx = s == 0 ? 0 : Int(rng.next() % UInt64(2 * s + 1)) - s
            let dy = s == 0 ? 0 : Int(rng.next() % UInt64(2 * s + 1)) - s
            let from = src + i * 784, to = dst + r * 784
            for y in max(0, dy)..<min(28, 28 + dy) {
                let sy = y - dy
                for x in max(0, dx)..<min(28, 28 + dx) { to[y * 28 + x] = from[sy * 28 + x - dx] }
            }
        }
        return batch
    }

    // MARK: Evaluation

    /// Logits [n, 10] and penultimate features [n, 128] (Float32) of images [n, 784] in [0, 1].
    public func forward(_ images: Tensor) -> (logits: Tensor, features: Tensor) { Self.outputs(of: network, images: images) }

    static func outputs(of network: any Network, images: Tensor) -> (logits: Tensor, features: Tensor) {
        ensure(images.rank == 2 && images.shape[1] == 784, "MNISTClassifier: images must be [n, 784], got \(images.shape)")
        let x = images.dtype == .float32 ? images : images.converted(to: .float32)
        return GradientRecording.withoutRecording {
            let (h, logits) = network.featuresAndLogits(Variable(x), parameters: Variable(network.parameters.flat))
            return (logits.value, h.value)
        }
    }

    /// The penultimate features [n, 128] of images [n, 784].
    public func features(_ images: Tensor) -> Tensor { forward(images).features }

    /// The predicted class (argmax of the logits, lowest index on ties) and its softmax probability, per image.
    public func predict(_ images: Tensor) -> [(label: Int, confidence: Double)] {
        Self.predictions(fromLogits: forward(images).logits)
    }

    static func predictions(fromLogits logits: Tensor) -> [(label: Int, confidence: Double)] {
        let n = logits.shape[0], k = logits.shape[1]
        return (0..<n).map { i in
            var best = 0
            for j in 1..<k where logits[i, j] > logits[i, best] { best = j }
            var z = 0.0
            for j in 0..<k { z += exp(logits[i, j] - logits[i, best]) }
            return (best, 1 / z)
        }
    }

    /// The fraction of `data` classified correctly.
    public func accuracy(on data: MNISTImages) -> Double {
        guard data.count > 0 else { return 0 }
        return Self.accuracy(of: predict(data.images), labels: data.labels)
    }

    static func accuracy(of predictions: [(label: Int, confidence: Double)], labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 0 }
        return Double(zip(predictions, labels).filter { $0.0.label == $0.1 }.count) / Double(labels.count)
    }
}

private func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

extension MLP: MNISTClassifier.Network {
    /// The logits (the last layer's output) and the features (the second-to-last layer's output).
    public func featuresAndLogits(_ x: Variable, parameters p: Variable) -> (features: Variable, logits: Variable) {
        let features = layers.dropLast().reduce(x) { h, layer in layer(h, parameters: p) }
        return (features, layers[layers.count - 1](features, parameters: p))
    }
}
