import Tensors

/// A tensor in a differentiable computation.
///
/// Saddle's autodiff is define-by-run and reverse mode: every operation on variables that need a
/// gradient records a ``Node`` holding its inputs and its backward rule (and a tangent rule, for
/// forward mode over the recorded graph: ``tangents(of:from:along:)``). The rules are written with
/// the same `Variable` operations, so when ``gradients(of:withRespectTo:seeds:createGraph:)`` runs
/// with `createGraph: true` the gradients it returns are themselves recorded and can be
/// differentiated again: R1's mixed derivative ∂φ‖∇x D(x)‖², or Jacobian-vector products of a
/// game's vector field (forward over reverse).
///
/// A leaf variable is one the user makes (`Variable(t, requiresGradient: true)` for parameters and
/// inputs). Its ``value`` may be a view into a parameter buffer that a solver updates in place; a
/// graph recorded before such an update sees the new values, as in PyTorch without version checks,
/// so build a fresh graph after every update.
public final class Variable {
    /// The value this variable holds (computed on first use when its operation was deferred: see
    /// ``GradientRecording/deferringValues(_:)``).
    public var value: Tensor {
        if let v = stored { return v }
        let v = pending!()
        stored = v
        pending = nil
        return v
    }
    private var stored: Tensor?
    /// The deferred computation of `value`, until it runs.
    private var pending: (() -> Tensor)?
    /// Whether gradients flow to (or through) this variable.
    public let requiresGradient: Bool
    /// The operation that produced this variable; nil for leaves and constants.
    let node: Node?
    public let shape: Shape
    public let dtype: DType

    /// A leaf: a constant (the default) or, with `requiresGradient`, a variable to differentiate by.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        stored = value
        shape = value.shape
        dtype = value.dtype
        self.requiresGradient = requiresGradient
        self.node = nil
    }

    init(_ value: Tensor, node: Node?) {
        stored = value
        shape = value.shape
        dtype = value.dtype
        self.node = node
        self.requiresGradient = node != nil
    }

    /// A recorded variable whose value `compute` makes when it is first read.
    init(deferred compute: @escaping () -> Tensor, shape: Shape, dtype: DType, node: Node) {
        pending = compute
        self.shape = shape
        self.dtype = dtype
        self.node = node
        self.requiresGradient = true
    }

    public var count: Int { shape.count }

    /// The same value cut from the graph: a constant.
    public func detached() -> Variable { Variable(value) }

    /// The scalar value of a one-element variable.
    public var scalar: Double { value.scalar }
}

/// One recorded operation: its inputs and its two derivative rules.
///
/// `backward(g, needs)` (reverse mode) returns, for each input i with `needs[i]`, the cotangent
/// ∂⟨g, out⟩/∂inputᵢ as a `Variable` built from differentiable operations (nil where not needed,
/// or where it is zero).
///
/// `tangent(ṫ, x, y)` (forward mode) returns the output's tangent ẏ = Σᵢ ∂out/∂inputᵢ · ṫᵢ from
/// the inputs' tangents ṫ (nil for a zero tangent), the inputs' values x[i] and the output's value
/// y(), each read on demand, or nil when ẏ is zero. It works on plain tensors: forward mode here
/// is one sweep over a graph already recorded (see ``tangents(of:from:along:)``), and the tangent
/// is never differentiated again. Rules capture their inputs, never their output variable, so graphs hold no reference
/// cycles.
///
/// Two optional parts serve ``gradients(of:withRespectTo:into:)``, which writes gradients straight
/// into caller-given buffers: `backwardInto(g, needs, sinks)` is `backward` for a first-order
/// sweep that *adds* the cotangent of each input k with a sink into `sinks[k]` (returning nil
/// there) — matrix products write it with BLAS's β = 1 instead of making a tensor that is then
/// added and copied; `viewOffset` marks a `slice` node (its output is elements `viewOffset…` of
/// its input), so a slice of a parameter vector can write into the matching part of its buffer.
final class Node {
    let name: StaticString
    let inputs: [Variable]
    let backward: (Variable, [Bool]) -> [Variable?]
    let tangent: TangentRule
    let backwardInto: SinkRule?
    let viewOffset: Int?

    init(_ name: StaticString, _ inputs: [Variable], _ tangent: @escaping TangentRule, _ backwardInto: SinkRule?,
         _ viewOffset: Int?, _ backward: @escaping (Variable, [Bool]) -> [Variable?]) {
        self.name = name
        self.inputs = inputs
        self.tangent = tangent
        self.backwardInto = backwardInto
        self.viewOffset = viewOffset
        self.backward = backward
    }
}

/// A first-order backward rule that adds the cotangents of inputs with a sink into the sink (see
/// ``Node``): (cotangent, needs, sinks) ↦ the other inputs' cotangents, nil where a sink took it.
typealias SinkRule = (_ g: Variable, _ needs: [Bool], _ sinks: [Tensor?]) -> [Variable?]

/// A forward-mode rule: (inputs' tangents, nil when zero; inputs' values; output value) ↦ the
/// output's tangent, nil when zero. See ``Node``. The values are read on demand, so a deferred
/// value (``GradientRecording/deferringValues(_:)``) that no rule reads is never computed.
typealias TangentRule = (_ tangents: [Tensor?], _ inputs: InputValues, _ output: () -> Tensor) -> Tensor?

/// The values of a node's inputs, each computed (if deferred) when first read.
struct InputValues {
    let variables: [Variable]
    subscript(i: Int) -> Tensor { variables[i].value }
}

/// Whether operations are being recorded on the current thread (or task).
///
/// Recording is on by default. ``gradients(of:withRespectTo:seeds:createGraph:)`` turns it off
/// while it runs backward rules, unless asked to build a graph of the gradient.
public enum GradientRecording {
    /// Recording on or off, and whether recorded operations defer their values; one task-local
    /// so that an operation reads both with one lookup.
    struct State {
        var recording = true
        var deferring = false
    }
    @TaskLocal static var state = State()

    static var enabled: Bool { state.recording }

    /// Whether operations are recorded here and now.
    public static var isEnabled: Bool { state.recording }

    /// Runs `body` with recording off (for updates, evaluation, metrics).
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try with(false, body)
    }

    /// Runs `body` with recording on, even inside ``withoutRecording(_:)`` — for code that must
    /// differentiate (a game's field evaluated from a metrics pass, say).
    public static func withRecording<R>(_ body: () throws -> R) rethrows -> R {
        try with(true, body)
    }

    static func with<R>(_ on: Bool, _ body: () throws -> R) rethrows -> R {
        var s = state
        s.recording = on
        return try $state.withValue(s, operation: body)
    }

    /// Runs `body` with the values of recorded operations computed only when first read.
    ///
    /// For a graph that is recorded only to be swept by forward mode, such as a game's field
    /// recorded for a Jacobian–vector product: the tangent rules read the values they need and the
    /// rest are never computed. Forward over reverse needs the primal cotangents of the reverse
    /// sweep but not the primal gradients it ends in (∇θ as Xᵀ·δ) nor the cotangents only those
    /// consume, which is how jax.jvp of jax.grad under jit spends less (XLA removes what the
    /// output does not use). The operations and their operands are the same, so are the bits.
    /// Only for graphs whose leaves do not change before the sweep: a deferred value reads its
    /// inputs when it runs.
    static func deferringValues<R>(_ body: () throws -> R) rethrows -> R {
        var s = state
        s.deferring = true
        return try $state.withValue(s, operation: body)
    }
}

/// Wraps the result of an operation, recording a node when some input needs a gradient.
///
/// With `shape` given (the output's shape; its dtype is the first input's) and values deferred
/// (``GradientRecording/deferringValues(_:)``), a recorded operation keeps `value` as a
/// computation to run when the value is first read.
@inline(__always)
func record(_ value: @autoclosure @escaping () -> Tensor, shape: Shape? = nil, _ name: StaticString, _ inputs: [Variable],
            tangent: @escaping TangentRule, into backwardInto: SinkRule? = nil, viewOffset: Int? = nil,
            _ backward: @escaping (Variable, [Bool]) -> [Variable?]) -> Variable {
    let state = GradientRecording.state
    guard state.recording, inputs.contains(where: { $0.requiresGradient }) else {
        return Variable(value())
    }
    let node = Node(name, inputs, tangent, backwardInto, viewOffset, backward)
    if let shape, state.deferring {
        return Variable(deferred: value, shape: shape, dtype: inputs[0].dtype, node: node)
    }
    return Variable(value(), node: node)
}
