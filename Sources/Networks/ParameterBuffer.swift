import Autodiff
import Tensors

/// All parameters of one player in one contiguous vector, with named views for its layers.
///
/// The solvers of Saddle see a player as a point θ ∈ Rⁿ, as the mathematics does; networks see
/// weight matrices and bias vectors. A `ParameterBuffer` is both: ``flat`` is the vector (read,
/// write, copy, axpy it without copying per step) and each ``Parameter`` is a view into it, wrapped
/// once in a leaf ``Variable`` that every forward pass reuses.
///
/// Build it by declaring the parameters (``declare(_:shape:)``), then ``finalize()`` allocates the
/// buffer; initialize values with an ``Initializer`` afterwards.
public final class ParameterBuffer {
    /// One named view into the buffer.
    public struct Parameter {
        public let name: String
        public let range: Range<Int>
        public let value: Tensor
        public let variable: Variable
    }

    public let dtype: DType
    public private(set) var parameters: [Parameter] = []
    private var pending: [(String, Shape)] = []
    private var _flat: Tensor?

    public init(dtype: DType = .float32) { self.dtype = dtype }

    /// Reserves a parameter of `shape`; its views exist once the buffer is finalized.
    public func declare(_ name: String, shape: Shape) -> Int {
        ensure(_flat == nil, "ParameterBuffer: declare(\(name)) after finalize()")
        ensure(!pending.contains { $0.0 == name }, "ParameterBuffer: duplicate parameter name \(name)")
        pending.append((name, shape))
        return pending.count - 1
    }

    /// Allocates one zeroed buffer for everything declared and makes the views.
    public func finalize() {
        ensure(_flat == nil, "ParameterBuffer.finalize() called twice")
        let total = pending.reduce(0) { $0 + $1.1.count }
        let flat = Tensor.zeros(Shape([total]), dtype: dtype)
        var start = 0
        for (name, shape) in pending {
            let view = flat.view(from: start, shape: shape)
            parameters.append(Parameter(name: name, range: start..<(start + shape.count), value: view,
                                        variable: Variable(view, requiresGradient: true)))
            start += shape.count
        }
        pending.removeAll()
        _flat = flat
    }

    /// The whole parameter vector (shape [count]). Writes to it are seen by every layer.
    public var flat: Tensor {
        guard let f = _flat else { fatalError("ParameterBuffer used before finalize()") }
        return f
    }

    /// The number of scalar parameters.
    public var count: Int { flat.count }

    /// The leaf variables, in declaration order.
    public var variables: [Variable] { parameters.map(\.variable) }

    /// The parameter named `name`.
    public subscript(name: String) -> Parameter {
        guard let p = parameters.first(where: { $0.name == name }) else {
            fatalError("ParameterBuffer: no parameter named \(name); have \(parameters.map(\.name))")
        }
        return p
    }

    /// Gathers per-parameter gradients (one per parameter, as returned by `gradients`) into one
    /// flat vector laid out like ``flat``; writes into `out` when given.
    @discardableResult
    public func flatten(_ grads: [Tensor], into out: Tensor? = nil) -> Tensor {
        ensure(grads.count == parameters.count, "ParameterBuffer.flatten: \(grads.count) gradients for \(parameters.count) parameters")
        let o = out ?? Tensor(uninitialized: flat.shape, dtype: dtype)
        ensure(o.count == count && o.dtype == dtype, "ParameterBuffer.flatten: output \(o.dtype) \(o.shape) for \(count) \(dtype) parameters")
        for (p, g) in zip(parameters, grads) {
            o.view(from: p.range.lowerBound, shape: p.value.shape).copy(from: g)
        }
        return o
    }

    /// The gradient of a scalar `loss` with respect to every parameter, as one flat vector (written
    /// into `out` when given). Each parameter's gradient is written in its place by the sweep
    /// itself (``Autodiff/gradients(of:withRespectTo:into:)``), not gathered afterwards.
    @discardableResult
    public func gradient(of loss: Variable, into out: Tensor? = nil) -> Tensor {
        let o = out ?? Tensor(uninitialized: flat.shape, dtype: dtype)
        ensure(o.count == count && o.dtype == dtype, "ParameterBuffer.gradient: output \(o.dtype) \(o.shape) for \(count) \(dtype) parameters")
        Autodiff.gradients(of: loss, withRespectTo: variables,
                           into: parameters.map { o.view(from: $0.range.lowerBound, shape: $0.value.shape) })
        return o
    }
}
