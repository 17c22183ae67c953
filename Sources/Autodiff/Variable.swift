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
    /// The value this variable holds.
    public let value: Tensor
    /// Whether gradients flow to (or through) this variable.
    public let requiresGradient: Bool
    /// The operation that produced this variable; nil for leaves and constants.
    let node: Node?

    /// A leaf: a constant (the default) or, with `requiresGradient`, a variable to differentiate by.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        self.requiresGradient = requiresGradient
        self.node = nil
    }

    init(_ value: Tensor, node: Node?) {
        self.value = value
        self.node = node
        self.requiresGradient = node != nil
    }

    public var shape: Shape { value.shape }
    public var dtype: DType { value.dtype }
    public var count: Int { value.count }

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
/// the inputs' tangents ṫ (nil for a zero tangent), the inputs' values x and the output's value y,
/// or nil when ẏ is zero. It works on plain tensors: forward mode here is one sweep over a graph
/// already recorded (see ``tangents(of:from:along:)``), and the tangent is never differentiated
/// again. Rules capture their inputs, never their output variable, so graphs hold no reference
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
/// output's tangent, nil when zero. See ``Node``.
typealias TangentRule = (_ tangents: [Tensor?], _ inputs: [Tensor], _ output: Tensor) -> Tensor?

/// Whether operations are being recorded on the current thread (or task).
///
/// Recording is on by default. ``gradients(of:withRespectTo:seeds:createGraph:)`` turns it off
/// while it runs backward rules, unless asked to build a graph of the gradient.
public enum GradientRecording {
    @TaskLocal static var enabled = true

    /// Whether operations are recorded here and now.
    public static var isEnabled: Bool { enabled }

    /// Runs `body` with recording off (for updates, evaluation, metrics).
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(false, operation: body)
    }

    /// Runs `body` with recording on, even inside ``withoutRecording(_:)`` — for code that must
    /// differentiate (a game's field evaluated from a metrics pass, say).
    public static func withRecording<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(true, operation: body)
    }

    static func with<R>(_ on: Bool, _ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(on, operation: body)
    }
}

/// Wraps the result of an operation, recording a node when some input needs a gradient.
@inline(__always)
func record(_ value: Tensor, _ name: StaticString, _ inputs: [Variable], tangent: @escaping TangentRule,
            into backwardInto: SinkRule? = nil, viewOffset: Int? = nil,
            _ backward: @escaping (Variable, [Bool]) -> [Variable?]) -> Variable {
    guard GradientRecording.enabled, inputs.contains(where: { $0.requiresGradient }) else {
        return Variable(value)
    }
    return Variable(value, node: Node(name, inputs, tangent, backwardInto, viewOffset, backward))
}
