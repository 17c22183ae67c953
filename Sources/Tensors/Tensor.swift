/// A dense, row-major, contiguous array of `float32` or `float64` numbers.
///
/// A tensor is a view: a shape and an element offset into a ``TensorStorage``. Several tensors may
/// share one storage — that is how a network's layers view one parameter buffer per player — and
/// writes through one view are seen by all. Out-of-place operations (`a + b`, ``matmul(_:_:transposeA:transposeB:)``)
/// return new tensors whose memory comes from ``TensorPool``; in-place operations (``axpy(_:_:)``,
/// ``copy(from:)``) are named as verbs and write into the receiver.
///
/// Shapes and dtypes must match exactly; there is no implicit broadcasting. A mismatch is a
/// programmer error and stops with a message that names both shapes.
public final class Tensor: @unchecked Sendable {
    public let shape: Shape
    public let dtype: DType
    public let storage: TensorStorage
    /// Offset of the first element in `storage`, in elements.
    public let offset: Int

    /// A new tensor with uninitialized contents.
    public init(uninitialized shape: Shape, dtype: DType) {
        self.shape = shape
        self.dtype = dtype
        self.storage = TensorStorage(byteCount: shape.count * dtype.byteSize)
        self.offset = 0
    }

    /// A view of `shape.count` elements of `storage` starting at element `offset`.
    public init(viewing storage: TensorStorage, offset: Int, shape: Shape, dtype: DType) {
        ensure(offset >= 0 && (offset + shape.count) * dtype.byteSize <= storage.byteCount,
                     "Tensor view: \(shape.count) elements at offset \(offset) do not fit in a storage of \(storage.byteCount) bytes")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
        self.offset = offset
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: Shape, dtype: DType = .float32) -> Tensor {
        filled(0, shape, dtype: dtype)
    }

    /// A tensor of ones.
    public static func ones(_ shape: Shape, dtype: DType = .float32) -> Tensor {
        filled(1, shape, dtype: dtype)
    }

    /// A tensor whose every element is `value`.
    public static func filled(_ value: Double, _ shape: Shape, dtype: DType = .float32) -> Tensor {
        let t = Tensor(uninitialized: shape, dtype: dtype)
        t.fill(value)
        return t
    }

    /// A tensor holding `scalars` (row-major), converted to `dtype`.
    public convenience init(_ scalars: [Double], shape: Shape, dtype: DType = .float64) {
        ensure(scalars.count == shape.count,
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(shape.count) elements)")
        self.init(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32:
            let p = f32
            for i in 0..<scalars.count { p[i] = Float(scalars[i]) }
        case .float64:
            let p = f64
            for i in 0..<scalars.count { p[i] = scalars[i] }
        }
    }

    /// A `float32` tensor holding `values` (row-major).
    public convenience init(floats values: [Float], shape: Shape) {
        ensure(values.count == shape.count,
                     "Tensor: \(values.count) values do not fill shape \(shape) (\(shape.count) elements)")
        self.init(uninitialized: shape, dtype: .float32)
        values.withUnsafeBufferPointer { src in f32.update(from: src.baseAddress!, count: values.count) }
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Double, dtype: DType = .float64) {
        self.init([scalar], shape: .scalar, dtype: dtype)
    }

    /// The number of elements.
    @inlinable public var count: Int { shape.count }
    @inlinable public var rank: Int { shape.rank }

    /// Rows of a matrix (rank 2); a vector counts as one row.
    public var rows: Int { shape.rank == 2 ? shape[0] : 1 }
    /// Columns of a matrix (rank 2); a vector is one row of `count` columns.
    public var columns: Int { shape.rank == 2 ? shape[1] : shape.count }

    /// The address of the first element.
    @inlinable public var address: UnsafeMutableRawPointer { storage.base + offset * dtype.byteSize }

    /// The elements as `Float`; the tensor must be `float32`.
    public var f32: UnsafeMutablePointer<Float> {
        ensure(dtype == .float32, "Tensor.f32 on a \(dtype) tensor")
        return address.assumingMemoryBound(to: Float.self)
    }

    /// The elements as `Double`; the tensor must be `float64`.
    public var f64: UnsafeMutablePointer<Double> {
        ensure(dtype == .float64, "Tensor.f64 on a \(dtype) tensor")
        return address.assumingMemoryBound(to: Double.self)
    }

    /// The elements, converted to `Double`, in row-major order.
    public var scalars: [Double] {
        switch dtype {
        case .float32: let p = f32; return (0..<count).map { Double(p[$0]) }
        case .float64: let p = f64; return Array(UnsafeBufferPointer(start: p, count: count))
        }
    }

    /// The elements of a `float32` tensor.
    public var floats: [Float] { Array(UnsafeBufferPointer(start: f32, count: count)) }

    /// The only element of a one-element tensor, as `Double`.
    public var scalar: Double {
        ensure(count == 1, "Tensor.scalar on shape \(shape) (\(count) elements)")
        return self[0]
    }

    /// Element `i` in row-major order, as `Double`.
    public subscript(i: Int) -> Double {
        get {
            ensure(i >= 0 && i < count, "Tensor index \(i) out of range for shape \(shape)")
            return dtype == .float32 ? Double(f32[i]) : f64[i]
        }
        set {
            ensure(i >= 0 && i < count, "Tensor index \(i) out of range for shape \(shape)")
            if dtype == .float32 { f32[i] = Float(newValue) } else { f64[i] = newValue }
        }
    }

    /// Element (row, column) of a matrix.
    public subscript(row: Int, column: Int) -> Double {
        get { self[row * columns + column] }
        set { self[row * columns + column] = newValue }
    }

    /// The same elements under another shape with the same count (no copy).
    public func reshaped(_ newShape: Shape) -> Tensor {
        ensure(newShape.count == count, "Tensor.reshaped: cannot view \(shape) as \(newShape)")
        return Tensor(viewing: storage, offset: offset, shape: newShape, dtype: dtype)
    }

    /// A view of `shape.count` consecutive elements starting at element `start` of this tensor.
    public func view(from start: Int, shape newShape: Shape) -> Tensor {
        ensure(start >= 0 && start + newShape.count <= count,
                     "Tensor.view: \(newShape.count) elements from \(start) exceed the \(count) of \(shape)")
        return Tensor(viewing: storage, offset: offset + start, shape: newShape, dtype: dtype)
    }

    /// A fresh copy with its own storage.
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape, dtype: dtype)
        t.address.copyMemory(from: address, byteCount: count * dtype.byteSize)
        return t
    }

    /// A copy converted to `dtype` (a plain copy when it is already that type).
    public func converted(to newType: DType) -> Tensor {
        if newType == dtype { return copy() }
        let t = Tensor(uninitialized: shape, dtype: newType)
        if dtype == .float32 { sk_convert_f32_to_f64(f32, t.f64, count) } else { sk_convert_f64_to_f32(f64, t.f32, count) }
        return t
    }

    /// Whether two tensors view overlapping memory.
    public func overlaps(_ other: Tensor) -> Bool {
        guard storage === other.storage else { return false }
        let a = offset * dtype.byteSize, b = other.offset * other.dtype.byteSize
        return a < b + other.count * other.dtype.byteSize && b < a + count * dtype.byteSize
    }
}

import CKernels

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(dtype), \(shape): [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
