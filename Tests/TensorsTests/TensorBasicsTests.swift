import Foundation
import Testing
import TestSupport
import Tensors

@Suite("Tensor basics")
struct TensorBasicsTests {
    @Test func viewsShareStorage() {
        let flat = Tensor.zeros([10], dtype: .float64)
        let w = flat.view(from: 2, shape: [2, 3])
        w.fill(5)
        #expect(flat.scalars == [0, 0, 5, 5, 5, 5, 5, 5, 0, 0])
        flat.axpy(2, Tensor.ones([10], dtype: .float64))
        #expect(w.scalars == [7, 7, 7, 7, 7, 7])
        #expect(w.overlaps(flat))
        #expect(!w.overlaps(flat.view(from: 8, shape: [2])))
    }

    @Test(arguments: [DType.float32, .float64])
    func elementwiseAgainstScalarFormulas(_ dtype: DType) {
        let xs: [Double] = [-30, -2.5, -0.3, 0, 0.7, 3, 40]
        let x = Tensor(xs, shape: [7], dtype: dtype)
        let tol = dtype == .float64 ? 1e-15 : 1e-6
        func close(_ t: Tensor, _ f: (Double) -> Double, _ name: String) {
            for (i, v) in xs.enumerated() {
                let want = f(dtype == .float32 ? Double(Float(v)) : v)
                #expect(abs(t[i] - want) <= tol * max(1, abs(want)), "\(name)(\(v)) = \(t[i]), expected \(want)")
            }
        }
        close(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, "sigmoid")
        close(x.softplus(), { $0 > 30 ? $0 : Foundation.log1p(Foundation.exp($0)) }, "softplus")
        close(x.tanh(), { Foundation.tanh($0) }, "tanh")
        close(x.elu(), { $0 > 0 ? $0 : Foundation.expm1($0) }, "elu")
        close(x.leakyRelu(slope: 0.2), { $0 > 0 ? $0 : 0.2 * $0 }, "leakyRelu")
        close(x.affine(scale: 2, shift: -1), { 2 * $0 - 1 }, "affine")
        #expect(x.softplus().isFinite && x.sigmoid().isFinite)
    }

    @Test func reductionsAndBroadcasts() {
        let m = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(m.sumRows().scalars == [5, 7, 9])
        #expect(m.sumColumns().scalars == [6, 15])
        #expect(m.sum() == 21)
        #expect(m.dot(m) == 91)
        #expect(Tensor([1, 2, 3], shape: [3]).broadcastRows(2).scalars == [1, 2, 3, 1, 2, 3])
        #expect(Tensor([1, 2], shape: [2, 1]).broadcastColumns(3).scalars == [1, 1, 1, 2, 2, 2])
        #expect(m.addingRow(Tensor([10, 20, 30], shape: [3])).scalars == [11, 22, 33, 14, 25, 36])
        #expect(m.transposed().scalars == [1, 4, 2, 5, 3, 6])
        let nan = Tensor([1, .nan, 2], shape: [3])
        #expect(nan.maxAbs().isNaN && !nan.isFinite)
        #expect(!Tensor([1, .infinity], shape: [2]).isFinite)
    }

    /// The transpose on every edge of its 16 × 16 register blocks (full blocks, ragged rows,
    /// ragged columns, both, fewer than one block), in both precisions: out[c, r] = in[r, c].
    @Test(arguments: [DType.float32, .float64])
    func transposeMovesEveryElement(dtype: DType) {
        for rows in [1, 3, 15, 16, 17, 32, 37] {
            for cols in [1, 5, 16, 31, 33, 48] {
                let values: [Double] = (0..<(rows * cols)).map { Double($0) }
                let t = Tensor(values, shape: [rows, cols], dtype: dtype).transposed()
                #expect(t.shape == Shape([cols, rows]))
                let got = t.scalars
                var misplaced = 0
                for c in 0..<cols {
                    for r in 0..<rows where got[c * rows + r] != Double(r * cols + c) { misplaced += 1 }
                }
                #expect(misplaced == 0, "\(dtype) \(rows)×\(cols): \(misplaced) elements misplaced")
            }
        }
    }

    @Test func fusedBiasActivationMatchesUnfused() {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.normal([5, 7], dtype: .float64, using: &rng)
        let b = Tensor.normal([7], dtype: .float64, using: &rng)
        let expected = x.addingRow(b).leakyRelu(slope: 0.2)
        let fused = x.copy()
        fused.addBiasActivate(b, leakySlope: 0.2)
        #expect(fused.scalars == expected.scalars)
    }

    /// The dense layer's fused backward pass (mask by sign and column sums in one pass) gives the
    /// bits of the two passes, over vector-width edges, in both dtypes.
    @Test(arguments: [DType.float32, .float64]) func fusedMaskAndRowSumMatchUnfused(dtype: DType) {
        var rng = RandomGenerator(seed: 4)
        for (rows, cols) in [(1, 1), (3, 5), (16, 16), (17, 33), (128, 256), (129, 65)] {
            let g = Tensor.normal([rows, cols], dtype: dtype, using: &rng)
            let ref = Tensor.normal([rows, cols], dtype: dtype, using: &rng)
            let (masked, sums) = g.maskedWithRowSum(bySignOf: ref, slope: 0.2)
            let expected = g.masked(bySignOf: ref, slope: 0.2)
            #expect(masked.scalars.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "\(rows)×\(cols)")
            #expect(sums.scalars.map(\.bitPattern) == expected.sumRows().scalars.map(\.bitPattern), "\(rows)×\(cols)")
        }
    }

    /// After one warm-up step has filled the pool's free lists, repeating the same computation
    /// allocates no tensor memory from the system.
    @Test func poolServesSteadyState() {
        var rng = RandomGenerator(seed: 2)
        let w = Tensor.normal([300, 200], using: &rng)   // 240 KB activations, above malloc's mmap threshold
        let x = Tensor.normal([200, 300], using: &rng)
        func step() { _ = (matmul(w, x).leakyRelu(slope: 0.2) + matmul(w, x)).sumRows() }
        step()
        // Other tests may run concurrently and allocate, so retry a few times for a quiet window.
        var clean = false
        for _ in 0..<20 where !clean {
            let before = TensorPool.shared.statistics.systemAllocations
            step(); step()
            clean = TensorPool.shared.statistics.systemAllocations == before
        }
        #expect(clean)
    }
}

/// SHA-256 against the FIPS 180-4 example vectors (NIST's "SHA256.pdf" and the Secure Hash
/// Standard's one-million-'a' message), fed in one piece and in uneven pieces.
@Suite("SHA-256: FIPS 180-4 examples")
struct SHA256Tests {
    static let vectors: [(message: [UInt8], digest: String)] = [
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test func examples() {
        for v in Self.vectors {
            var whole = SHA256()
            whole.update(v.message)
            #expect(whole.hexDigest() == v.digest, "\(v.message.count) bytes")
            var pieces = SHA256()
            var at = 0, size = 1
            while at < v.message.count {
                let end = min(v.message.count, at + size)
                pieces.update(v.message[at..<end])
                at = end
                size = size % 97 + 13
            }
            #expect(pieces.hexDigest() == v.digest, "\(v.message.count) bytes in pieces")
        }
    }
}
