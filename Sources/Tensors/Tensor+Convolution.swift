import CKernels

// Two-dimensional convolutions of NCHW batches as im2col/col2im + one GEMM, and the per-channel
// sums and broadcasts around them (a convolution's bias, batch normalization's statistics).
//
// Layout: channels first, [batch, channels, height, width] row-major, as PyTorch. Why: a network's
// input and output are [batch, width] matrices, and a sample's C·H·W features flattened in (C, H, W)
// order are then a free view (no permutation at the dense ↔ spatial boundary), so a checkpoint's
// tensors map one to one to a PyTorch `state_dict`; and with im2col's rows ordered (Cin, kh, kw),
// the weight [Cout, Cin, kh, kw] read as a [Cout, Cin·kh·kw] matrix is the GEMM's left operand as it
// is stored — no weight is ever permuted.
//
// Why im2col + GEMM rather than a direct kernel: every convolution here (DCGAN's, 4×4 kernels, 1–128
// channels, 7×7 to 28×28 maps) has a reduction of K = Cin·kh·kw ≥ 16 and N·Ho·Wo ≥ 1568 columns per
// shard, where OpenBLAS's GEMM runs near the FMA peak, and the column matrix is written and read once
// (memory traffic of K·N·Ho·Wo elements, small against the GEMM's 2·Cout·K·N·Ho·Wo FLOPs when Cout ≥
// 64). A direct kernel would have to reach that throughput by hand for every shape. All three
// products a convolution's derivatives need — the convolution, its adjoint (the transposed
// convolution) and its weight gradient (a correlation) — are then one GEMM each over the same column
// matrix, and FlopCounter counts them like every other product. The adjoint, where its GEMM would be
// sk_gemm_f32's in one K block, is one pass that never writes its column matrix (fusedAdjoint,
// sk_convolution_adjoint_f32): the same bits, without 6.4 MB going to memory and back; the forward
// product and the weight gradient, where theirs are sk_gemm_f32's, gather each tile's columns from
// x (implicitForward, implicitWeightGradient), so on that path no column matrix is made at all.

/// The shape of a 2-D convolution x ↦ y: x is [batch, inputChannels, inputHeight, inputWidth], the
/// weight [outputChannels, inputChannels, kernelHeight, kernelWidth], y is [batch, outputChannels,
/// outputHeight, outputWidth] with outputHeight = ⌊(inputHeight + 2·padding − kernelHeight)/stride⌋ + 1
/// (likewise the width); dilation 1, zero padding on every side.
public struct ConvolutionGeometry: Equatable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inputChannels: Int, outputChannels: Int
    public let inputHeight: Int, inputWidth: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int, padding: Int

    public init(batch: Int, inputChannels: Int, outputChannels: Int, inputHeight: Int, inputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        ensure(batch >= 0 && inputChannels > 0 && outputChannels > 0 && kernelHeight > 0 && kernelWidth > 0,
               "convolution: channels and kernel sizes must be positive (batch \(batch), channels \(inputChannels)→\(outputChannels), kernel \(kernelHeight)×\(kernelWidth))")
        ensure(stride >= 1 && padding >= 0, "convolution: stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
        ensure(inputHeight + 2 * padding >= kernelHeight && inputWidth + 2 * padding >= kernelWidth,
               "convolution: a \(kernelHeight)×\(kernelWidth) kernel does not fit a padded \(inputHeight)×\(inputWidth) input (padding \(padding))")
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    public var outputHeight: Int { (inputHeight + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (inputWidth + 2 * padding - kernelWidth) / stride + 1 }
    /// K = Cin·kh·kw, the reduction of the GEMM (rows of the column matrix).
    public var patchSize: Int { inputChannels * kernelHeight * kernelWidth }
    public var inputShape: Shape { [batch, inputChannels, inputHeight, inputWidth] }
    public var outputShape: Shape { [batch, outputChannels, outputHeight, outputWidth] }
    public var weightShape: Shape { [outputChannels, inputChannels, kernelHeight, kernelWidth] }

    public var description: String {
        "\(inputChannels)→\(outputChannels) \(kernelHeight)×\(kernelWidth) stride \(stride) padding \(padding) on \(inputHeight)×\(inputWidth) (batch \(batch))"
    }
}

/// y = W ⋆ x + b (cross-correlation, as every deep-learning library's "convolution"):
/// y[n, o, r, c] = b[o] + Σ_{i, u, v} W[o, i, u, v] · x[n, i, r·s − p + u, c·s − p + v], with x zero
/// outside its bounds. `x` is [N, Cin, H, W], `weight` [Cout, Cin, kh, kw], `bias` [Cout].
///
/// One GEMM: W as [Cout, K] times the column matrix [K, N·Ho·Wo] of ``im2col``, then one pass that
/// moves the result from [Cout, N, Ho·Wo] to [N, Cout, Ho·Wo] and adds the bias.
public func convolution2D(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    convolution2DKeepingColumns(x, weight: weight, bias: bias, stride: stride, padding: padding).output
}

/// ``convolution2D(_:weight:bias:stride:padding:)`` that also returns its column matrix
/// [Cin·kh·kw, N·Ho·Wo], which the weight gradient reads again
/// (``convolution2DWeightGradient(input:outputGradient:kernelHeight:kernelWidth:stride:padding:columns:into:)``):
/// keeping it instead of unfolding x a second time, together with the sink rules that add weight
/// gradients into the flat gradient, took a W6 step from 145 to 136 ms on one thread (2026-12-04,
/// a shared machine; im2col had been 10% of the step's samples in `perf`, half of it for weight gradients).
/// Nil where the product goes to sk_gemm_f32 (`implicitForward`): no column matrix is made there,
/// and the weight gradient gathers its panels from x as this forward did.
public func convolution2DKeepingColumns(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> (output: Tensor, columns: Tensor?) {
    let geo = geometry(input: x, weight: weight, stride: stride, padding: padding, "convolution2D")
    if let bias { ensure(bias.shape == Shape([geo.outputChannels]) && bias.dtype == x.dtype, "convolution2D: bias \(bias.dtype) \(bias.shape) for \(geo.outputChannels) \(x.dtype) channels") }
    if let y = implicitForward(x, weight: weight, geo: geo, bias: bias) { return (y, nil) }
    let cols = im2col(x, geo)
    let product = matmul(weight.reshaped([geo.outputChannels, geo.patchSize]), cols)
    return (channelsToBatchMajor(product, geo: geo, bias: bias), cols)
}

/// The adjoint of x ↦ W ⋆ x in x (PyTorch's `conv_transpose2d` with this `weight` read as
/// [in, out, kh, kw] = the convolution's [Cout, Cin, kh, kw]): for g of the convolution's output
/// shape [N, Cout, Ho, Wo], returns x̄ [N, Cin, H, W] with ⟨x̄, ξ⟩ = ⟨g, W ⋆ ξ⟩ for every ξ, plus
/// `bias` [Cin] per channel. H and W (`inputHeight`, `inputWidth`) must map to Ho, Wo under the
/// convolution: a stride > 1 leaves up to s − 1 rows ambiguous.
///
/// One GEMM: Wᵀ [K, Cout] times g moved to [Cout, N·Ho·Wo], then ``col2im`` adds the columns back
/// into their pixels — or, where that GEMM is sk_gemm_f32's in one K block, the same bits in one
/// pass over a window of columns (`fusedAdjoint`).
public func convolution2DAdjoint(_ g: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int,
                                 inputHeight: Int, inputWidth: Int) -> Tensor {
    ensure(g.rank == 4 && weight.rank == 4 && g.dtype == weight.dtype && g.shape[1] == weight.shape[0],
           "convolution2DAdjoint: input \(g.dtype) \(g.shape) and weight \(weight.dtype) \(weight.shape) (in, out, kh, kw) do not match")
    let geo = ConvolutionGeometry(batch: g.shape[0], inputChannels: weight.shape[1], outputChannels: weight.shape[0],
                                  inputHeight: inputHeight, inputWidth: inputWidth, kernelHeight: weight.shape[2],
                                  kernelWidth: weight.shape[3], stride: stride, padding: padding)
    ensure(geo.outputShape == g.shape, "convolution2DAdjoint: an output of \(inputHeight)×\(inputWidth) maps to \(geo.outputShape) under \(geo), not to the input's \(g.shape)")
    if let bias { ensure(bias.shape == Shape([geo.inputChannels]) && bias.dtype == g.dtype, "convolution2DAdjoint: bias \(bias.dtype) \(bias.shape) for \(geo.inputChannels) \(g.dtype) channels") }
    if let x = fusedAdjoint(g, weight: weight, geo: geo, bias: bias) { return x }
    let cols = matmul(weight.reshaped([geo.outputChannels, geo.patchSize]), batchToChannelsMajor(g, geo: geo), transposeA: true)
    return col2im(cols, geo, bias: bias)
}

/// `body` run with `count` floats of scratch from the tensor pool, kept alive until it returns (its
/// last use in Swift is the pointer, after which ARC could otherwise free it). The one-pass C
/// kernels take their scratch from the caller so that a pool can hand the same buffer out again.
private func withScratch(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Int32) -> Int32 {
    let scratch = Tensor(uninitialized: [count], dtype: .float32)
    return withExtendedLifetime(scratch) { body(scratch.f32) }
}

/// ``convolution2DAdjoint(_:weight:bias:stride:padding:inputHeight:inputWidth:)`` in one pass
/// (sk_convolution_adjoint_f32) where its product would go to sk_gemm_f32 in one K block: the same
/// bits — every column of Wᵀg is the same chain of fused multiply–adds and every plane is folded in
/// the same order — without the column matrix [K, N·Ho·Wo] written to memory and read back (the
/// columns of a few samples at a time stay in cache, each sample folded once they are done) and
/// without g moved to [Cout, N·Ho·Wo]. Nil where that path does not apply (Float64, no AVX-512,
/// OpenBLAS on more than one thread, a thin product, Cout > 320).
private func fusedAdjoint(_ g: Tensor, weight: Tensor, geo: ConvolutionGeometry, bias: Tensor?) -> Tensor? {
    let (m, n, k) = (geo.patchSize, geo.batch * geo.outputHeight * geo.outputWidth, geo.outputChannels)
    guard k <= 320, goesToPackFreeProduct(m: m, n: n, k: k, transposeA: true, dtype: g.dtype) else { return nil }
    let x = Tensor(uninitialized: geo.inputShape, dtype: g.dtype)
    let status = withScratch(sk_convolution_adjoint_scratch(geo.inputChannels, geo.outputChannels, geo.kernelHeight,
                                                            geo.kernelWidth, geo.outputHeight, geo.outputWidth)) { scratch in
        sk_convolution_adjoint_f32(weight.f32, g.f32, x.f32, geo.batch, geo.inputChannels, geo.outputChannels,
                                   geo.inputHeight, geo.inputWidth, geo.kernelHeight, geo.kernelWidth,
                                   geo.stride, geo.padding, geo.outputHeight, geo.outputWidth, scratch)
    }
    ensure(status >= 0, "convolution2DAdjoint: no memory for a \(geo.inputHeight + 2 * geo.padding)×\(geo.inputWidth + 2 * geo.padding) padded plane")
    guard status == 1 else { return nil }
    FlopCounter.record(m: m, n: n, k: k)
    if let bias { addPerChannel(x.f32, bias.f32, batch: geo.batch, channels: geo.inputChannels, plane: geo.inputHeight * geo.inputWidth) }
    return x
}

/// ``convolution2D(_:weight:bias:stride:padding:)`` without a column matrix (sk_convolution_forward_f32)
/// where its product would go to sk_gemm_f32: each 32 pixels' columns gathered from x into a
/// buffer that stays in cache, their rows of colsᵀ·Wᵀ formed by the same fused multiply–add chains
/// over the same K blocks, and written to y's channels with the bias — the same bits as the GEMM
/// and the move, without unfolding x into memory (1.6 MB of x became 6.4 MB of columns for the
/// 64→128 layer) and reading it back. Nil where that path does not apply (see `fusedAdjoint`).
private func implicitForward(_ x: Tensor, weight: Tensor, geo: ConvolutionGeometry, bias: Tensor?) -> Tensor? {
    let (m, n, k) = (geo.outputChannels, geo.batch * geo.outputHeight * geo.outputWidth, geo.patchSize)
    guard goesToPackFreeProduct(m: m, n: n, k: k, transposeA: false, dtype: x.dtype) else { return nil }
    let y = Tensor(uninitialized: geo.outputShape, dtype: .float32)
    let status = withScratch(sk_convolution_forward_scratch(geo.batch, geo.inputChannels, geo.outputChannels, geo.kernelHeight,
                                                            geo.kernelWidth, geo.outputHeight, geo.outputWidth)) { scratch in
        withExtendedLifetime(bias) {
            sk_convolution_forward_f32(weight.f32, x.f32, bias?.f32, y.f32, geo.batch, geo.inputChannels, geo.outputChannels,
                                       geo.inputHeight, geo.inputWidth, geo.kernelHeight, geo.kernelWidth, geo.stride, geo.padding,
                                       geo.outputHeight, geo.outputWidth, scratch)
        }
    }
    guard status == 1 else { return nil }
    FlopCounter.record(m: m, n: n, k: k)
    return y
}

/// The weight gradient of a convolution: ∂/∂W ⟨g, W ⋆ x⟩ = Σ_{n, r, c} g[n, o, r, c] · x[n, i, r·s − p + u,
/// c·s − p + v], shape [Cout, Cin, kh, kw], for x [N, Cin, H, W] and g [N, Cout, Ho, Wo] (a
/// correlation of x with g). One GEMM: g moved to [Cout, N·Ho·Wo] times the column matrix transposed.
///
/// `columns`, when given, is x's column matrix from ``convolution2DKeepingColumns(_:weight:bias:stride:padding:)``
/// (x is then read only for its shape); with `into`, the gradient is added to that tensor of the
/// weight's element count (BLAS's β = 1: a first-order sweep writes it straight into its place in a
/// flat gradient) and returned.
@discardableResult
public func convolution2DWeightGradient(input x: Tensor, outputGradient g: Tensor, kernelHeight: Int, kernelWidth: Int,
                                        stride: Int, padding: Int, columns: Tensor? = nil, into sink: Tensor? = nil) -> Tensor {
    ensure(x.rank == 4 && g.rank == 4 && x.dtype == g.dtype && x.shape[0] == g.shape[0],
           "convolution2DWeightGradient: input \(x.dtype) \(x.shape) and output gradient \(g.dtype) \(g.shape) do not match")
    let geo = ConvolutionGeometry(batch: x.shape[0], inputChannels: x.shape[1], outputChannels: g.shape[1],
                                  inputHeight: x.shape[2], inputWidth: x.shape[3], kernelHeight: kernelHeight,
                                  kernelWidth: kernelWidth, stride: stride, padding: padding)
    ensure(geo.outputShape == g.shape, "convolution2DWeightGradient: \(geo) gives \(geo.outputShape), the output gradient is \(g.shape)")
    if let columns { ensure(columns.shape == Shape([geo.patchSize, geo.batch * geo.outputHeight * geo.outputWidth]) && columns.dtype == x.dtype, "convolution2DWeightGradient: columns \(columns.shape) for \(geo)") }
    if let sink { ensure(sink.count == geo.weightShape.count && sink.dtype == x.dtype, "convolution2DWeightGradient: sink \(sink.dtype) \(sink.shape) for a weight \(geo.weightShape)") }
    if columns == nil, let w = implicitWeightGradient(x, g, geo: geo, into: sink) { return w }
    let cols = columns ?? im2col(x, geo)
    if let sink {
        matmul(batchToChannelsMajor(g, geo: geo), cols, transposeB: true, into: sink.reshaped([geo.outputChannels, geo.patchSize]), accumulate: true)
        return sink
    }
    return matmul(batchToChannelsMajor(g, geo: geo), cols, transposeB: true).reshaped(geo.weightShape)
}

/// ``convolution2DWeightGradient(input:outputGradient:kernelHeight:kernelWidth:stride:padding:columns:into:)``
/// without a column matrix (sk_convolution_weight_gradient_f32) where its product would go to
/// sk_gemm_f32: each K block of a 32-row panel of colsᵀ is gathered from x just before its tiles
/// use it, where sk_gemm_f32 turns it from the column matrix, and g is read in place, batch-major,
/// where the product reads it moved to [Cout, N·Ho·Wo] — the same values in the same tiles, so the
/// same bits. Nil where that path does not apply.
private func implicitWeightGradient(_ x: Tensor, _ g: Tensor, geo: ConvolutionGeometry, into sink: Tensor?) -> Tensor? {
    let (m, n, k) = (geo.outputChannels, geo.patchSize, geo.batch * geo.outputHeight * geo.outputWidth)
    guard goesToPackFreeProduct(m: m, n: n, k: k, transposeA: false, dtype: x.dtype) else { return nil }
    let out = sink ?? Tensor(uninitialized: geo.weightShape, dtype: .float32)
    let status = withScratch(sk_convolution_weight_gradient_scratch(geo.batch, geo.outputChannels, geo.outputHeight, geo.outputWidth)) { scratch in
        sk_convolution_weight_gradient_f32(g.f32, x.f32, out.f32, sink == nil ? 0 : 1, geo.batch, geo.inputChannels,
                                           geo.outputChannels, geo.inputHeight, geo.inputWidth, geo.kernelHeight, geo.kernelWidth,
                                           geo.stride, geo.padding, geo.outputHeight, geo.outputWidth, scratch)
    }
    guard status == 1 else { return nil }
    FlopCounter.record(m: m, n: n, k: k)
    return sink ?? out
}

/// The geometry of `weight` [Cout, Cin, kh, kw] applied to `x` [N, Cin, H, W].
private func geometry(input x: Tensor, weight: Tensor, stride: Int, padding: Int, _ op: String) -> ConvolutionGeometry {
    ensure(x.rank == 4 && weight.rank == 4 && x.dtype == weight.dtype && x.shape[1] == weight.shape[1],
           "\(op): input \(x.dtype) \(x.shape) [N, Cin, H, W] and weight \(weight.dtype) \(weight.shape) [Cout, Cin, kh, kw] do not match")
    return ConvolutionGeometry(batch: x.shape[0], inputChannels: x.shape[1], outputChannels: weight.shape[0],
                               inputHeight: x.shape[2], inputWidth: x.shape[3], kernelHeight: weight.shape[2],
                               kernelWidth: weight.shape[3], stride: stride, padding: padding)
}

/// The column matrix [K, N·Ho·Wo]: row (i, u, v) (channel, kernel row, kernel column), column
/// (n, r, c) holds x[n, i, r·s − p + u, c·s − p + v], zero where that is padding.
func im2col(_ x: Tensor, _ geo: ConvolutionGeometry) -> Tensor {
    let cols = Tensor(uninitialized: [geo.patchSize, geo.batch * geo.outputHeight * geo.outputWidth], dtype: x.dtype)
    let (n, c, h, w, kh, kw) = (geo.batch, geo.inputChannels, geo.inputHeight, geo.inputWidth, geo.kernelHeight, geo.kernelWidth)
    let (s, p, oh, ow) = (geo.stride, geo.padding, geo.outputHeight, geo.outputWidth)
    // In C (sk_unfold): plane by plane through a zero-bordered copy, so that each kernel offset
    // reads its block without the bounds tests that dominated DCGAN's 7- and 14-pixel rows.
    let status = switch x.dtype {
    case .float32: sk_unfold_f32(x.f32, cols.f32, n, c, h, w, kh, kw, s, p, oh, ow)
    case .float64: sk_unfold_f64(x.f64, cols.f64, n, c, h, w, kh, kw, s, p, oh, ow)
    }
    ensure(status == 0, "im2col: no memory for a \(h + 2 * p)×\(w + 2 * p) padded plane")
    return cols
}

/// The adjoint of ``im2col``: x [N, Cin, H, W] with every column entry added back into the pixel it
/// was read from (padding entries dropped), plus `bias` [Cin] per channel. Each pixel's terms are
/// added from +0 in the order of the kernel offsets (u, v) (sk_fold), then the bias.
func col2im(_ cols: Tensor, _ geo: ConvolutionGeometry, bias: Tensor?) -> Tensor {
    let x = Tensor(uninitialized: geo.inputShape, dtype: cols.dtype)
    let (n, c, h, w, kh, kw) = (geo.batch, geo.inputChannels, geo.inputHeight, geo.inputWidth, geo.kernelHeight, geo.kernelWidth)
    let (s, p, oh, ow) = (geo.stride, geo.padding, geo.outputHeight, geo.outputWidth)
    let status: Int32
    switch cols.dtype {
    case .float32:
        status = sk_fold_f32(cols.f32, x.f32, n, c, h, w, kh, kw, s, p, oh, ow)
        if let bias { addPerChannel(x.f32, bias.f32, batch: n, channels: c, plane: h * w) }
    case .float64:
        status = sk_fold_f64(cols.f64, x.f64, n, c, h, w, kh, kw, s, p, oh, ow)
        if let bias { addPerChannel(x.f64, bias.f64, batch: n, channels: c, plane: h * w) }
    }
    ensure(status == 0, "col2im: no memory for a \(h + 2 * p)×\(w + 2 * p) padded plane")
    return x
}

/// [Cout, N·P] (a GEMM's output) to [N, Cout, P] (P = Ho·Wo), adding `bias` [Cout] per channel.
private func channelsToBatchMajor(_ product: Tensor, geo: ConvolutionGeometry, bias: Tensor?) -> Tensor {
    let y = Tensor(uninitialized: geo.outputShape, dtype: product.dtype)
    let (n, c, p) = (geo.batch, geo.outputChannels, geo.outputHeight * geo.outputWidth)
    switch product.dtype {
    case .float32: permuteBlocks(product.f32, y.f32, outer: c, inner: n, block: p, bias: bias?.f32)
    case .float64: permuteBlocks(product.f64, y.f64, outer: c, inner: n, block: p, bias: bias?.f64)
    }
    return y
}

/// [N, Cout, P] to [Cout, N·P], the layout the GEMMs of the adjoint and the weight gradient read.
private func batchToChannelsMajor(_ g: Tensor, geo: ConvolutionGeometry) -> Tensor {
    let (n, c, p) = (geo.batch, geo.outputChannels, geo.outputHeight * geo.outputWidth)
    let o = Tensor(uninitialized: [c, n * p], dtype: g.dtype)
    switch g.dtype {
    case .float32: permuteBlocks(g.f32, o.f32, outer: n, inner: c, block: p, bias: nil)
    case .float64: permuteBlocks(g.f64, o.f64, outer: n, inner: c, block: p, bias: nil)
    }
    return o
}

/// dst[j, i, :] = src[i, j, :] (+ bias[i]) for blocks of `block` elements, src [outer, inner, block].
private func permuteBlocks<T: BinaryFloatingPoint>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                   outer: Int, inner: Int, block: Int, bias: UnsafeMutablePointer<T>?) {
    for i in 0..<outer {
        let b = bias?[i] ?? 0
        for j in 0..<inner {
            let s = src + (i * inner + j) * block, d = dst + (j * outer + i) * block
            if bias == nil { d.update(from: s, count: block) } else { for k in 0..<block { d[k] = s[k] + b } }
        }
    }
}

private enum PerChannelOperation: String { case add = "adding", subtract = "subtracting", multiply = "multiplied" }

private func applyPerChannel<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, _ out: UnsafeMutablePointer<T>,
                                                     batch: Int, channels: Int, plane: Int, _ op: PerChannelOperation) {
    for n in 0..<batch {
        for c in 0..<channels {
            let at = (n * channels + c) * plane, b = 0 + v[c]
            let row = x + at, o = out + at
            switch op {
            case .add: for k in 0..<plane { o[k] = row[k] + b }
            case .subtract: for k in 0..<plane { o[k] = row[k] - b }
            case .multiply: for k in 0..<plane { o[k] = row[k] * b }
            }
        }
    }
}

private func addPerChannel<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, batch: Int, channels: Int, plane: Int) {
    for n in 0..<batch {
        for c in 0..<channels {
            let row = x + (n * channels + c) * plane, b = v[c]
            for k in 0..<plane { row[k] += b }
        }
    }
}

extension Tensor {
    /// Per-channel sums of a batch [N, C, …] (rank 2 to 4): out[c] = Σ_{n, …} x[n, c, …], shape [C].
    /// The adjoint of ``broadcastChannels(to:)``.
    public func channelSums() -> Tensor {
        ensure(rank >= 2, "Tensor.channelSums: expected [batch, channels, …], got \(shape)")
        let (n, c) = (shape[0], shape[1]), plane = count / max(1, n * c)
        let o = Tensor.zeros([c], dtype: dtype)
        switch dtype {
        case .float32: sumPerChannel(f32, o.f32, batch: n, channels: c, plane: plane)
        case .float64: sumPerChannel(f64, o.f64, batch: n, channels: c, plane: plane)
        }
        return o
    }

    /// x ∘ v[c] for every element of channel c of this batch [N, C, …] (rank 2 to 4) and a vector v
    /// [C], ∘ one of +, −, ×: the elementwise operation with `v.broadcastChannels(to: shape)`, bit for
    /// bit (each element is the one operation with 0 + v[c], the broadcast's value; −0 becomes +0
    /// there), without the broadcast batch written and read back.
    public func addingPerChannel(_ v: Tensor) -> Tensor { perChannel(v, .add) }
    /// See ``addingPerChannel(_:)``.
    public func subtractingPerChannel(_ v: Tensor) -> Tensor { perChannel(v, .subtract) }
    /// See ``addingPerChannel(_:)``.
    public func multipliedPerChannel(_ v: Tensor) -> Tensor { perChannel(v, .multiply) }

    private func perChannel(_ v: Tensor, _ op: PerChannelOperation) -> Tensor {
        ensure(rank >= 2 && v.rank == 1 && v.count == shape[1] && v.dtype == dtype, "Tensor.\(op.rawValue)PerChannel: \(v.dtype) \(v.shape) for a batch \(dtype) \(shape)")
        let (n, c) = (shape[0], shape[1]), plane = count / max(1, n * c)
        let o = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: applyPerChannel(f32, v.f32, o.f32, batch: n, channels: c, plane: plane, op)
        case .float64: applyPerChannel(f64, v.f64, o.f64, batch: n, channels: c, plane: plane, op)
        }
        return o
    }

    /// A batch of `shape` [N, C, …] (rank 2 to 4) whose channel c is filled with element c of this
    /// vector [C]. The adjoint of ``channelSums()``.
    public func broadcastChannels(to shape: Shape) -> Tensor {
        ensure(shape.rank >= 2 && rank == 1 && count == shape[1], "Tensor.broadcastChannels: \(self.shape) to \(shape)")
        let (n, c) = (shape[0], shape[1]), plane = shape.count / max(1, n * c)
        let o = Tensor.zeros(shape, dtype: dtype)
        switch dtype {
        case .float32: addPerChannel(o.f32, f32, batch: n, channels: c, plane: plane)
        case .float64: addPerChannel(o.f64, f64, batch: n, channels: c, plane: plane)
        }
        return o
    }
}

private func sumPerChannel<T: BinaryFloatingPoint & SIMDScalar>(_ x: UnsafeMutablePointer<T>, _ out: UnsafeMutablePointer<T>, batch: Int, channels: Int, plane: Int) {
    for n in 0..<batch {
        for c in 0..<channels {
            let row = x + (n * channels + c) * plane
            // Eight partial sums in SIMD lanes (a single running sum does not vectorize), then the rest.
            var lanes = SIMD8<T>(repeating: 0)
            var k = 0
            while k + 8 <= plane {
                lanes += UnsafeRawPointer(row + k).loadUnaligned(as: SIMD8<T>.self)
                k += 8
            }
            var s = lanes.sum()
            while k < plane { s += row[k]; k += 1 }
            out[c] += s
        }
    }
}
