import CBLAS
import CKernels
import Testing
import TestSupport
import Tensors

/// `sk_gemm_f32`, the AVX-512 single-precision product without packing that `matmul` uses for the
/// mid-sized shapes of a GAN step (Tensor+Linear.swift, `packFreeProductApplies`): right against a
/// Float64 triple loop on every edge of its tiling, and bit for bit OpenBLAS's SGEMM on the shapes
/// where `matmul` uses it — the reason a run's bits did not move when it came in.
@Suite("Matrix products without packing (AVX-512)", .enabled(if: sk_gemm_f32_available() != 0))
struct PackFreeProductTests {
    struct Product {
        let m: Int, n: Int, k: Int, ta: Bool, tb: Bool, accumulate: Bool
        var description: String { "\(m)×\(n)×\(k)\(ta ? " Aᵀ" : "")\(tb ? " Bᵀ" : "")\(accumulate ? " +=" : "")" }
    }

    /// Operands with entries of several magnitudes (so that the order of the sums shows in the
    /// last bits), and an old C for the accumulating form.
    static func operands(_ p: Product, seed: UInt64) -> (a: [Float], b: [Float], c: [Float]) {
        var rng = RandomGenerator(seed: seed)
        func draw(_ count: Int) -> [Float] {
            (0..<count).map { i in Float(rng.normalDouble()) * (i % 5 == 0 ? 1e-3 : i % 7 == 0 ? 30 : 1) }
        }
        return (draw(p.m * p.k), draw(p.k * p.n), draw(p.m * p.n))
    }

    static func packFree(_ p: Product, _ a: [Float], _ b: [Float], _ c: [Float]) -> [Float] {
        var out = c
        let done = out.withUnsafeMutableBufferPointer { o in
            sk_gemm_f32(p.ta ? 1 : 0, p.tb ? 1 : 0, p.m, p.n, p.k, a, p.ta ? p.m : p.k, b, p.tb ? p.k : p.n,
                        p.accumulate ? 1 : 0, o.baseAddress, p.n)
        }
        #expect(done == 1)
        return out
    }

    static func openBLAS(_ p: Product, _ a: [Float], _ b: [Float], _ c: [Float]) -> [Float] {
        var out = c
        cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                    Int32(p.m), Int32(p.n), Int32(p.k), 1, a, Int32(p.ta ? p.m : p.k), b, Int32(p.tb ? p.k : p.n),
                    p.accumulate ? 1 : 0, &out, Int32(p.n))
        return out
    }

    /// Row and column tails of the 8 × 32 tiles (m and n not multiples of them, n below 16 and
    /// between 16 and 32), ragged 16 × 16 transpose blocks, k of 1: against a Float64 triple loop,
    /// within k·2⁻²³ of Σ|a||b| per element (a bound any order of summation meets).
    @Test func everyTileEdgeAgainstATripleLoop() {
        let shapes = [(1, 1, 1), (8, 32, 5), (9, 33, 7), (7, 15, 16), (15, 17, 17), (3, 40, 33), (16, 16, 16),
                      (31, 47, 50), (64, 128, 1), (129, 65, 31), (5, 300, 20)]
        for (m, n, k) in shapes { for ta in [false, true] { for tb in [false, true] { for accumulate in [false, true] {
            let p = Product(m: m, n: n, k: k, ta: ta, tb: tb, accumulate: accumulate)
            let (a, b, c) = Self.operands(p, seed: UInt64(m * 1000 + n * 10 + k))
            let got = Self.packFree(p, a, b, c)
            var worst = 0.0
            for i in 0..<m { for j in 0..<n {
                var sum = accumulate ? Double(c[i * n + j]) : 0, size = abs(sum)
                for q in 0..<k {
                    let x = Double(ta ? a[q * m + i] : a[i * k + q]), y = Double(tb ? b[j * k + q] : b[q * n + j])
                    sum += x * y
                    size += abs(x * y)
                }
                let bound = Double(k + 1) * 0x1p-23 * size
                worst = max(worst, abs(Double(got[i * n + j]) - sum) / max(bound, .leastNormalMagnitude))
            } }
            #expect(worst <= 1, "\(p.description): error \(worst) of the bound")
        } } } }
    }

    /// Bit for bit OpenBLAS 0.3's SkylakeX/Cooperlake SGEMM (the kernel this machine's OpenBLAS
    /// picks) on 450 seeded shapes of the region `matmul` sends to `sk_gemm_f32` (a third of them
    /// with k from 321 to 1600, two to five of OpenBLAS's K blocks), the GAN steps' own shapes, and
    /// the edges of the region and of the K blocking (k = 320, 321, 639, 640, 641; m·n·k just above
    /// 100³ without a transposed A).
    /// Elsewhere OpenBLAS sums in another order, and `packFreeProductApplies` keeps those shapes away.
    @Test(.enabled(if: ["Cooperlake", "Skylakex", "SkylakeX"].contains(BLAS.coreName)))
    func agreesBitForBitWithOpenBLASWhereMatmulUsesIt() {
        var products: [Product] = []
        for (m, n, k) in [(128, 128, 128), (128, 128, 64), (256, 128, 128), (64, 128, 128), (128, 784, 256),
                          (256, 784, 128), (128, 128, 320), (100, 100, 101), (101, 100, 100), (33, 17, 64),
                          // OpenBLAS's K blocks: one of 320 + 1, two halves, 320 + two halves, W2's 784.
                          (64, 48, 321), (40, 70, 336), (64, 64, 639), (64, 64, 640), (48, 80, 641),
                          (128, 256, 784), (128, 784, 784), (33, 65, 1024), (17, 40, 1600)] {
            for ta in [false, true] { for tb in [false, true] { for accumulate in [false, true] {
                products.append(Product(m: m, n: n, k: k, ta: ta, tb: tb, accumulate: accumulate))
            } } }
        }
        var rng = RandomGenerator(seed: 11)
        while products.count < 600 {
            let long = products.count % 3 == 0  // a third past one K block, up to five of them
            let m = 5 + Int(rng.next() % (long ? 150 : 300)), n = 5 + Int(rng.next() % (long ? 150 : 300))
            let k = long ? 321 + Int(rng.next() % 1280) : 5 + Int(rng.next() % 316)
            let p = Product(m: m, n: n, k: k, ta: rng.next() % 2 == 0, tb: rng.next() % 2 == 0, accumulate: rng.next() % 2 == 0)
            products.append(p)
        }
        var compared = 0
        for (index, p) in products.enumerated() where packFreeProductApplies(m: p.m, n: p.n, k: p.k, transposeA: p.ta, threads: 1) {
            let (a, b, c) = Self.operands(p, seed: UInt64(index))
            let mine = Self.packFree(p, a, b, c), theirs = Self.openBLAS(p, a, b, c)
            let differing = zip(mine, theirs).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(p.description): \(differing) of \(p.m * p.n) elements differ from OpenBLAS")
            compared += 1
        }
        #expect(compared >= 350)
    }

    /// `matmul` takes the path where `packFreeProductApplies` says so, and only there: on its own
    /// one-thread rule, and Aᵀ or m·n·k > 100³.
    @Test func matmulUsesItOnlyInsideTheRegion() {
        #expect(packFreeProductApplies(m: 128, n: 128, k: 128, transposeA: false, threads: 1))
        #expect(packFreeProductApplies(m: 64, n: 128, k: 64, transposeA: true, threads: 1))
        #expect(!packFreeProductApplies(m: 64, n: 128, k: 64, transposeA: false, threads: 1))  // 524,288 ≤ 100³
        #expect(!packFreeProductApplies(m: 100, n: 100, k: 100, transposeA: false, threads: 1))
        #expect(packFreeProductApplies(m: 100, n: 100, k: 101, transposeA: false, threads: 1))
        #expect(packFreeProductApplies(m: 128, n: 128, k: 784, transposeA: true, threads: 1))  // K blocks as OpenBLAS's
        #expect(!packFreeProductApplies(m: 128, n: 128, k: 128, transposeA: false, threads: 2))
        // Through matmul: inside the region the bits of the kernel called directly, outside it
        // OpenBLAS's own (whichever kernel family OpenBLAS runs on this machine).
        BLAS.threads = 1  // Saddle's setting from every program's start (CKernels, blas_threads.c)
        for (index, p) in [Product(m: 128, n: 96, k: 96, ta: false, tb: true, accumulate: true),   // 1,179,648 > 100³
                           Product(m: 128, n: 96, k: 72, ta: false, tb: true, accumulate: true)]   // 884,736: OpenBLAS
            .enumerated() {
            let inside = packFreeProductApplies(m: p.m, n: p.n, k: p.k, transposeA: p.ta, threads: 1)
            #expect(inside == (index == 0))
            let (a, b, c) = Self.operands(p, seed: 5)
            let expected = inside ? Self.packFree(p, a, b, c) : Self.openBLAS(p, a, b, c)
            let out = Tensor(floats: c, shape: [p.m, p.n])
            matmul(Tensor(floats: a, shape: [p.m, p.k]),
                   Tensor(floats: b, shape: [p.n, p.k]),
                   transposeB: true, into: out, accumulate: true)
            let differing = zip(out.scalars.map(Float.init), expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(p.description): \(differing) of \(p.m * p.n) elements differ")
        }
    }
}
