import Autodiff
import Tensors

/// A player's model: a differentiable function y = f(x; p) of an input batch x ∈ R^{b×inputWidth}
/// and a parameter vector p ∈ Rⁿ (n = ``parameterCount``), giving y ∈ R^{b×outputWidth}.
///
/// Saddle's solvers see a player as the point p; a game (a GAN's ``Games/NeuralGAN``) calls
/// ``callAsFunction(_:parameters:mode:)`` with p as a `Variable`, so F = (∇θ L_G, ∇φ L_D) and
/// everything built on it — input-gradient penalties, Jacobian–vector products, the consensus term
/// — differentiate through the network to second order. Any network written with `Variable`
/// operations qualifies: ``MLP`` is one; a user's network (a skip connection, another activation, a
/// convolution) adopts this protocol in one file (see the DocC article "Bring your own network,
/// regularizer or solver"). Keeping the layers' weights as views into one buffer
/// (``ParameterBuffer``, ``Linear/callAsFunction(_:parameters:)``) makes p one contiguous vector.
///
/// **Non-trainable state** — batch-norm running statistics, spectral normalization's power-iteration
/// vectors — is named tensors outside p: a checkpoint stores them, and only the training loop
/// changes them (``updateNonTrainableState(parameters:)``, once per solver iteration), so every
/// evaluation of F within an iteration (extragradient's two, a JVP, every shard) sees one operator.
/// The defaults are empty: a network without such state writes nothing for it.
public protocol Network: AnyObject {
    /// Columns of x.
    var inputWidth: Int { get }
    /// Columns of y.
    var outputWidth: Int { get }
    /// n, the length of p.
    var parameterCount: Int { get }
    /// The number type of p (and of x and y).
    var dtype: DType { get }
    /// p₀, the parameters the network was initialized with (a vector of ``parameterCount``).
    var initialParameters: Tensor { get }
    /// y = f(x; p) in training mode. Must be built from differentiable `Variable` operations.
    func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable
    /// y = f(x; p) in `mode`; networks whose evaluation differs from training (batch
    /// normalization's running statistics) implement it, the default is the training call.
    func callAsFunction(_ x: Variable, parameters p: Variable, mode: NetworkMode) -> Variable
    /// The parameters' names and their ranges in p, for reports (empty by default).
    var parameterNames: [(name: String, range: Range<Int>)] { get }
    /// The non-trainable state, by name (empty by default).
    var nonTrainableState: [(name: String, tensor: Tensor)] { get }
    /// Replaces the non-trainable state with tensors read from a checkpoint; throws
    /// ``NetworkStateError`` naming a missing or misshapen tensor.
    func restoreNonTrainableState(_ state: [String: Tensor]) throws
    /// The training loop's once-per-iteration update of the non-trainable state, at the
    /// parameters `p` the iteration ended with (nothing by default).
    func updateNonTrainableState(parameters p: Tensor)
    /// Runs `body` with no statistics recorded for the next update of the non-trainable state:
    /// evaluations made only to report (the losses and ‖F‖ a run logs) still see training mode but
    /// must not move batch normalization's running statistics — or a run's state would depend on
    /// how often it logs, and a run stopped between log intervals would resume elsewhere. The
    /// default runs `body` (no such statistics).
    func pausingStatistics<R>(_ body: () throws -> R) rethrows -> R
    /// The same update when the processes of `group` computed the iteration's shards together:
    /// called on every rank at once (a collective, for networks whose state gathers what every
    /// rank saw, as ``BatchNorm``'s running statistics do). By default the update above.
    func updateNonTrainableState(parameters p: Tensor, group: any ProcessGroup)
    /// Runs `body` with evaluation mode normalized by statistics taken at the parameters `p`: from
    /// training-mode passes over each of `inputs`, pooled (``BatchNorm/standing(_:passes:_:)``),
    /// in place of the running statistics, which are restored afterwards. For sampling a generator
    /// at parameters training never ran — the EMA of the iterates — whose batch normalization would
    /// otherwise use statistics gathered under other weights. The default runs `body` (a network
    /// without such statistics evaluates the same either way).
    func withStandingStatistics<R>(parameters p: Tensor, inputs: [Tensor], _ body: () throws -> R) rethrows -> R
}

/// Whether a network runs as in training (batch statistics) or as for evaluation (running statistics).
public enum NetworkMode: Sendable, Equatable { case training, evaluation }

/// A checkpoint's non-trainable state that does not fit the network.
public struct NetworkStateError: Error, Equatable, CustomStringConvertible {
    public let name: String
    public let problem: String
    public init(name: String, problem: String) { self.name = name; self.problem = problem }
    public var description: String { "network state \(name): \(problem)" }
}

extension Network {
    public func callAsFunction(_ x: Variable, parameters p: Variable, mode: NetworkMode) -> Variable { self(x, parameters: p) }
    public var nonTrainableState: [(name: String, tensor: Tensor)] { [] }
    public var parameterNames: [(name: String, range: Range<Int>)] { [] }
    public func restoreNonTrainableState(_ state: [String: Tensor]) throws {}
    public func updateNonTrainableState(parameters p: Tensor) {}
    public func pausingStatistics<R>(_ body: () throws -> R) rethrows -> R { try body() }
    public func updateNonTrainableState(parameters p: Tensor, group: any ProcessGroup) { updateNonTrainableState(parameters: p) }
    public func withStandingStatistics<R>(parameters p: Tensor, inputs: [Tensor], _ body: () throws -> R) rethrows -> R { try body() }
}

/// A network whose parameters live in one ``ParameterBuffer`` (its layers are views into it):
/// adopting it leaves only the widths and the forward pass to write — p's size, dtype, initial
/// values and names come from the buffer.
///
/// ```swift
/// final class SkipDiscriminator: BufferedNetwork {
///     let parameters = ParameterBuffer()
///     let first: Linear, second: Linear, last: Linear
///     init(width: Int, hidden: Int, using rng: inout RandomGenerator) {
///         first = Linear(width, hidden, activation: .elu, name: "first", in: parameters)
///         second = Linear(hidden, hidden, activation: .elu, name: "second", in: parameters)
///         last = Linear(hidden, 1, name: "last", in: parameters)
///         parameters.finalize(initializing: [first, second, last], using: &rng)
///     }
///     var inputWidth: Int { first.inputSize }
///     var outputWidth: Int { 1 }
///     func callAsFunction(_ x: Variable, parameters p: Variable) -> Variable {
///         let h = first(x, parameters: p)
///         return last(h + second(h, parameters: p), parameters: p)   // a skip connection
///     }
/// }
/// ```
public protocol BufferedNetwork: Network {
    var parameters: ParameterBuffer { get }
}

extension BufferedNetwork {
    public var parameterCount: Int { parameters.count }
    public var dtype: DType { parameters.dtype }
    public var initialParameters: Tensor { parameters.flat }
    public var parameterNames: [(name: String, range: Range<Int>)] { parameters.parameters.map { ($0.name, $0.range) } }

    /// The network at the parameter vector `p` as a PyTorch `state_dict`: each parameter a view of
    /// `p` under its name and shape (`fc.weight` [out, in], a convolution's [out, in, kH, kW], a
    /// transposed convolution's [in, out, kH, kW]), then the non-trainable state (views of the
    /// network's own tensors). Write it with the safetensors writer for readers that expect named
    /// tensors (docs/convolutional.md).
    public func stateDict(parameters p: Tensor) -> [(name: String, tensor: Tensor)] {
        ensure(p.count == parameterCount && p.dtype == dtype, "stateDict: \(p.dtype) parameters of \(p.count) for a \(dtype) network of \(parameterCount)")
        return parameters.parameters.map { ($0.name, p.view(from: $0.range.lowerBound, shape: $0.value.shape)) } + nonTrainableState
    }
}

extension MLP: BufferedNetwork {
    public var inputWidth: Int { sizes[0] }
    public var outputWidth: Int { sizes[sizes.count - 1] }
}

extension ParameterBuffer {
    /// ``finalize()``, then each layer's weight and bias drawn by `initializer` with its
    /// activation's gain (Kaiming-uniform weights and zero biases by default, as ``MLP``).
    public func finalize(initializing layers: [Linear], with initializer: Initializer = .kaimingUniform, using rng: inout RandomGenerator) {
        finalize()
        for layer in layers {
            initializer.initialize(weight: layer.weight.value, bias: layer.bias?.value, gain: layer.activation.gain, using: &rng)
        }
    }
}
