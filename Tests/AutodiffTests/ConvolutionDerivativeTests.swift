import Testing
import TestSupport
import Autodiff
import Tensors

/// The convolution operations and batch normalization through the same checks as every other
/// operation (``OperationDerivativeTests``, ``ForwardModeTests``): first and second order against
/// finite differences, tangents of outputs and of gradients against central differences, all in
/// Float64, on tiny shapes (batch ≤ 2, maps ≤ 7×7, ≤ 3 channels) that cover stride 1 and 2,
/// padding 0 and 1, DCGAN's 4×4 / stride 2 / padding 1, non-square maps and kernels, and sizes a
/// strided convolution does not divide evenly. Outputs are squared where the operation is linear
/// in an input, so that the second-order checks see a nonzero Hessian block for it.
let convolutionCases: [OperationCase] = [
    OperationCase(name: "conv2d 3×3 s1 p0", shapes: [[2, 2, 5, 5], [3, 2, 3, 3], [3]]) {
        let y = conv2d($0[0], weight: $0[1], bias: $0[2]); return y * y
    },
    OperationCase(name: "conv2d 4×4 s2 p1 (DCGAN)", shapes: [[2, 2, 6, 6], [3, 2, 4, 4], [3]]) {
        let y = conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1); return y * y
    },
    OperationCase(name: "conv2d 3×2 s2 p1, 5×7 map (uneven), no bias", shapes: [[1, 2, 5, 7], [2, 2, 3, 2]]) {
        let y = conv2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1); return y * y
    },
    OperationCase(name: "convTranspose2d 4×4 s2 p1 (DCGAN)", shapes: [[2, 3, 3, 3], [3, 2, 4, 4], [2]]) {
        let y = convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1); return y * y
    },
    OperationCase(name: "convTranspose2d 2×3 s1 p0, 3×4 map", shapes: [[1, 2, 3, 4], [2, 3, 2, 3], [3]]) {
        let y = convTranspose2d($0[0], weight: $0[1], bias: $0[2]); return y * y
    },
    OperationCase(name: "convTranspose2d 3×3 s2 p1, explicit 6×5 output", shapes: [[1, 2, 3, 3], [2, 2, 3, 3]]) {
        let y = convTranspose2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: 1, outputSize: (6, 5)); return y * y
    },
    OperationCase(name: "conv2dWeightGradient 3×3 s1 p1", shapes: [[2, 2, 4, 4], [2, 3, 4, 4]]) {
        let w = conv2dWeightGradient(input: $0[0], outputGradient: $0[1], kernelSize: (3, 3), padding: 1); return w * w
    },
    OperationCase(name: "conv2dWeightGradient 4×4 s2 p1", shapes: [[1, 2, 6, 6], [1, 3, 3, 3]]) {
        let w = conv2dWeightGradient(input: $0[0], outputGradient: $0[1], kernelSize: (4, 4), stride: 2, padding: 1); return w * w
    },
    OperationCase(name: "channelSums", shapes: [[2, 3, 2, 2]]) { let s = $0[0].channelSums(); return s * s },
    OperationCase(name: "broadcastChannels", shapes: [[3]]) { let b = $0[0].broadcastChannels(to: [2, 3, 2, 1]); return b * b },
    OperationCase(name: "addingPerChannel", shapes: [[2, 3, 2, 2], [3]]) { let y = $0[0].addingPerChannel($0[1]); return y * y },
    OperationCase(name: "subtractingPerChannel [N, C]", shapes: [[4, 3], [3]]) { let y = $0[0].subtractingPerChannel($0[1]); return y * y },
    OperationCase(name: "multipliedPerChannel", shapes: [[2, 3, 2, 1], [3]]) { $0[0].multipliedPerChannel($0[1]) },
    OperationCase(name: "batchNormalization", shapes: [[3, 2, 2, 2], [2], [2]]) {
        batchNormalization($0[0], scale: $0[1], shift: $0[2], epsilon: 1e-5).output
    },
    OperationCase(name: "batchNormalization [N, C]", shapes: [[4, 3], [3], [3]]) {
        let y = batchNormalization($0[0], scale: $0[1], shift: $0[2], epsilon: 1e-5).output; return y * $0[0]
    },
]

@Suite("Convolutions and batch normalization: derivatives and tangents vs finite differences (Float64)")
struct ConvolutionDerivativeTests {
    @Test(arguments: convolutionCases)
    func firstOrder(_ c: OperationCase) throws { try OperationDerivativeTests().firstOrder(c) }

    @Test(arguments: convolutionCases)
    func secondOrder(_ c: OperationCase) throws { try OperationDerivativeTests().secondOrder(c) }

    @Test(arguments: convolutionCases)
    func tangentOfOutput(_ c: OperationCase) throws { try ForwardModeTests().tangentOfOutput(c) }

    @Test(arguments: convolutionCases)
    func tangentOfGradient(_ c: OperationCase) throws { try ForwardModeTests().tangentOfGradient(c) }

    /// The per-channel operations give `x ∘ v.broadcastChannels(to: shape)`'s value, first-order
    /// gradients, tangents and second-order gradients bit for bit (batch normalization uses them in
    /// its place) — except the product's second derivative in v, equal to rounding — in both
    /// precisions, with a −0 in v (the broadcast stores +0 there, so must they).
    @Test(arguments: [DType.float32, .float64])
    func perChannelOperationsMatchTheBroadcastCompositeBitForBit(_ dtype: DType) throws {
        var rng = RandomGenerator(seed: 44)
        let x = Tensor.normal([3, 4, 5, 2], dtype: dtype, using: &rng), w = Tensor.normal([3, 4, 5, 2], dtype: dtype, using: &rng)
        let v = Tensor.normal([4], dtype: dtype, using: &rng)
        v[2] = -0.0
        let fused: [(Variable, Variable) -> Variable] = [{ $0.addingPerChannel($1) }, { $0.subtractingPerChannel($1) }, { $0.multipliedPerChannel($1) }]
        let composite: [(Variable, Variable) -> Variable] = [{ $0 + $1.broadcastChannels(to: $0.shape) }, { $0 - $1.broadcastChannels(to: $0.shape) },
                                                             { $0 * $1.broadcastChannels(to: $0.shape) }]
        for k in 0..<3 {
            let (xa, va) = (Variable(x, requiresGradient: true), Variable(v, requiresGradient: true))
            let (xb, vb) = (Variable(x, requiresGradient: true), Variable(v, requiresGradient: true))
            let (ya, yb) = (fused[k](xa, va), composite[k](xb, vb))
            let ga = gradients(of: (ya * ya).dot(Variable(w)), withRespectTo: [xa, va], createGraph: true)
            let gb = gradients(of: (yb * yb).dot(Variable(w)), withRespectTo: [xb, vb], createGraph: true)
            // Second order: the gradient of ⟨x̄, w⟩ + ‖v̄‖², through the recorded first derivatives.
            let ha = gradients(of: ga[0].dot(Variable(w)) + ga[1].squared().sum(), withRespectTo: [xa, va])
            let hb = gradients(of: gb[0].dot(Variable(w)) + gb[1].squared().sum(), withRespectTo: [xb, vb])
            // Tangents of the output along (ẋ, v̇) = (w, v).
            let ta = tangents(of: [ya], from: [xa, va], along: [w, v])[0]!, tb = tangents(of: [yb], from: [xb, vb], along: [w, v])[0]!
            // The product's second derivative in v is the one exception: the composite adds the
            // contributions of both uses of its broadcast batch (y and x̄ = ḡ·v) entry by entry and
            // sums per channel once, the fused rule sums per channel for each use and adds the sums
            // — the same derivative, rounded differently (checked to a tolerance below).
            var bitwise = [(ya.value, yb.value, "value"), (ga[0].value, gb[0].value, "x̄"), (ga[1].value, gb[1].value, "v̄"),
                           (ha[0].value, hb[0].value, "second order, x"), (ta, tb, "tangent")]
            if k < 2 { bitwise.append((ha[1].value, hb[1].value, "second order, v")) }
            else { #expect(compareEntrywise(ha[1].value, hb[1].value, tolerance: dtype == .float32 ? 1e-5 : 1e-13, label: "second order, v") == nil) }
            for (a, b, what) in bitwise {
                let differ = (0..<a.count).filter { a[$0].bitPattern != b[$0].bitPattern }.count
                #expect(differ == 0, "operation \(k) \(dtype): \(what) differs in \(differ) of \(a.count) elements")
            }
        }
    }

    /// R1's mixed derivative through a 2-layer convolutional discriminator with leaky ReLUs:
    /// R(φ) = ‖∇x Σₙ D(xₙ; φ)‖² (D: conv 1→2 4×4 s2 p1 on 6×6, leaky ReLU 0.2, conv 2→3 3×3 s1 p1,
    /// leaky ReLU 0.2, flatten, dense 27→1), ∂R/∂φ by double backward vs central differences of R
    /// computed by single backward passes.
    @Test func r1MixedDerivativeThroughTwoConvolutions() throws {
        var rng = RandomGenerator(seed: 41)
        let x = awayFromZero([2, 1, 6, 6], using: &rng)
        let phi = [awayFromZero([2, 1, 4, 4], using: &rng), awayFromZero([2], using: &rng),
                   awayFromZero([3, 2, 3, 3], using: &rng), awayFromZero([3], using: &rng),
                   awayFromZero([1, 27], using: &rng), awayFromZero([1], using: &rng)]
        func penalty(_ p: [Variable], createGraph: Bool) -> Variable {
            let xv = Variable(x, requiresGradient: true)
            let h1 = conv2d(xv, weight: p[0], bias: p[1], stride: 2, padding: 1).leakyRelu(slope: 0.2)
            let h2 = conv2d(h1, weight: p[2], bias: p[3], padding: 1).leakyRelu(slope: 0.2)
            let d = linear(h2.reshaped([2, 27]), weight: p[4], bias: p[5])
            let gx = gradients(of: d.sum(), withRespectTo: [xv], createGraph: createGraph)[0]
            return gx.squared().sum()
        }
        let vars = phi.map { Variable($0, requiresGradient: true) }
        let analytic = gradients(of: penalty(vars, createGraph: true), withRespectTo: vars)
        let fd = FiniteDifferences.gradient(of: { ps in penalty(ps.map { Variable($0, requiresGradient: true) }, createGraph: false).scalar },
                                            at: phi)
        for k in phi.indices {
            #expect(compareEntrywise(analytic[k].value, fd[k], tolerance: 1e-6, label: "∂R/∂φ block \(k)") == nil)
        }
        // Every weight moves R; no bias does: with piecewise-linear activations ∇x D is a product
        // of the weights and of activation masks, which a small change of a bias leaves alone.
        for k in [0, 2, 4] { #expect(fd[k].maxAbs() > 1e-3, "block \(k): reference ~0") }
        for k in [1, 3, 5] { #expect(fd[k].maxAbs() < 1e-8 && analytic[k].value.maxAbs() < 1e-12, "bias block \(k)") }
    }

    /// The values against the definitions, written as plain loops: the convolution gathers
    /// y[n,o,r,c] = b[o] + Σ W[o,i,u,v]·x[n,i,rs−p+u,cs−p+v]; the transposed convolution scatters
    /// y[n,o,rs−p+u,cs−p+v] += W[i,o,u,v]·x[n,i,r,c]; the weight gradient sums g·x over the batch
    /// and the output pixels. The 27-wide map takes the vectorized stride-2 unfolding.
    @Test(arguments: [(6, 6, 4, 4, 2, 1), (5, 27, 4, 4, 2, 1), (5, 7, 3, 2, 2, 1), (5, 5, 3, 3, 1, 0), (7, 6, 2, 3, 3, 2), (4, 4, 1, 1, 1, 0)])
    func valuesMatchNaiveLoops(_ g: (Int, Int, Int, Int, Int, Int)) throws {
        let (h, w, kh, kw, s, p) = g
        let (n, ci, co) = (2, 3, 2)
        let (oh, ow) = ((h + 2 * p - kh) / s + 1, (w + 2 * p - kw) / s + 1)
        var rng = RandomGenerator(seed: 43)
        let x = Tensor.normal([n, ci, h, w], dtype: .float64, using: &rng)
        let weight = Tensor.normal([co, ci, kh, kw], dtype: .float64, using: &rng)
        let bias = Tensor.normal([co], dtype: .float64, using: &rng)
        let gy = Tensor.normal([n, co, oh, ow], dtype: .float64, using: &rng)
        let biasT = Tensor.normal([ci], dtype: .float64, using: &rng)
        var conv = [Double](repeating: 0, count: n * co * oh * ow)
        var transposed = [Double](repeating: 0, count: n * ci * h * w)
        var wgrad = [Double](repeating: 0, count: co * ci * kh * kw)
        for b in 0..<n { for o in 0..<co { for r in 0..<oh { for c in 0..<ow {
            conv[((b * co + o) * oh + r) * ow + c] = bias[o]
            for i in 0..<ci { for u in 0..<kh { for v in 0..<kw {
                let (y, z) = (r * s - p + u, c * s - p + v)
                guard y >= 0 && y < h && z >= 0 && z < w else { continue }
                let xi = ((b * ci + i) * h + y) * w + z, wi = ((o * ci + i) * kh + u) * kw + v, gi = ((b * co + o) * oh + r) * ow + c
                conv[gi] += weight[wi] * x[xi]
                transposed[xi] += weight[wi] * gy[gi]
                wgrad[wi] += gy[gi] * x[xi]
            } } }
        } } } }
        for b in 0..<n { for i in 0..<ci { for k in 0..<(h * w) { transposed[(b * ci + i) * h * w + k] += biasT[i] } } }
        let y = conv2d(Variable(x), weight: Variable(weight), bias: Variable(bias), stride: s, padding: p).value
        #expect(y.shape == Shape([n, co, oh, ow]))
        #expect(compareEntrywise(y, Tensor(conv, shape: y.shape), tolerance: 1e-12, label: "conv2d \(g)") == nil)
        let t = convTranspose2d(Variable(gy), weight: Variable(weight), bias: Variable(biasT), stride: s, padding: p, outputSize: (h, w)).value
        #expect(compareEntrywise(t, Tensor(transposed, shape: x.shape), tolerance: 1e-12, label: "convTranspose2d \(g)") == nil)
        let c = conv2dWeightGradient(input: Variable(x), outputGradient: Variable(gy), kernelSize: (kh, kw), stride: s, padding: p).value
        #expect(compareEntrywise(c, Tensor(wgrad, shape: weight.shape), tolerance: 1e-12, label: "weight gradient \(g)") == nil)
        // Float32 computes the same up to rounding.
        let y32 = conv2d(Variable(x.converted(to: .float32)), weight: Variable(weight.converted(to: .float32)),
                         bias: Variable(bias.converted(to: .float32)), stride: s, padding: p).value
        #expect(compareEntrywise(y32.converted(to: .float64), y, tolerance: 1e-5, label: "conv2d Float32 \(g)") == nil)
    }

    /// PyTorch's default output size of a transposed convolution, (H − 1)s − 2p + k: DCGAN's
    /// 7 → 14 → 28.
    @Test func transposedOutputSizeIsPyTorchs() {
        let x = Variable(Tensor.zeros([1, 2, 7, 7], dtype: .float64))
        let y = convTranspose2d(x, weight: Variable(Tensor.zeros([2, 1, 4, 4], dtype: .float64)), bias: nil, stride: 2, padding: 1)
        #expect(y.shape == Shape([1, 1, 14, 14]))
    }
}
