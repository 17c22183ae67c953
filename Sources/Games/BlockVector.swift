import Tensors

/// A point ω = (θ, φ) of a two-player game, or a field value F(ω): one block per player.
///
/// The blocks are views into one contiguous ``flat`` tensor (θ first, then φ), so norms, inner
/// products and `axpy` run once over memory, and an affine operator can multiply ω as one vector.
///
/// `BlockVector` has value semantics: copies share storage until one of them is mutated through a
/// `mutating` method, which then copies (copy-on-write). The block views returned by
/// ``subscript(_:)`` are for reading; write through ``withBlock(_:_:)`` or the mutating methods.
public struct BlockVector: @unchecked Sendable, CustomStringConvertible {
    /// All entries, θ first, then φ.
    public private(set) var flat: Tensor
    /// The number of entries of each block.
    public let sizes: PerPlayer<Int>

    /// Wraps `flat` (no copy; the vector owns it from now on).
    public init(flat: Tensor, sizes: PerPlayer<Int>) {
        ensure(flat.count == sizes.generator + sizes.discriminator,
                     "BlockVector: \(flat.count) entries for blocks of \(sizes.generator) + \(sizes.discriminator)")
        self.flat = flat.rank == 1 ? flat : flat.reshaped([flat.count])
        self.sizes = sizes
    }

    /// Zeros with the given block sizes.
    public init(zeros sizes: PerPlayer<Int>, dtype: DType = .float64) {
        self.init(flat: Tensor.zeros([sizes.generator + sizes.discriminator], dtype: dtype), sizes: sizes)
    }

    /// A vector holding θ = `generator` and φ = `discriminator`.
    public init(generator: [Double], discriminator: [Double], dtype: DType = .float64) {
        self.init(flat: Tensor(generator + discriminator, shape: [generator.count + discriminator.count], dtype: dtype),
                  sizes: PerPlayer(generator: generator.count, discriminator: discriminator.count))
    }

    /// A vector holding copies of the two blocks (any shapes; they are flattened).
    public init(generator: Tensor, discriminator: Tensor) {
        ensure(generator.dtype == discriminator.dtype, "BlockVector: blocks of \(generator.dtype) and \(discriminator.dtype)")
        let sizes = PerPlayer(generator: generator.count, discriminator: discriminator.count)
        let flat = Tensor(uninitialized: [generator.count + discriminator.count], dtype: generator.dtype)
        flat.view(from: 0, shape: [generator.count]).copy(from: generator)
        flat.view(from: generator.count, shape: [discriminator.count]).copy(from: discriminator)
        self.init(flat: flat, sizes: sizes)
    }

    /// Zeros shaped like `other`.
    public static func zeros(like other: BlockVector) -> BlockVector {
        BlockVector(zeros: other.sizes, dtype: other.dtype)
    }

    public var dtype: DType { flat.dtype }
    /// The total number of entries.
    public var count: Int { flat.count }

    /// The index of the first entry of `player`'s block in ``flat``.
    public func start(of player: Player) -> Int { player == .generator ? 0 : sizes.generator }

    /// A view of `player`'s block (shape [n]). Reading only: writes would bypass copy-on-write.
    public subscript(player: Player) -> Tensor {
        flat.view(from: start(of: player), shape: [sizes[player]])
    }

    /// All entries as `Double`, θ first.
    public var scalars: [Double] { flat.scalars }

    /// Makes the storage unique before a write.
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&flat) { flat = flat.copy() }
    }

    /// An independent copy.
    public func copy() -> BlockVector { BlockVector(flat: flat.copy(), sizes: sizes) }

    /// Runs `body` with a writable view of `player`'s block.
    public mutating func withBlock<R>(_ player: Player, _ body: (Tensor) throws -> R) rethrows -> R {
        makeUnique()
        return try body(self[player])
    }

    /// Runs `body` with the writable flat vector.
    public mutating func withFlat<R>(_ body: (Tensor) throws -> R) rethrows -> R {
        makeUnique()
        return try body(flat)
    }

    /// Overwrites the entries with those of `other` (same sizes).
    public mutating func assign(_ other: BlockVector) {
        checkSizes(other, "assign")
        makeUnique()
        flat.copy(from: other.flat)
    }

    /// `self += alpha · x`.
    public mutating func axpy(_ alpha: Double, _ x: BlockVector) {
        checkSizes(x, "axpy")
        makeUnique()
        flat.axpy(alpha, x.flat)
    }

    /// `self[p] += alpha[p] · x[p]` for each player: a step with per-player step sizes.
    public mutating func axpy(_ alpha: PerPlayer<Double>, _ x: BlockVector) {
        if alpha.generator == alpha.discriminator { return axpy(alpha.generator, x) }
        checkSizes(x, "axpy")
        makeUnique()
        for p in Player.allCases { self[p].axpy(alpha[p], x[p]) }
    }

    /// `self = alpha · x + beta · self`.
    public mutating func axpby(_ alpha: Double, _ x: BlockVector, _ beta: Double) {
        checkSizes(x, "axpby")
        makeUnique()
        flat.axpby(alpha, x.flat, beta)
    }

    /// `self *= alpha`.
    public mutating func scale(by alpha: Double) {
        makeUnique()
        flat.scale(by: alpha)
    }

    /// `self[p] *= alpha[p]` for each player.
    public mutating func scale(by alpha: PerPlayer<Double>) {
        makeUnique()
        for p in Player.allCases { self[p].scale(by: alpha[p]) }
    }

    /// `alpha · x + beta · y`, a new vector.
    public static func linearCombination(_ alpha: Double, _ x: BlockVector, _ beta: Double, _ y: BlockVector) -> BlockVector {
        x.checkSizes(y, "linearCombination")
        return BlockVector(flat: Tensor.linearCombination(alpha, x.flat, beta, y.flat), sizes: x.sizes)
    }

    public static func + (a: BlockVector, b: BlockVector) -> BlockVector { linearCombination(1, a, 1, b) }
    public static func - (a: BlockVector, b: BlockVector) -> BlockVector { linearCombination(1, a, -1, b) }

    /// ⟨self, other⟩ over both blocks.
    public func dot(_ other: BlockVector) -> Double { checkSizes(other, "dot"); return flat.dot(other.flat) }
    /// ‖self‖₂ over both blocks.
    public func norm() -> Double { flat.norm() }
    /// ‖self − other‖₂.
    public func distance(to other: BlockVector) -> Double { (self - other).norm() }
    /// Whether every entry is finite.
    public var isFinite: Bool { flat.isFinite }

    /// This vector with its entries converted to `dtype`.
    public func converted(to dtype: DType) -> BlockVector { BlockVector(flat: flat.converted(to: dtype), sizes: sizes) }

    /// Whether two vectors hold the same bits (same sizes, dtype and entries).
    public func isBitIdentical(to other: BlockVector) -> Bool {
        guard sizes == other.sizes, dtype == other.dtype else { return false }
        return flat.address.withMemoryRebound(to: UInt8.self, capacity: count * dtype.byteSize) { a in
            other.flat.address.withMemoryRebound(to: UInt8.self, capacity: count * dtype.byteSize) { b in
                (0..<(count * dtype.byteSize)).allSatisfy { a[$0] == b[$0] }
            }
        }
    }

    public var description: String {
        "BlockVector(θ: \(self[.generator].scalars.prefix(6)), φ: \(self[.discriminator].scalars.prefix(6)))"
    }

    enum CodingKeys: String, CodingKey { case dtype, generator, discriminator, archived }

    @inline(__always)
    func checkSizes(_ other: BlockVector, _ op: StaticString) {
        ensure(sizes == other.sizes && dtype == other.dtype,
                     "BlockVector.\(op): blocks \(sizes) \(dtype) vs \(other.sizes) \(other.dtype)")
    }
}

/// Checkpoints: the dtype and each block's entries as Doubles (exact for Float32 and Float64;
/// JSON writes the shortest representation that reads back to the same bits).
///
/// With a ``TensorArchive`` in the coder's `userInfo[.tensorArchive]`, the blocks go to the archive
/// instead, as tensors named by the coding path (`solver.base.base.previousField.generator`, …), and the JSON
/// keeps only the dtype and that name: a solver state of any shape becomes a small JSON document plus
/// named tensors (a safetensors checkpoint), without knowing the state's type.
extension BlockVector: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let dtype = try c.decode(DType.self, forKey: .dtype)
        if let archive = decoder.userInfo[.tensorArchive] as? TensorArchive, let name = try c.decodeIfPresent(String.self, forKey: .archived) {
            let g = try archive.tensor(name + ".generator"), d = try archive.tensor(name + ".discriminator")
            guard g.dtype == dtype, d.dtype == dtype, g.rank == 1, d.rank == 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "tensors \(name).* are not rank-1 \(dtype)"))
            }
            self.init(generator: g.copy(), discriminator: d.copy())
            return
        }
        self.init(generator: try c.decode([Double].self, forKey: .generator),
                  discriminator: try c.decode([Double].self, forKey: .discriminator), dtype: dtype)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dtype, forKey: .dtype)
        if let archive = encoder.userInfo[.tensorArchive] as? TensorArchive {
            let name = TensorArchive.name(of: encoder.codingPath)
            archive.store(name + ".generator", self[.generator].copy())
            archive.store(name + ".discriminator", self[.discriminator].copy())
            try c.encode(name, forKey: .archived)
            return
        }
        try c.encode(self[.generator].scalars, forKey: .generator)
        try c.encode(self[.discriminator].scalars, forKey: .discriminator)
    }
}

/// Named tensors that a coder reads and writes beside its JSON (see ``BlockVector``'s `Codable`):
/// how checkpoints store solver states of any type in safetensors files.
public final class TensorArchive: @unchecked Sendable {
    /// The tensors in the order they were stored.
    public private(set) var entries: [(name: String, tensor: Tensor)] = []
    private var index: [String: Int] = [:]
    /// Prefixed to every name (`solver.` in checkpoints).
    public let prefix: String

    public init(prefix: String = "", entries: [(name: String, tensor: Tensor)] = []) {
        self.prefix = prefix
        for e in entries { index[e.name] = self.entries.count; self.entries.append(e) }
    }

    /// The name of a value stored at `codingPath`: its keys (or indices) joined by dots.
    public static func name(of codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    public func store(_ name: String, _ tensor: Tensor) {
        let full = prefix + name
        ensure(index[full] == nil, "TensorArchive: two tensors named \(full)")
        index[full] = entries.count
        entries.append((full, tensor))
    }

    public func tensor(_ name: String) throws -> Tensor {
        guard let i = index[prefix + name] else {
            throw DecodingError.valueNotFound(Tensor.self, .init(codingPath: [], debugDescription: "no tensor named \(prefix + name)"))
        }
        return entries[i].tensor
    }
}

extension CodingUserInfoKey {
    /// The ``TensorArchive`` a coder sends tensors to (and reads them from).
    public static let tensorArchive = CodingUserInfoKey(rawValue: "saddle.tensorArchive")!
}
