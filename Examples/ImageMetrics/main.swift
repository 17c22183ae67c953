// Saddle's sample-quality metrics from the library: the MNIST classifier (trained by Saddle on
// MNIST-5k, or loaded from its cache), image metrics of real images and of noise, and the
// distribution distances for a 2-D mixture. Needs data/mnist_5k.csv.gz (scripts/fetch-mnist5k).
//
//   swift run -c release ExampleImageMetrics [path/to/mnist_5k.csv.gz]
import Foundation
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

let dataFile = CommandLine.arguments.dropFirst().first ?? MNIST.defaultMNIST5kPath
let classifier = try MNISTClassifier.loadOrTrain(dataFile: dataFile) { print("  \($0)") }
print("held-out accuracy: \(classifier.heldOutAccuracy)")

func show(_ name: String, _ m: ImageMetrics) {
    print("\(name): classes covered \(m.classesCovered)/10, class KL \(String(format: "%.4f", m.classHistogramKL)), "
          + "Fréchet \(String(format: "%.2f", m.frechetDistance)), sliced W2 \(String(format: "%.4f", m.slicedWasserstein))")
}
// 1,000 real training images (every 4th), against the 1,000 held-out ones.
let (training, _) = MNIST.split(try MNIST.readCSV(dataFile))
show("real (training vs held-out)", classifier.metrics(of: training.subset(Array(stride(from: 0, to: training.count, by: 4))).images))
// 1,000 images of uniform noise: what an untrained generator's output looks like to the metrics.
var rng = RandomGenerator(seed: 0)
show("uniform noise", classifier.metrics(of: Tensor.uniform([1000, 784], using: &rng)))

// The same two sets by the convolutional classifier's features (its own cache; trained on first use).
let conv = try MNISTClassifier.loadOrTrain(dataFile: dataFile, architecture: .convolutional) { print("  \($0)") }
show("conv classifier, real", conv.metrics(of: training.subset(Array(stride(from: 0, to: training.count, by: 4))).images))
var noiseRNG = RandomGenerator(seed: 0)
show("conv classifier, uniform noise", conv.metrics(of: Tensor.uniform([1000, 784], using: &noiseRNG)))

// Any data: sliced Wasserstein and MMD² against fresh draws of the ring of 8 (2,500 each).
let real = GaussianMixture.ring.sample(2500, dtype: .float64, using: &rng)
let oneMode = GaussianMixture(name: "one mode", means: [GaussianMixture.ring.means[0]], standardDeviation: 0.02)
    .sample(2500, dtype: .float64, using: &rng)
for (name, x) in [("ring samples", real), ("one ring mode", oneMode)] {
    let d = SampleDistances(samples: x, mixture: .ring, seed: 1)
    print("\(name): sliced W2 \(String(format: "%.4f", d.slicedWasserstein)), MMD² \(String(format: "%.5f", d.mmd.squared)) "
          + "± \(String(format: "%.5f", d.mmd.standardError)) (bandwidth \(String(format: "%.3f", d.mmd.bandwidth)))")
}
