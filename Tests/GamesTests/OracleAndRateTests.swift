import Foundation
import Formats
import Games
import Tensors
import Testing
import TestSupport

@Suite("Oracle accounting, merit functions, observed rate, matrix files")
struct OracleAndRateTests {
    @Test func oracleCountsBlocksAsHalfCallsAndSamples() {
        var F = Oracle(AdditiveNoise(BilinearGame.scalar(), noiseLevel: 1, batchSize: 4), seed: 1)
        _ = F.field(at: BilinearGame.scalar().initialPoint)
        _ = F.field(at: BilinearGame.scalar().initialPoint, blocks: [.discriminator])
        #expect(F.counter.blockEvaluations == 3 && F.counter.oracleCalls == 1.5 && F.counter.samples == 8)
        var exact = Oracle(BilinearGame.scalar())
        _ = exact.field(at: BilinearGame.scalar().initialPoint)
        #expect(exact.counter.samples == 0 && exact.counter.oracleCalls == 1)
    }

    @Test func stochasticDrawsAreReproducibleAndHaveTheStatedVariance() {
        let noisy = AdditiveNoise(BilinearGame.scalar(), noiseLevel: 2, batchSize: 16)
        let w = BlockVector(generator: [0], discriminator: [0])
        var a = Oracle(noisy, seed: 5), b = Oracle(noisy, seed: 5)
        var sum = 0.0
        for _ in 0..<4000 {
            let x = a.field(at: w), y = b.field(at: w)
            #expect(x.isBitIdentical(to: y))
            sum += x.dot(x)
        }
        // E‖ξ̄‖² = 2 · σ²/N = 2 · 4/16 = 0.5 (two entries); 4000 draws: standard error ≈ 0.011.
        #expect(abs(sum / 4000 - 0.5) < 0.05)
    }

    @Test func residualIsTheNaturalMap() {
        // Unconstrained: ‖F(ω)‖. Box: θφ at (2, 0.5) on [−1, 1]²: ω − F = (1.5, 2.5) → P = (1, 1), r = ‖(2,0.5) − (1,1)‖.
        #expect(abs(Merit.residual(of: BilinearGame.scalar(), at: BlockVector(generator: [2], discriminator: [0.5])) - 4.25.squareRoot()) < 1e-15)
        let boxed = BilinearGame.scalar(box: 1)
        #expect(abs(Merit.residual(of: boxed, at: BlockVector(generator: [2], discriminator: [0.5])) - 1.25.squareRoot()) < 1e-15)
    }

    @Test func observedRateFitsTheSecondHalfAndCutsAtTheFloor() {
        // d_t = 3 · 0.8^t: squared factor 0.64 exactly.
        let d = (0..<100).map { 3 * pow(0.8, Double($0)) }
        #expect(abs(ObservedRate.squaredDistanceFactor(distances: d, floor: 0)! - 0.64) < 1e-12)
        // A first half at another rate is ignored; points under the floor are cut.
        let mixed = (0..<50).map { pow(0.5, Double($0)) } + (0..<50).map { pow(0.5, 49) * pow(0.9, Double($0 + 1)) }
        #expect(abs(ObservedRate.squaredDistanceFactor(distances: mixed, floor: 0)! - 0.81) < 1e-9)
        let withNoiseFloor = (0..<40).map { pow(0.7, Double($0)) } + [Double](repeating: 1e-20, count: 200)
        let floor = ObservedRate.floor(scale: 0)
        #expect(abs(floor - 1e3 * Double.ulpOfOne) < 1e-30)
        #expect(abs(ObservedRate.squaredDistanceFactor(distances: withNoiseFloor, floor: floor)! - 0.49) < 1e-12)
        #expect(ObservedRate.squaredDistanceFactor(distances: [1, 0.5], floor: 0) == nil)
    }

    @Test func matrixFilesInCSVAndNPY() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-games-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1, 2.5\n# comment\n-3,4e-1\n".write(to: dir.appendingPathComponent("m.csv"), atomically: true, encoding: .utf8)
        let m = try MatrixFile.read(dir.appendingPathComponent("m.csv").path)
        #expect(m.shape == [2, 2] && m.scalars == [1, 2.5, -3, 0.4])
        // NPY v1.0, '<f8', C order, shape (2, 3): the header padded with spaces to a multiple of 64 bytes.
        func npy(_ descr: String, _ values: [Double], shape: String) -> Data {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + Array(header.utf8)
            for v in values {
                if descr == "<f8" { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
                else { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 } }
            }
            return Data(bytes)
        }
        try npy("<f8", [1, 2, 3, 4, 5, 6.5], shape: "(2, 3)").write(to: dir.appendingPathComponent("a.npy"))
        let a = try MatrixFile.read(dir.appendingPathComponent("a.npy").path)
        #expect(a.shape == [2, 3] && a.scalars == [1, 2, 3, 4, 5, 6.5])
        try npy("<f4", [0.5, -2], shape: "(2,)").write(to: dir.appendingPathComponent("v.npy"))
        #expect(try MatrixFile.read(dir.appendingPathComponent("v.npy").path).scalars == [0.5, -2])
        try npy(">f8", [1], shape: "(1,)").write(to: dir.appendingPathComponent("bad.npy"))
        #expect(throws: FormatError.self) { try MatrixFile.read(dir.appendingPathComponent("bad.npy").path) }
        try "1,2\n3\n".write(to: dir.appendingPathComponent("ragged.csv"), atomically: true, encoding: .utf8)
        #expect(throws: FormatError.self) { try MatrixFile.read(dir.appendingPathComponent("ragged.csv").path) }
    }
}
