import Data
import Foundation
import Formats
import Testing

@Suite("MNIST readers")
struct MNISTTests {
    /// 20 rows per class of a synthetic MNIST-5k-layout CSV, gzipped.
    static func syntheticCSV(perClass: Int = 20) -> [UInt8] {
        var s = ""
        for i in 0..<(10 * perClass) {
            let label = i % 10
            s += (0..<784).map { String(($0 + i) % 256) }.joined(separator: ",") + ",\(label)\n"
        }
        return Gzip.compress(Array(s.utf8))
    }

    func temporaryFile(_ bytes: [UInt8], _ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-mnist-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try atomicWrite(bytes, to: dir + "/" + name)
        return dir + "/" + name
    }

    @Test func readsCSVAndHoldsOutPerClass() throws {
        let p = try temporaryFile(Self.syntheticCSV(), "mnist.csv.gz")
        let data = try MNIST.readCSV(p)
        #expect(data.count == 200 && data.images.shape == [200, 784])
        #expect(data.images[1, 0] == 1.0 / 255 || abs(data.images[1, 0] - 1.0 / 255) < 1e-7)
        let (train, held) = MNIST.split(data, heldOutPerClass: 5, seed: 0)
        #expect(held.classCounts == [Int](repeating: 5, count: 10) && train.count == 150)
        let again = MNIST.split(data, heldOutPerClass: 5, seed: 0)
        #expect(again.heldOut.images.scalars == held.images.scalars)       // deterministic
        #expect(MNIST.split(data, heldOutPerClass: 5, seed: 1).heldOut.images.scalars != held.images.scalars)
    }

    @Test func badRowsAreOneLineErrors() throws {
        let bad = try temporaryFile(Array("1,2,3\n".utf8), "short.csv")
        #expect { try MNIST.readCSV(bad) } throws: { "\($0)".contains("line 1 has 3 fields, expected 785") }
        let pixel = try temporaryFile(Array(((0..<784).map { _ in "300" }.joined(separator: ",") + ",1\n").utf8), "pixel.csv")
        #expect { try MNIST.readCSV(pixel) } throws: { "\($0)".contains("0 to 255") }
    }

    @Test func readsIDXPairs() throws {
        let images = IDX(dimensions: [3, 28, 28], bytes: (0..<(3 * 784)).map { UInt8($0 % 256) })
        let labels = IDX(dimensions: [3], bytes: [7, 0, 9])
        let ip = try temporaryFile(Gzip.compress(images.serialized()), "train-images-idx3-ubyte.gz")
        let lp = try temporaryFile(labels.serialized(), "train-labels-idx1-ubyte")
        let m = try MNIST.readIDX(images: ip, labels: lp)
        #expect(m.labels == [7, 0, 9] && m.images.shape == [3, 784])
        let cut = try temporaryFile(Array(images.serialized().prefix(100)), "cut-idx3-ubyte")
        #expect { try MNIST.readIDX(images: cut, labels: lp) } throws: { "\($0)".contains("truncated") && "\($0)".contains(cut) }
    }

    /// IDX headers whose dimensions would overflow `n × 28 × 28` (or hide behind a zero count)
    /// are one-line errors naming the file, never a trap; so are images that are not 28 × 28.
    @Test func idxHeadersThatWouldOverflowAreRefused() throws {
        let labels = try temporaryFile(IDX(dimensions: [0], bytes: []).serialized(), "labels-idx1-ubyte")
        func header(_ dims: [UInt32]) -> [UInt8] {
            [0, 0, 8, UInt8(dims.count)] + dims.flatMap { [UInt8($0 >> 24), UInt8($0 >> 16 & 0xff), UInt8($0 >> 8 & 0xff), UInt8($0 & 0xff)] }
        }
        for dims: [UInt32] in [[0, UInt32.max, UInt32.max], [0, 65_536, 65_536], [0, 784, 1], [1, 1, 784]] {
            let p = try temporaryFile(header(dims) + [UInt8](repeating: 0, count: Int(dims.reduce(1, { $0 &* $1 }) % 1000)), "images-idx3-ubyte")
            #expect { try MNIST.readIDX(images: p, labels: labels) } throws: { e in
                "\(e)".hasPrefix(p) && !"\(e)".contains("\n") && e is FormatError
            }
        }
    }

    /// An MNIST CSV saved with old-Mac (CR-only) line endings reads like the LF file.
    @Test func readsCSVWithCROnlyLineEndings() throws {
        let rows = (0..<3).map { i in ((0..<784).map { String(($0 * 7 + i) % 256) } + [String(i)]).joined(separator: ",") }
        let lf = try MNIST.readCSV(try temporaryFile(Array(rows.joined(separator: "\n").utf8), "lf.csv"))
        let cr = try MNIST.readCSV(try temporaryFile(Array(rows.joined(separator: "\r").utf8), "cr.csv"))
        #expect(cr.count == 3 && cr.labels == [0, 1, 2] && cr.images.scalars == lf.images.scalars)
    }

    /// The real MNIST-5k file, when scripts/fetch-mnist5k has fetched it.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: MNIST.defaultMNIST5kPath),
                   "data/mnist_5k.csv.gz is absent: run scripts/fetch-mnist5k to fetch it"))
    func realMNIST5k() throws {
        let path = MNIST.defaultMNIST5kPath
        let data = try MNIST.readCSV(path)
        #expect(data.count == 5000 && data.classCounts == [Int](repeating: 500, count: 10))
        let (train, held) = MNIST.split(data)
        #expect(held.count == 1000 && train.count == 4000 && held.classCounts == [Int](repeating: 100, count: 10))
    }
}
