import Tensors

// Convolutions of NCHW batches (see Tensors' `convolution2D` for the layout and the im2col + GEMM
// implementation) and the per-channel sums and broadcasts around them. Three bilinear operations
// are closed under differentiation, as matmul's four transpose combinations are: for the
// convolution y = W ⋆ x (`conv2d`), its adjoint in x (`convTranspose2d`, x̄ = Wᵀ ⋆ g) and its
// weight gradient (`conv2dWeightGradient`, W̄ = C(x, g) = ∂_W ⟨g, W ⋆ x⟩),
//   ⟨ḡ, W ⋆ x⟩: x̄ = Wᵀ ⋆ ḡ,          W̄ = C(x, ḡ);
//   ⟨x̄, Wᵀ ⋆ g⟩ = ⟨W ⋆ x̄, g⟩: ḡ = W ⋆ x̄,  W̄ = C(x̄, g);
//   ⟨Ŵ, C(x, g)⟩ = ⟨g, Ŵ ⋆ x⟩: ḡ = Ŵ ⋆ x,  x̄ = Ŵᵀ ⋆ g,
// so every backward rule is made of the three and R1's ∂φ‖∇x D(x)‖² differentiates through a
// convolutional discriminator to any order. `channelSums` and `broadcastChannels` are each other's
// adjoints (a convolution's bias gradient; batch normalization's statistics).

/// A 2-D convolution (cross-correlation) with stride `stride`, zero padding `padding` on every side
/// and dilation 1: x [N, Cin, H, W], weight [Cout, Cin, kh, kw] (PyTorch's `Conv2d.weight`), bias
/// [Cout] ↦ y [N, Cout, Ho, Wo], y[n, o, r, c] = b[o] + Σ_{i,u,v} W[o, i, u, v]·x[n, i, rs − p + u, cs − p + v],
/// Ho = ⌊(H + 2p − kh)/s⌋ + 1 (PyTorch's `torch.nn.functional.conv2d`).
public func conv2d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0) -> Variable {
    // The column matrix of x, where one is made (not on the implicit path), is kept for the weight
    // gradient (see `convolution2DKeepingColumns`); nil, the weight gradient gathers from x itself.
    let (value, columns) = convolution2DKeepingColumns(x.value, weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    let (h, w, kh, kw) = (x.shape[2], x.shape[3], weight.shape[2], weight.shape[3])
    let outShape = value.shape
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return record(value, "conv2d", inputs, tangent: { t, v, _ in
        // ẏ = W ⋆ ẋ + Ẇ ⋆ x + ḃ.
        var out = t[0].map { convolution2D($0, weight: v[1], bias: nil, stride: stride, padding: padding) }
        if let tw = t[1] { out = tangentSum(out, convolution2D(v[0], weight: tw, bias: nil, stride: stride, padding: padding)) }
        if t.count > 2, let tb = t[2] { out = tangentSum(out, tb.broadcastChannels(to: outShape)) }
        return out
    }, into: { g, need, sink in
        // First order: W̄ (from the kept columns, or gathered from x) and b̄ added into their sinks.
        var r: [Variable?] = [need[0] ? convTranspose2d(g, weight: weight, bias: nil, stride: stride, padding: padding, outputSize: (h, w)) : nil, nil]
        if need[1] {
            let wbar = convolution2DWeightGradient(input: x.value, outputGradient: g.value, kernelHeight: kh, kernelWidth: kw,
                                                   stride: stride, padding: padding, columns: columns, into: sink[1])
            if sink[1] == nil { r[1] = Variable(wbar) }
        }
        if bias != nil { r.append(need[2] ? addChannelSums(g.value, into: sink[2]) : nil) }
        return r
    }) { g, need in
        var r: [Variable?] = [
            need[0] ? convTranspose2d(g, weight: weight, bias: nil, stride: stride, padding: padding, outputSize: (h, w)) : nil,
            need[1] ? conv2dWeightGradient(input: x, outputGradient: g, kernelSize: (kh, kw), stride: stride, padding: padding, columns: columns) : nil,
        ]
        if bias != nil { r.append(need[2] ? g.channelSums() : nil) }
        return r
    }
}

/// g's channel sums (a bias's cotangent) added into `sink` (nil returned), or returned when there is none.
private func addChannelSums(_ g: Tensor, into sink: Tensor?) -> Variable? {
    guard let sink else { return Variable(g.channelSums()) }
    sink.add(g.channelSums())
    return nil
}

/// The transposed ("fractionally strided") convolution, the adjoint in x of ``conv2d(_:weight:bias:stride:padding:)``
/// with the same weight: x [N, Cin, H, W], weight [Cin, Cout, kh, kw] (PyTorch's
/// `ConvTranspose2d.weight`, (in, out, kH, kW)), bias [Cout] ↦ y [N, Cout, Ho, Wo] with
/// ⟨y − b, ξ⟩ = ⟨x, W ⋆ ξ⟩ for every ξ of y's shape. `outputSize` defaults to
/// Ho = (H − 1)s − 2p + kh (PyTorch's, without `output_padding`); another size must still map back
/// to H × W under the convolution (the input gradient of a strided convolution whose sizes do not
/// divide evenly passes it).
public func convTranspose2d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0,
                            outputSize: (height: Int, width: Int)? = nil) -> Variable {
    ensure(x.value.rank == 4 && weight.value.rank == 4, "convTranspose2d: input \(x.shape) [N, Cin, H, W] and weight \(weight.shape) [Cin, Cout, kh, kw] must be of rank 4")
    let (kh, kw) = (weight.shape[2], weight.shape[3])
    let size = outputSize ?? ((x.shape[2] - 1) * stride - 2 * padding + kh, (x.shape[3] - 1) * stride - 2 * padding + kw)
    let value = convolution2DAdjoint(x.value, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                                     inputHeight: size.height, inputWidth: size.width)
    let outShape = value.shape
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return record(value, "convTranspose2d", inputs, tangent: { t, v, _ in
        func adjoint(_ a: Tensor, _ w: Tensor) -> Tensor {
            convolution2DAdjoint(a, weight: w, bias: nil, stride: stride, padding: padding, inputHeight: size.height, inputWidth: size.width)
        }
        var out = t[0].map { adjoint($0, v[1]) }
        if let tw = t[1] { out = tangentSum(out, adjoint(v[0], tw)) }
        if t.count > 2, let tb = t[2] { out = tangentSum(out, tb.broadcastChannels(to: outShape)) }
        return out
    }, into: { g, need, sink in
        // First order: x̄ = W ⋆ g, and W̄ = C(g, x) and b̄ added into their sinks; x̄ and W̄ read
        // one column matrix of g (unfolded once, not once for each).
        var r: [Variable?] = [nil, nil]
        var columns: Tensor?
        if need[0] {
            let (xbar, cols) = convolution2DKeepingColumns(g.value, weight: weight.value, bias: nil, stride: stride, padding: padding)
            (r[0], columns) = (Variable(xbar), cols)
        }
        if need[1] {
            let wbar = convolution2DWeightGradient(input: g.value, outputGradient: x.value, kernelHeight: kh, kernelWidth: kw,
                                                   stride: stride, padding: padding, columns: columns, into: sink[1])
            if sink[1] == nil { r[1] = Variable(wbar) }
        }
        if bias != nil { r.append(need[2] ? addChannelSums(g.value, into: sink[2]) : nil) }
        return r
    }) { g, need in
        var r: [Variable?] = [
            need[0] ? conv2d(g, weight: weight, bias: nil, stride: stride, padding: padding) : nil,
            need[1] ? conv2dWeightGradient(input: g, outputGradient: x, kernelSize: (kh, kw), stride: stride, padding: padding) : nil,
        ]
        if bias != nil { r.append(need[2] ? g.channelSums() : nil) }
        return r
    }
}

/// The weight gradient of ``conv2d(_:weight:bias:stride:padding:)`` as an operation of its own:
/// C(x, g) = ∂/∂W ⟨g, W ⋆ x⟩, C[o, i, u, v] = Σ_{n,r,c} g[n, o, r, c]·x[n, i, rs − p + u, cs − p + v],
/// for x [N, Cin, H, W] and g [N, Cout, Ho, Wo]; shape [Cout, Cin, kh, kw]. Bilinear in (x, g), so
/// differentiating a convolution's gradient (R1, SGP, WGAN-GP; JVPs of F) stays within the three
/// convolution operations.
public func conv2dWeightGradient(input x: Variable, outputGradient g: Variable, kernelSize: (height: Int, width: Int),
                                 stride: Int = 1, padding: Int = 0) -> Variable {
    conv2dWeightGradient(input: x, outputGradient: g, kernelSize: kernelSize, stride: stride, padding: padding, columns: nil)
}

/// The same, its value computed from x's column matrix when `columns` is given (kept by conv2d).
func conv2dWeightGradient(input x: Variable, outputGradient g: Variable, kernelSize: (height: Int, width: Int),
                          stride: Int, padding: Int, columns: Tensor?) -> Variable {
    let (kh, kw) = kernelSize
    let value = convolution2DWeightGradient(input: x.value, outputGradient: g.value, kernelHeight: kh, kernelWidth: kw,
                                            stride: stride, padding: padding, columns: columns)
    let (h, w) = (x.shape[2], x.shape[3])
    return record(value, "conv2dWeightGradient", [x, g], tangent: { t, v, _ in
        func c(_ a: Tensor, _ b: Tensor) -> Tensor {
            convolution2DWeightGradient(input: a, outputGradient: b, kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding)
        }
        return tangentSum(t[0].map { c($0, v[1]) }, t[1].map { c(v[0], $0) })
    }) { wbar, need in
        [need[0] ? convTranspose2d(g, weight: wbar, bias: nil, stride: stride, padding: padding, outputSize: (h, w)) : nil,
         need[1] ? conv2d(x, weight: wbar, bias: nil, stride: stride, padding: padding) : nil]
    }
}

extension Variable {
    /// Per-channel sums of a batch [N, C, …]: shape [C]. The adjoint of ``broadcastChannels(to:)``.
    public func channelSums() -> Variable {
        let mine = shape
        return record(self.value.channelSums(), "channelSums", [self], tangent: { t, _, _ in t[0]!.channelSums() }) { g, _ in
            [g.broadcastChannels(to: mine)]
        }
    }

    /// self + v[c] on channel c of this batch [N, C, …], for v [C]: `self + v.broadcastChannels(to: shape)`
    /// with the same value and derivatives bit for bit (the rules are that composite's: v̄ = Σ ḡ per
    /// channel), without the broadcast batch. Batch normalization's shift.
    public func addingPerChannel(_ v: Variable) -> Variable {
        let shape = self.shape
        return record(self.value.addingPerChannel(v.value), "addingPerChannel", [self, v], tangent: { t, _, _ in
            tangentSum(t[0], t[1]?.broadcastChannels(to: shape))
        }) { g, need in [need[0] ? g : nil, need[1] ? g.channelSums() : nil] }
    }

    /// self − v[c] on channel c (see ``addingPerChannel(_:)``): v̄ = Σ (−ḡ) per channel. Batch
    /// normalization's centring.
    public func subtractingPerChannel(_ v: Variable) -> Variable {
        let shape = self.shape
        return record(self.value.subtractingPerChannel(v.value), "subtractingPerChannel", [self, v], tangent: { t, _, _ in
            tangentDifference(t[0], t[1]?.broadcastChannels(to: shape))
        }) { g, need in [need[0] ? g : nil, need[1] ? (-g).channelSums() : nil] }
    }

    /// self · v[c] on channel c (see ``addingPerChannel(_:)``): x̄ = ḡ · v[c], v̄ = Σ ḡ·x per channel.
    /// Batch normalization's scale.
    public func multipliedPerChannel(_ v: Variable) -> Variable {
        let x = self
        return record(self.value.multipliedPerChannel(v.value), "multipliedPerChannel", [self, v], tangent: { t, values, _ in
            tangentSum(t[0].map { $0.multipliedPerChannel(values[1]) }, t[1].map { values[0].multipliedPerChannel($0) })
        }) { g, need in [need[0] ? g.multipliedPerChannel(v) : nil, need[1] ? (g * x).channelSums() : nil] }
    }

    /// This vector [C] repeated over a batch of `shape` [N, C, …], one value per channel. The
    /// adjoint of ``channelSums()``.
    public func broadcastChannels(to shape: Shape) -> Variable {
        record(self.value.broadcastChannels(to: shape), "broadcastChannels", [self],
               tangent: { t, _, _ in t[0]!.broadcastChannels(to: shape) }) { g, _ in [g.channelSums()] }
    }
}

/// Batch normalization with batch statistics (Ioffe & Szegedy 2015), per channel of x [N, C, …]:
/// y = γ ⊙ (x − μ)/√(σ² + ε) + β, μ and σ² the mean and the biased variance over the m = N·(H·W)
/// entries of each channel — PyTorch's `BatchNorm2d` (`BatchNorm1d` for [N, C]) in training mode.
/// A composite of differentiable operations, so every order of derivative follows. Returns y and
/// the statistics' values (μ, and σ² unbiased by m/(m − 1) as PyTorch's running variance takes it).
public func batchNormalization(_ x: Variable, scale gamma: Variable, shift beta: Variable, epsilon: Double)
    -> (output: Variable, mean: Tensor, unbiasedVariance: Tensor) {
    ensure(x.value.rank >= 2 && gamma.shape == Shape([x.shape[1]]) && beta.shape == gamma.shape,
           "batchNormalization: input \(x.shape) [N, C, …] with scale \(gamma.shape) and shift \(beta.shape), expected [C]")
    let shape = x.shape, m = Double(x.count / x.shape[1])
    ensure(m > 1, "batchNormalization: one entry per channel (\(shape)) has no variance")
    let mean = x.channelSums().scaled(by: 1 / m)
    // The per-channel operations are `x − mean.broadcastChannels(to: shape)` and so on, bit for bit,
    // without three batches of broadcast values.
    let centered = x.subtractingPerChannel(mean)
    let variance = centered.squared().channelSums().scaled(by: 1 / m)
    let factor = gamma / variance.adding(epsilon).sqrt()
    let y = centered.multipliedPerChannel(factor).addingPerChannel(beta)
    return (y, mean.value, variance.value.scaled(by: m / (m - 1)))
}
