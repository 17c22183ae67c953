import Data
import Tensors

/// Ten synthetic "digits" for tests that need an MNIST-shaped data set without MNIST-5k: class k
/// lights a 6×4 block at a class-specific place, plus 5% random pixels; `perClass` of each class,
/// labels cycling 0…9, the same for every call (seed 42).
public func syntheticDigits(perClass: Int) -> MNISTImages {
    var rng = RandomGenerator(seed: 42)
    let n = 10 * perClass
    let images = Tensor.zeros([n, 784], dtype: .float32)
    var labels: [Int] = []
    for i in 0..<n {
        let k = i % 10
        labels.append(k)
        let top = 2 + (k / 5) * 12, left = 2 + (k % 5) * 5
        for y in top..<(top + 6) { for x in left..<(left + 4) { images[i * 784 + y * 28 + x] = 1 } }
        for p in 0..<784 where rng.uniformDouble() < 0.05 { images[i * 784 + p] = Double(Int(rng.uniformDouble() * 255)) / 255 }
    }
    return MNISTImages(images: images, labels: labels)
}

/// `data` in MNIST-5k's CSV layout: 784 pixel values 0–255, then the label, one image a line.
public func mnistCSV(_ data: MNISTImages) -> String {
    (0..<data.count).map { i in
        (0..<784).map { String(Int((data.images[i * 784 + $0] * 255).rounded())) }.joined(separator: ",") + ",\(data.labels[i])"
    }.joined(separator: "\n") + "\n"
}
