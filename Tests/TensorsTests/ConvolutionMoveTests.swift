import CKernels
import Testing
import TestSupport
import Tensors

/// im2col and col2im (the C kernels `sk_unfold`, `sk_fold`) bit for bit against their definitions
/// written as plain loops: the column matrix holds x[n, i, r·s − p + u, c·s − p + v] (0 in the
/// padding), and col2im adds each column entry into its pixel, the terms of a pixel from +0 in the
/// order of the kernel offsets (u, v). Shapes cover strides 1–3, paddings 0–2, rows shorter and
/// longer than the kernels' 8-lane vectors (7, 14, 27 wide), uneven maps, and a plane too large for
/// the kernels' stack scratch (70×70 padded to 72×72 > 4096 elements), in both precisions.
@Suite("Convolution data movement (im2col, col2im)")
struct ConvolutionMoveTests {
    static let shapes: [(h: Int, w: Int, k: Int, s: Int, p: Int)] = [
        (14, 14, 4, 2, 1), (28, 28, 4, 2, 1), (7, 7, 3, 1, 1), (5, 27, 4, 2, 1), (9, 11, 3, 3, 2),
        (6, 6, 2, 1, 0), (4, 4, 1, 1, 0), (70, 70, 3, 2, 1), (3, 5, 3, 1, 2),
    ]

    /// Each shape's output size and two random tensors: the convolution's input side [3, ci, h, w]
    /// (or its output side [3, co, oh, ow] with `outputSide`) and a weight [co, ci, k, k].
    private func operands(_ dtype: DType, h: Int, w: Int, k: Int, s: Int, p: Int, ci: Int, co: Int, outputSide: Bool)
        -> (oh: Int, ow: Int, x: Tensor, weight: Tensor) {
        let (oh, ow) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1)
        var rng = RandomGenerator(seed: outputSide ? 11 : 7)
        let x = Tensor.normal(outputSide ? [3, co, oh, ow] : [3, ci, h, w], dtype: dtype, using: &rng)
        return (oh, ow, x, Tensor.normal([co, ci, k, k], dtype: dtype, using: &rng))
    }

    /// The bits of element i, whatever the precision.
    private func bits(_ t: Tensor, _ i: Int) -> UInt64 {
        t.dtype == .float32 ? UInt64(t.f32[i].bitPattern) : t.f64[i].bitPattern
    }

    @Test(arguments: [DType.float32, .float64])
    func unfoldMatchesTheDefinition(_ dtype: DType) throws {
        for (h, w, k, s, p) in Self.shapes {
            let (n, ci) = (3, 2)
            let (oh, ow, x, weight) = operands(dtype, h: h, w: w, k: k, s: s, p: p, ci: ci, co: 1, outputSide: false)
            // One output channel: a thin product, so im2col + GEMM, which returns its column matrix.
            let cols = try #require(convolution2DKeepingColumns(x, weight: weight, bias: nil, stride: s, padding: p).columns)
            #expect(cols.shape == Shape([ci * k * k, n * oh * ow]))
            var mismatches = 0
            for i in 0..<ci { for u in 0..<k { for v in 0..<k { for b in 0..<n { for r in 0..<oh { for c in 0..<ow {
                let (y, z) = (r * s - p + u, c * s - p + v)
                let expected: UInt64 = (y >= 0 && y < h && z >= 0 && z < w) ? bits(x, ((b * ci + i) * h + y) * w + z)
                    : (dtype == .float32 ? UInt64(Float(0).bitPattern) : Double(0).bitPattern)
                let index = ((i * k + u) * k + v) * (n * oh * ow) + (b * oh + r) * ow + c
                if bits(cols, index) != expected { mismatches += 1 }
            } } } } } }
            #expect(mismatches == 0, "im2col \(dtype) \(h)×\(w) k\(k) s\(s) p\(p): \(mismatches) entries differ")
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func foldMatchesTheDefinitionBitForBit(_ dtype: DType) throws {
        for (h, w, k, s, p) in Self.shapes {
            let (n, ci, co) = (3, 2, 3)
            let (oh, ow, g, weight) = operands(dtype, h: h, w: w, k: k, s: s, p: p, ci: ci, co: co, outputSide: true)
            let x = convolution2DAdjoint(g, weight: weight, bias: nil, stride: s, padding: p, inputHeight: h, inputWidth: w)
            // The same column matrix as the adjoint's: Wᵀ [K, Cout] times g moved to [Cout, N·Ho·Wo].
            let moved = Tensor(uninitialized: [co, n * oh * ow], dtype: dtype)
            for o in 0..<co { for b in 0..<n { for q in 0..<(oh * ow) {
                moved[o * n * oh * ow + b * oh * ow + q] = g[(b * co + o) * oh * ow + q]
            } } }
            let cols = matmul(weight.reshaped([co, ci * k * k]), moved, transposeA: true)
            let expected = Tensor.zeros([n, ci, h, w], dtype: dtype)
            for i in 0..<ci { for u in 0..<k { for v in 0..<k { for b in 0..<n { for r in 0..<oh { for c in 0..<ow {
                let (y, z) = (r * s - p + u, c * s - p + v)
                guard y >= 0 && y < h && z >= 0 && z < w else { continue }
                let xi = ((b * ci + i) * h + y) * w + z
                let term = cols[((i * k + u) * k + v) * (n * oh * ow) + (b * oh + r) * ow + c]
                // Added in the tensor's own precision, as the kernel does.
                if dtype == .float32 { expected.f32[xi] += Float(term) } else { expected.f64[xi] += term }
            } } } } } }
            var mismatches = 0
            for e in 0..<expected.count where bits(x, e) != bits(expected, e) { mismatches += 1 }
            #expect(mismatches == 0, "col2im \(dtype) \(h)×\(w) k\(k) s\(s) p\(p): \(mismatches) pixels differ")
        }
    }

    /// The one-pass adjoint (`sk_convolution_adjoint_f32`: Wᵀg in 32-column panels into a window of
    /// a few samples' columns, each sample folded when its columns are done) bit for bit against
    /// col2im written as loops over `matmul`'s Wᵀg, called directly and through
    /// `convolution2DAdjoint` with a bias (which takes it where it applies; that it does is the direct
    /// call's part — the two paths are meant to agree). Batches put 1 to 32 samples in a panel and
    /// samples across panel edges (P = 1 … 900 columns each, 32 among them, where a window shift
    /// moves no column), so the window slides many times; Cout from 5 to 320 (one K block; 321 is
    /// declined and writes nothing), K ≡ 0 … 7 (mod 8) for every tail of row tiles, non-square maps.
    @Test(.enabled(if: sk_gemm_f32_available() != 0))
    func oneWindowAdjointMatchesMatmulThenFoldBitForBit() throws {
        let cases: [(n: Int, ci: Int, co: Int, h: Int, w: Int, k: Int, s: Int, p: Int)] = [
            (32, 64, 128, 14, 14, 4, 2, 1), (32, 1, 64, 28, 28, 4, 2, 1), (3, 2, 5, 7, 7, 3, 1, 1), (5, 3, 17, 9, 9, 3, 3, 2),
            (40, 1, 8, 4, 4, 4, 1, 0), (7, 2, 320, 6, 6, 2, 1, 0), (2, 3, 9, 30, 30, 3, 1, 1), (33, 2, 6, 2, 2, 2, 2, 0),
            (9, 1, 7, 11, 6, 3, 1, 0), (6, 3, 12, 8, 16, 2, 2, 0), (10, 5, 6, 4, 8, 1, 1, 0), (4, 6, 33, 5, 9, 1, 1, 1),
            (3, 7, 10, 12, 5, 1, 2, 0),
        ]
        var seen = Set<Int>()
        for (n, ci, co, h, w, k, s, p) in cases {
            let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1, plane = oh * ow
            seen.insert(ci * k * k % 8)
            var rng = RandomGenerator(seed: UInt64(n * 1000 + co))
            let g = Tensor.normal([n, co, oh, ow], dtype: .float32, using: &rng)
            let weight = Tensor.normal([co, ci, k, k], dtype: .float32, using: &rng)
            let bias = Tensor.normal([ci], dtype: .float32, using: &rng)
            let moved = Tensor(uninitialized: [co, n * plane], dtype: .float32)
            for o in 0..<co { for b in 0..<n { for q in 0..<plane { moved[o * n * plane + b * plane + q] = g[(b * co + o) * plane + q] } } }
            let cols = matmul(weight.reshaped([co, ci * k * k]), moved, transposeA: true)
            let expected = Tensor.zeros([n, ci, h, w], dtype: .float32)
            for i in 0..<ci { for u in 0..<k { for v in 0..<k { for b in 0..<n { for r in 0..<oh { for c in 0..<ow {
                let (y, z) = (r * s - p + u, c * s - p + v)
                guard y >= 0 && y < h && z >= 0 && z < w else { continue }
                expected.f32[((b * ci + i) * h + y) * w + z] += cols.f32[((i * k + u) * k + v) * (n * plane) + b * plane + r * ow + c]
            } } } } } }
            let direct = Tensor(uninitialized: [n, ci, h, w], dtype: .float32)
            let scratch = Tensor(uninitialized: [sk_convolution_adjoint_scratch(ci, co, k, k, oh, ow)], dtype: .float32)
            let status = withExtendedLifetime(scratch) {
                sk_convolution_adjoint_f32(weight.f32, g.f32, direct.f32, n, ci, co, h, w, k, k, s, p, oh, ow, scratch.f32)
            }
            #expect(status == 1, "n \(n), \(ci)→\(co), \(h)×\(w), k \(k): status \(status)")
            let viaAPI = convolution2DAdjoint(g, weight: weight, bias: bias, stride: s, padding: p, inputHeight: h, inputWidth: w)
            var (directMismatches, apiMismatches) = (0, 0)
            for e in 0..<expected.count {
                if direct.f32[e].bitPattern != expected.f32[e].bitPattern { directMismatches += 1 }
                let withBias = expected.f32[e] + bias.f32[(e / (h * w)) % ci]
                if viaAPI.f32[e].bitPattern != withBias.bitPattern { apiMismatches += 1 }
            }
            #expect(directMismatches == 0, "n \(n), \(ci)→\(co), \(h)×\(w), k \(k) s \(s) p \(p): \(directMismatches) of \(expected.count) pixels differ")
            #expect(apiMismatches == 0, "convolution2DAdjoint, n \(n), \(ci)→\(co), \(h)×\(w), k \(k) s \(s) p \(p): \(apiMismatches) of \(expected.count) pixels differ")
        }
        #expect(seen == Set(0..<8), "K mod 8 covered: \(seen.sorted())")
        // More than one K block: declined, nothing written.
        let g = Tensor.zeros([1, 321, 2, 2], dtype: .float32), weight = Tensor.zeros([321, 1, 2, 2], dtype: .float32)
        let x = Tensor(Array(repeating: 7.5, count: 9), shape: [1, 1, 3, 3], dtype: .float32)
        let scratch = Tensor(uninitialized: [sk_convolution_adjoint_scratch(1, 321, 2, 2, 2, 2)], dtype: .float32)
        #expect(withExtendedLifetime(scratch) { sk_convolution_adjoint_f32(weight.f32, g.f32, x.f32, 1, 1, 321, 3, 3, 2, 2, 1, 0, 2, 2, scratch.f32) } == 0)
        #expect(x.scalars.allSatisfy { $0 == 7.5 })
    }

    /// The forward product and the weight gradient without a column matrix
    /// (`sk_convolution_forward_f32`, `sk_convolution_weight_gradient_f32`: each pixel's patch gathered
    /// from x where a tile needs it) bit for bit against `matmul` on the column matrix written out by
    /// loops — W·cols moved to [N, Cout, P] plus the bias (or not), and g·colsᵀ (g moved to [Cout,
    /// N·P] for matmul; the kernel reads it batch-major, in place) added to a weight-shaped tensor —
    /// called directly and through `convolution2D` /
    /// `convolution2DWeightGradient` (which take them where they apply). Shapes: square and
    /// rectangular kernels 1 to 20 wide (runs past 16 lanes; 32-row panels of the weight gradient
    /// that start inside a kernel row, on the fast path — kw dividing 32 — and off it), strides 1–3
    /// (also past the kernel), paddings 0–9 (past the kernel; patches wholly in the padding), maps
    /// shorter than the kernel, K from 9 to 1,024 (one to four K blocks of the forward), N·P from 36
    /// to 6,272 (K blocks of the weight gradient ending inside a sample), batch 1, Cout not a multiple
    /// of 8 or 32, and a last pixel block of fewer than 32. A product of at most 100³ multiply–adds
    /// is declined and writes nothing.
    @Test(.enabled(if: sk_gemm_f32_available() != 0))
    func implicitForwardAndWeightGradientMatchMatmulBitForBit() throws {
        let cases: [(n: Int, ci: Int, co: Int, h: Int, w: Int, kh: Int, kw: Int, s: Int, p: Int, bias: Bool)] = [
            (32, 64, 128, 14, 14, 4, 4, 2, 1, true), (32, 1, 64, 28, 28, 4, 4, 2, 1, true), (8, 8, 40, 12, 12, 3, 3, 1, 1, true),
            (4, 24, 33, 9, 13, 4, 4, 1, 2, true), (20, 5, 33, 10, 10, 5, 5, 2, 2, true), (64, 7, 50, 11, 8, 3, 3, 3, 0, true),
            (12, 40, 70, 6, 6, 1, 1, 1, 0, true), (4, 2, 96, 20, 19, 17, 17, 1, 0, true), (2, 6, 100, 12, 12, 3, 3, 1, 1, true),
            (4, 16, 40, 12, 15, 3, 5, 1, 1, true), (4, 16, 40, 15, 12, 5, 3, 1, 1, true), (8, 16, 40, 12, 12, 3, 2, 1, 1, true),
            (8, 16, 40, 12, 12, 3, 4, 1, 1, true), (4, 6, 36, 16, 16, 8, 8, 2, 3, true), (5, 2, 20, 20, 20, 16, 16, 1, 0, true),
            (8, 8, 40, 5, 5, 3, 3, 1, 4, true), (32, 16, 40, 3, 3, 4, 4, 1, 2, true), (16, 64, 64, 14, 14, 1, 1, 2, 0, false),
            (16, 32, 40, 14, 14, 2, 2, 3, 1, false), (1, 64, 128, 14, 14, 4, 4, 2, 1, true), (8, 7, 40, 12, 12, 5, 5, 1, 2, true),
            (3, 2, 40, 24, 24, 3, 20, 1, 2, true), (4, 3, 40, 10, 30, 2, 17, 2, 9, true),
        ]
        for (n, ci, co, h, w, kh, kw, s, p, hasBias) in cases {
            let oh = (h + 2 * p - kh) / s + 1, ow = (w + 2 * p - kw) / s + 1, plane = oh * ow, kk = ci * kh * kw
            let label = "n \(n), \(ci)→\(co), \(h)×\(w), k \(kh)×\(kw) s \(s) p \(p)"
            var rng = RandomGenerator(seed: UInt64(n * 7919 + co * 31 + kh * 7 + kw))
            let x = Tensor.normal([n, ci, h, w], dtype: .float32, using: &rng)
            let weight = Tensor.normal([co, ci, kh, kw], dtype: .float32, using: &rng)
            let bias: Tensor? = hasBias ? Tensor.normal([co], dtype: .float32, using: &rng) : nil
            let g = Tensor.normal([n, co, oh, ow], dtype: .float32, using: &rng)
            let before = Tensor.normal([co, ci, kh, kw], dtype: .float32, using: &rng)
            let cols = Tensor.zeros([kk, n * plane], dtype: .float32)
            for i in 0..<ci { for u in 0..<kh { for v in 0..<kw { for b in 0..<n { for r in 0..<oh { for c in 0..<ow {
                let (y, z) = (r * s - p + u, c * s - p + v)
                guard y >= 0 && y < h && z >= 0 && z < w else { continue }
                cols.f32[((i * kh + u) * kw + v) * (n * plane) + b * plane + r * ow + c] = x.f32[((b * ci + i) * h + y) * w + z]
            } } } } } }
            let moved = Tensor(uninitialized: [co, n * plane], dtype: .float32)
            for o in 0..<co { for b in 0..<n { for q in 0..<plane { moved.f32[o * n * plane + b * plane + q] = g.f32[(b * co + o) * plane + q] } } }
            #expect(Double(co) * Double(n * plane) * Double(kk) > 1e6, "\(label): a small product")
            let product = matmul(weight.reshaped([co, kk]), cols)
            let expectedGradient = before.copy()
            matmul(moved, cols, transposeB: true, into: expectedGradient.reshaped([co, kk]), accumulate: true)

            // Direct calls.
            let y = Tensor(uninitialized: [n, co, oh, ow], dtype: .float32)
            let scratch = Tensor(uninitialized: [sk_convolution_forward_scratch(n, ci, co, kh, kw, oh, ow)], dtype: .float32)
            let forward = withExtendedLifetime((scratch, bias)) {
                sk_convolution_forward_f32(weight.f32, x.f32, bias?.f32, y.f32, n, ci, co, h, w, kh, kw, s, p, oh, ow, scratch.f32)
            }
            let dw = before.copy()
            let gradientScratch = Tensor(uninitialized: [sk_convolution_weight_gradient_scratch(n, co, oh, ow)], dtype: .float32)
            let gradient = withExtendedLifetime(gradientScratch) {
                sk_convolution_weight_gradient_f32(g.f32, x.f32, dw.f32, 1, n, ci, co, h, w, kh, kw, s, p, oh, ow, gradientScratch.f32)
            }
            #expect(forward == 1 && gradient == 1, "\(label): statuses \(forward), \(gradient)")
            // Through the API.
            let viaAPI = convolution2D(x, weight: weight, bias: bias, stride: s, padding: p)
            let sink = before.copy()
            convolution2DWeightGradient(input: x, outputGradient: g, kernelHeight: kh, kernelWidth: kw, stride: s, padding: p, into: sink)
            let fresh = convolution2DWeightGradient(input: x, outputGradient: g, kernelHeight: kh, kernelWidth: kw, stride: s, padding: p)
            let freshExpected = matmul(moved, cols, transposeB: true)
            var (yMismatches, apiMismatches) = (0, 0)
            for b in 0..<n { for o in 0..<co { for q in 0..<plane {
                let sum = product.f32[o * n * plane + b * plane + q], at = (b * co + o) * plane + q
                let e = bias.map { sum + $0.f32[o] } ?? sum
                if y.f32[at].bitPattern != e.bitPattern { yMismatches += 1 }
                if viaAPI.f32[at].bitPattern != e.bitPattern { apiMismatches += 1 }
            } } }
            var (gMismatches, sinkMismatches, freshMismatches) = (0, 0, 0)
            for e in 0..<(co * kk) {
                if dw.f32[e].bitPattern != expectedGradient.f32[e].bitPattern { gMismatches += 1 }
                if sink.f32[e].bitPattern != expectedGradient.f32[e].bitPattern { sinkMismatches += 1 }
                if fresh.f32[e].bitPattern != freshExpected.f32[e].bitPattern { freshMismatches += 1 }
            }
            #expect(yMismatches == 0 && apiMismatches == 0, "\(label): forward differs in \(yMismatches) (direct), \(apiMismatches) (convolution2D) of \(y.count)")
            #expect(gMismatches == 0 && sinkMismatches == 0 && freshMismatches == 0,
                    "\(label): weight gradient differs in \(gMismatches) (direct), \(sinkMismatches) (into a sink), \(freshMismatches) (fresh) of \(co * kk)")
        }
        // At most 100³ multiply–adds: declined, nothing written.
        let x = Tensor.ones([1, 1, 10, 10], dtype: .float32), weight = Tensor.ones([8, 1, 3, 3], dtype: .float32)
        let y = Tensor(Array(repeating: 7.5, count: 8 * 64), shape: [1, 8, 8, 8], dtype: .float32)
        let dw = Tensor(Array(repeating: 7.5, count: 72), shape: [8, 1, 3, 3], dtype: .float32)
        let scratch = Tensor(uninitialized: [sk_convolution_forward_scratch(1, 1, 8, 3, 3, 8, 8)], dtype: .float32)
        withExtendedLifetime(scratch) {
            #expect(sk_convolution_forward_f32(weight.f32, x.f32, nil, y.f32, 1, 1, 8, 10, 10, 3, 3, 1, 0, 8, 8, scratch.f32) == 0)
            #expect(sk_convolution_weight_gradient_f32(y.f32, x.f32, dw.f32, 0, 1, 1, 8, 10, 10, 3, 3, 1, 0, 8, 8, scratch.f32) == 0)
        }
        #expect(y.scalars.allSatisfy { $0 == 7.5 } && dw.scalars.allSatisfy { $0 == 7.5 })
    }
}
