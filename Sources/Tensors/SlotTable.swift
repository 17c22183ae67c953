/// A map from nonzero integer keys to slot numbers 0, 1, 2, … in the order of insertion: open
/// addressing with linear probing in a power-of-two table kept at most half full, a key's home
/// found by Fibonacci hashing (the key times 2⁶⁴/φ, top bits).
///
/// Used where a `Dictionary` cost more than the work around it: the autodiff sweeps number the
/// variables they meet by address (a `Dictionary` of `ObjectIdentifier`s, with its seeded SipHash,
/// took 2–3% of a W1 step by callgrind), and ``TensorPool`` finds the free list of a byte count
/// (about 1% of W5's iteration at one thread by perf, 2026-12-06). Keys here are addresses and
/// sizes, not attacker-chosen, so the seeded hash buys nothing.
package struct SlotTable {
    private var keys: [UInt]  // 0: empty (no object lives at address 0; byte counts are ≥ 1)
    private var values: [Int]
    private var shift: Int
    private var count = 0

    /// A table that holds `expected` keys before it first grows.
    package init(expected: Int) {
        var capacity = 16
        while capacity < 2 * expected { capacity *= 2 }
        keys = [UInt](repeating: 0, count: capacity)
        values = [Int](repeating: 0, count: capacity)
        shift = UInt.bitWidth - capacity.trailingZeroBitCount
    }

    @inline(__always) private func home(_ key: UInt) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt(shift)) }

    /// The slot of `key` (nonzero), if inserted.
    package func find(_ key: UInt) -> Int? {
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// The slot of `key` (nonzero): its existing one, or `next` (inserted, and then `inserted` is true).
    package mutating func insert(_ key: UInt, next: Int) -> (slot: Int, inserted: Bool) {
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return (values[i], false) }
            if k == 0 {
                keys[i] = key
                values[i] = next
                count += 1
                return (next, true)
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.0 != 0 }
        keys = [UInt](repeating: 0, count: 2 * keys.count)
        values = [Int](repeating: 0, count: keys.count)
        shift -= 1
        let mask = keys.count - 1
        for (key, value) in old {
            var i = home(key)
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = key
            values[i] = value
        }
    }
}
