/// The dimensions of a row-major tensor, rank 0 (a scalar) to 4, stored inline so that making a
/// tensor does not allocate an array for its shape.
public struct Shape: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public static let maxRank = 4
    public let rank: Int
    @usableFromInline var d0: Int, d1: Int, d2: Int, d3: Int

    public init(_ dims: [Int]) {
        ensure(dims.count <= Shape.maxRank, "Shape: rank \(dims.count) exceeds the maximum \(Shape.maxRank)")
        for d in dims { ensure(d >= 0, "Shape: negative dimension in \(dims)") }
        rank = dims.count
        d0 = dims.count > 0 ? dims[0] : 1
        d1 = dims.count > 1 ? dims[1] : 1
        d2 = dims.count > 2 ? dims[2] : 1
        d3 = dims.count > 3 ? dims[3] : 1
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// A scalar (rank 0, one element).
    public static let scalar = Shape([])

    /// The size along dimension `i`.
    public subscript(i: Int) -> Int {
        ensure(i >= 0 && i < rank, "Shape: dimension \(i) out of range for rank \(rank)")
        switch i {
        case 0: return d0
        case 1: return d1
        case 2: return d2
        default: return d3
        }
    }

    /// The number of elements (1 for a scalar).
    @inlinable public var count: Int { d0 * d1 * d2 * d3 }

    public var dims: [Int] { (0..<rank).map { self[$0] } }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    public static func == (a: Shape, b: Shape) -> Bool {
        a.rank == b.rank && a.d0 == b.d0 && a.d1 == b.d1 && a.d2 == b.d2 && a.d3 == b.d3
    }

    public func hash(into h: inout Hasher) { h.combine(dims) }

    public init(from decoder: Decoder) throws { self.init(try [Int](from: decoder)) }
    public func encode(to encoder: Encoder) throws { try dims.encode(to: encoder) }
}
