import Autodiff
import Tensors

/// Spectral normalization of a weight (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral
/// Normalization for Generative Adversarial Networks", arXiv:1802.05957): the layer applies
/// W̄ = W/σ(W) with σ(W) = uᵀ W v, W read as the matrix [rows, columns] (a convolution's
/// [out, in·kh·kw], PyTorch's `dim = 0`), where u ∈ R^rows and v ∈ R^columns are the power
/// iteration's vectors. u and v are constants in the gradient (as in the paper and PyTorch):
/// ∂σ/∂W = u vᵀ, so ∂⟨G, W/σ⟩/∂W = (G − ⟨G, W̄⟩ u vᵀ)/σ.
///
/// **When u and v move.** Not per evaluation: PyTorch advances them at every forward pass in
/// training mode, which would make extragradient's two evaluations, a JVP and every shard see
/// different operators. Here they are non-trainable state (checkpointed, ``Network/nonTrainableState``)
/// advanced by one power-iteration step, v ← Wᵀu/‖Wᵀu‖ then u ← Wv/‖Wv‖ (PyTorch's order and
/// its `F.normalize` with ε = 1e-12), only in ``powerIterationStep(weight:)``, which a network calls
/// from ``Network/updateNonTrainableState(parameters:)`` — once per solver iteration, at the
/// iteration's end point. Within an iteration, and in derivative checks and diagnostics, σ is the
/// fixed bilinear form uᵀWv. At initialization u is drawn N(0, I), normalized, and 15 steps are
/// taken (as `torch.nn.utils.parametrizations.spectral_norm` does), so σ starts near ‖W‖₂.
///
/// State names (PyTorch's `torch.nn.utils.spectral_norm` buffers): `<weight>_u` [rows],
/// `<weight>_v` [columns]; Saddle's parameter `<weight>` holds what PyTorch names `<weight>_orig`.
public final class SpectralNormalization {
    /// The normalized weight's name (`conv1.weight`); the state is `<name>_u` and `<name>_v`.
    public let name: String
    public let rows: Int, columns: Int
    /// u [rows] and v [columns], unit vectors.
    public let u: Tensor, v: Tensor
    /// PyTorch's guard against division by a zero norm.
    static let epsilon = 1e-12

    public init(name: String, rows: Int, columns: Int, dtype: DType) {
        ensure(rows > 0 && columns > 0, "SpectralNormalization \(name): a \(rows)×\(columns) weight")
        self.name = name
        self.rows = rows
        self.columns = columns
        u = Tensor.zeros([rows], dtype: dtype)
        v = Tensor.zeros([columns], dtype: dtype)
        u[0] = 1
    }

    /// W/σ(W) with σ = uᵀ W v, u and v constants; `weight` has rows·columns elements (any shape).
    public func normalized(_ weight: Variable) -> Variable {
        ensure(weight.count == rows * columns && weight.dtype == u.dtype,
               "SpectralNormalization \(name): weight \(weight.dtype) \(weight.shape) for a \(u.dtype) \(rows)×\(columns) matrix")
        let matrix = weight.reshaped([rows, columns])
        let sigma = matmul(matmul(Variable(u.reshaped([1, rows])), matrix), Variable(v.reshaped([columns, 1])))
        ensure(sigma.scalar != 0, "SpectralNormalization \(name): σ = uᵀWv is 0 (u and v were never pointed at W: call reset(weight:using:), as Conv2d.initialize does)")
        return weight / sigma.expanded(to: weight.shape)
    }

    /// σ(W) = uᵀ W v at the current u, v.
    public func sigma(weight: Tensor) -> Double {
        matmul(matmul(u.reshaped([1, rows]), weight.reshaped([rows, columns])), v.reshaped([columns, 1])).scalar
    }

    /// One power-iteration step at `weight`: v ← Wᵀu/max(‖Wᵀu‖, ε), u ← Wv/max(‖Wv‖, ε).
    public func powerIterationStep(weight: Tensor) {
        let w = weight.reshaped([rows, columns])
        let wtu = matmul(w, u.reshaped([rows, 1]), transposeA: true)
        v.copy(from: wtu.reshaped([columns]).scaled(by: 1 / max(wtu.norm(), Self.epsilon)))
        let wv = matmul(w, v.reshaped([columns, 1]))
        u.copy(from: wv.reshaped([rows]).scaled(by: 1 / max(wv.norm(), Self.epsilon)))
    }

    /// u ∼ N(0, I) normalized, then 15 power-iteration steps at `weight`.
    public func reset(weight: Tensor, using rng: inout RandomGenerator) {
        u.copy(from: Tensor.normal([rows], dtype: u.dtype, using: &rng))
        u.scale(by: 1 / max(u.norm(), Self.epsilon))
        for _ in 0..<15 { powerIterationStep(weight: weight) }
    }

    /// The state tensors, by name.
    public var state: [(name: String, tensor: Tensor)] { [("\(name)_u", u), ("\(name)_v", v)] }
}

/// Copies every tensor of `mine` from the tensor of the same name in `state`, after checking them
/// all (so a bad checkpoint changes nothing): each must be present, of the same shape, finite, and
/// a running variance (`….running_var`) non-negative; throws ``NetworkStateError`` naming the first
/// that is not.
func restoreState(_ mine: [(name: String, tensor: Tensor)], from state: [String: Tensor]) throws {
    for (key, destination) in mine {
        guard let t = state[key] else { throw NetworkStateError(name: key, problem: "missing from the checkpoint") }
        guard t.shape == destination.shape else { throw NetworkStateError(name: key, problem: "shape \(t.shape), expected \(destination.shape)") }
        let values = t.scalars
        guard values.allSatisfy({ $0.isFinite }) else { throw NetworkStateError(name: key, problem: "not finite") }
        if key.hasSuffix(".running_var") && !values.allSatisfy({ $0 >= 0 }) { throw NetworkStateError(name: key, problem: "a negative variance") }
    }
    for (key, destination) in mine { destination.copy(from: state[key]!.converted(to: destination.dtype)) }
}
