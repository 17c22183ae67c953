import Foundation

/// A caching allocator for tensor storage: freed buffers go to an exact-size free list and are
/// handed out again, so a training step in steady state asks the system allocator for nothing.
///
/// Why: activations of a GAN step are 64–256 KiB, above glibc's mmap threshold, so plain malloc
/// maps and unmaps fresh pages on every op; a prototype measured 1.5–3× slower steps.
/// A step allocates the same sizes in the same order every iteration, so exact-size lists hit.
public final class TensorPool: @unchecked Sendable {
    public static let shared = TensorPool()

    /// Counters, for tests and benchmarks.
    public struct Statistics: Sendable, Equatable {
        /// Buffers obtained from the system allocator.
        public var systemAllocations = 0
        /// Buffers handed out again from a free list.
        public var reuses = 0
        /// Bytes currently held in free lists.
        public var cachedBytes = 0
    }

    /// The free lists, one per byte count: `lists[sizes.find(byteCount)]` (a ``SlotTable``: a
    /// `Dictionary`'s SipHash and bucket search took about 1% of W5's iteration at one thread).
    private var sizes = SlotTable(expected: 64)
    private var lists: [[UnsafeMutableRawPointer]] = []
    private var stats = Statistics()
    private let lock = NSLock()
    /// Alignment of every buffer: a cache line, which also suits AVX-512 loads.
    public static let alignment = 64

    public var statistics: Statistics { lock.lock(); defer { lock.unlock() }; return stats }

    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = max(byteCount, 1)
        lock.lock()
        // Popped in place (a second reference to the list would make popLast copy it).
        if let slot = sizes.find(UInt(size)), let p = lists[slot].popLast() {
            stats.reuses += 1
            stats.cachedBytes -= size
            lock.unlock()
            return p
        }
        stats.systemAllocations += 1
        lock.unlock()
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: TensorPool.alignment)
    }

    func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        let size = max(byteCount, 1)
        lock.lock()
        let (slot, inserted) = sizes.insert(UInt(size), next: lists.count)
        if inserted { lists.append([]) }
        lists[slot].append(p)
        stats.cachedBytes += size
        lock.unlock()
    }

    /// Returns every cached buffer to the system.
    public func trim() {
        lock.lock()
        for list in lists { for p in list { p.deallocate() } }
        for i in lists.indices { lists[i].removeAll() }
        stats.cachedBytes = 0
        lock.unlock()
    }
}

/// The memory behind one or more tensors (a parameter buffer and its layer views share one).
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        base = TensorPool.shared.allocate(byteCount: byteCount)
    }

    deinit { TensorPool.shared.release(base, byteCount: byteCount) }
}
