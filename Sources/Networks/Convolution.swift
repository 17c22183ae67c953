import Autodiff
import Tensors

/// A 2-D convolution layer y = W ⋆ x + b (``Autodiff/conv2d(_:weight:bias:stride:padding:)``), W of
/// shape [out, in, kh, kw] and b [out] (PyTorch's `nn.Conv2d` layout and names, `<name>.weight`,
/// `<name>.bias`), both views into a player's ``ParameterBuffer``; optionally spectrally normalized
/// (``SpectralNormalization``: the layer then applies W/σ(W)).
public struct Conv2d: ConvolutionLayer {
    public let declared: ConvolutionDeclaration
    /// W's spectral normalization, if any.
    public let spectralNormalization: SpectralNormalization?

    /// Declares the layer's parameters in `buffer` (before it is finalized).
    public init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                spectralNorm: Bool = false, name: String, in buffer: ParameterBuffer) {
        declared = ConvolutionDeclaration("Conv2d", inputChannels, outputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                         bias: bias, weightShape: [outputChannels, inputChannels, kernelSize, kernelSize], name: name, in: buffer)
        spectralNormalization = spectralNorm
            ? SpectralNormalization(name: "\(name).weight", rows: outputChannels, columns: inputChannels * kernelSize * kernelSize, dtype: buffer.dtype)
            : nil
    }

    /// The spatial size of the output for an input of `size` (square maps): ⌊(size + 2p − k)/s⌋ + 1.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    /// Applies the layer to x [N, in, H, W] with its weight and bias cut from `flat`, a vector laid
    /// out like the layer's parameter buffer.
    public func callAsFunction(_ x: Variable, parameters flat: Variable) -> Variable {
        var (w, b) = declared.slices(of: flat, input: x)
        if let sn = spectralNormalization { w = sn.normalized(w) }
        return conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
    }

    /// Draws W and b as PyTorch's `nn.Conv2d` does by default (`.pytorchDefault`: U(±1/√fan_in),
    /// fan_in = in·k²) or with another ``Initializer`` (fan_in = in·k² likewise), then points the
    /// spectral normalization's u and v at W.
    public func initialize(with initializer: Initializer, gain: Double = 1, using rng: inout RandomGenerator) {
        initializer.initialize(weight: weight.value.reshaped([outputChannels, inputChannels * kernelSize * kernelSize]),
                               bias: bias?.value, gain: gain, using: &rng)
        spectralNormalization?.reset(weight: weight.value, using: &rng)
    }
}

/// A transposed convolution layer (``Autodiff/convTranspose2d(_:weight:bias:stride:padding:outputSize:)``,
/// the adjoint of a convolution), W of shape [in, out, kh, kw] and b [out] — PyTorch's
/// `nn.ConvTranspose2d` layout (in, out, kH, kW) and names — views into a ``ParameterBuffer``.
/// The output's size is (H − 1)s − 2p + k (PyTorch's, without `output_padding`).
public struct ConvTranspose2d: ConvolutionLayer {
    public let declared: ConvolutionDeclaration

    /// Declares the layer's parameters in `buffer` (before it is finalized).
    public init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                name: String, in buffer: ParameterBuffer) {
        declared = ConvolutionDeclaration("ConvTranspose2d", inputChannels, outputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                         bias: bias, weightShape: [inputChannels, outputChannels, kernelSize, kernelSize], name: name, in: buffer)
    }

    /// The spatial size of the output for an input of `size`: (size − 1)s − 2p + k.
    public func outputSize(_ size: Int) -> Int { (size - 1) * stride - 2 * padding + kernelSize }

    /// Applies the layer to x [N, in, H, W] with its weight and bias cut from `flat`.
    public func callAsFunction(_ x: Variable, parameters flat: Variable) -> Variable {
        let (w, b) = declared.slices(of: flat, input: x)
        return convTranspose2d(x, weight: w, bias: b, stride: stride, padding: padding)
    }

    /// Draws W and b as PyTorch's `nn.ConvTranspose2d` does by default (`.pytorchDefault` with
    /// PyTorch's fan_in of this layout, out·k² — dimension 1 of (in, out, kH, kW)), or with another
    /// ``Initializer`` (the same fan_in).
    public func initialize(with initializer: Initializer, gain: Double = 1, using rng: inout RandomGenerator) {
        initializer.initialize(weight: weight.value.reshaped([inputChannels, outputChannels * kernelSize * kernelSize]),
                               bias: bias?.value, gain: gain, using: &rng)
    }
}

/// What ``Conv2d`` and ``ConvTranspose2d`` share: the geometry, checked, and the places of the
/// weight and the bias in the buffer.
public struct ConvolutionDeclaration {
    public let kind: String
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    let weightIndex: Int
    let biasIndex: Int?
    public unowned let buffer: ParameterBuffer

    init(_ kind: String, _ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool,
         weightShape: Shape, name: String, in buffer: ParameterBuffer) {
        ensure(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
               "\(kind) \(name): channels \(inputChannels)→\(outputChannels), kernel \(kernelSize), stride \(stride), padding \(padding)")
        self.kind = kind
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.buffer = buffer
        weightIndex = buffer.declare("\(name).weight", shape: weightShape)
        biasIndex = bias ? buffer.declare("\(name).bias", shape: [outputChannels]) : nil
    }

    /// The weight and the bias cut from `flat` (laid out like the buffer), after checking that `x`
    /// is a batch [N, in, H, W].
    func slices(of flat: Variable, input x: Variable) -> (weight: Variable, bias: Variable?) {
        ensure(x.value.rank == 4 && x.shape[1] == inputChannels, "\(kind) \(inputChannels)→\(outputChannels): input \(x.shape), expected [N, \(inputChannels), H, W]")
        return (flat.slice(from: buffer.parameters[weightIndex].range.lowerBound, shape: buffer.parameters[weightIndex].value.shape),
                biasIndex.map { flat.slice(from: buffer.parameters[$0].range.lowerBound, shape: [outputChannels]) })
    }
}

/// A layer declared by a ``ConvolutionDeclaration``: its geometry and its parameters' views.
public protocol ConvolutionLayer {
    var declared: ConvolutionDeclaration { get }
}

extension ConvolutionLayer {
    public var inputChannels: Int { declared.inputChannels }
    public var outputChannels: Int { declared.outputChannels }
    public var kernelSize: Int { declared.kernelSize }
    public var stride: Int { declared.stride }
    public var padding: Int { declared.padding }
    public var weight: ParameterBuffer.Parameter { declared.buffer.parameters[declared.weightIndex] }
    public var bias: ParameterBuffer.Parameter? { declared.biasIndex.map { declared.buffer.parameters[$0] } }
}
