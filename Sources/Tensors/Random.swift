import CKernels

// The seeded generator: Philox4x32-10 streams that split, checkpoint, and reproduce bit for bit.

/// A seeded, splittable pseudo-random number generator whose output is bit-identical on every
/// run and on every IEEE-754 machine, for integers, uniforms and normals alike.
///
/// ## Algorithm
///
/// The generator is counter-based: block `n` of a stream is the Philox4x32-10 bijection of a
/// 128-bit counter under a 64-bit key (Salmon, Moraes, Dror & Shaw, "Parallel random numbers:
/// as easy as 1, 2, 3", SC '11; the Random123 library is the reference implementation and its
/// known-answer vectors are checked by the tests). The paper reports Philox4x32-10 passing
/// TestU01's BigCrush; it needs only integer multiplies, and — being a function of (key,
/// counter) — it gives random access and cheap independent streams, which a sequential
/// generator such as a Mersenne twister cannot. Ten rounds is the published default, kept
/// here because the known-answer vectors are for it (seven already pass BigCrush).
///
/// A stream is the key plus a 64-bit *stream id*. Block `n` uses the counter whose four 32-bit
/// words (least significant first, as in Random123) are `n` low, `n` high, `id` low, `id` high.
/// Each block's four words are handed out in order; ``next()`` returns the first word of a pair
/// in its low half and the second in its high half. After 2^64 blocks (about 6,000 years at
/// 10 ns a block) the block number would carry into the stream id; nothing guards that.
///
/// ## Seeding and splitting
///
/// ``init(seed:)`` uses the seed's low and high 32 bits as the key and stream id 0. Philox is
/// built so that distinct keys give independent streams, so seeds need no scrambling; seed 0
/// is fine.
///
/// ``split(_:)`` derives a child stream from the parent's key, the parent's stream id, and the
/// index — never from the parent's position, and it does not change the parent. The parent
/// evaluates Philox under its own key at a *split counter*: words `index` low, `index` high,
/// `id` low, and `id` high with bit 31 set. Stream ids made by ``init(seed:)`` and `split`
/// always have that bit clear, so the split counters are never used for stream output, and no child's key material ever appears
/// in the parent's stream. The child's key is output words 0 and 1; its stream id is words 2
/// and 3 with bit 63 cleared; it starts at block 0. Because Philox is a bijection for a fixed
/// key, distinct indices give distinct outputs, so children of one parent differ (up to the
/// masked bit: a 2^-127 chance of coinciding), and a child coincides with any other stream
/// only if 127 pseudo-random bits happen to match.
///
/// ## Real numbers
///
/// ``uniformDouble()`` uses the top 53 bits of ``next()``; ``uniformFloat()`` the top 24 bits of
/// ``nextUInt32()``: both are exact multiples of 2^-53 (2^-24) in [0, 1).
///
/// ``normalDouble()`` uses Marsaglia's polar method (Marsaglia & Bray, 1964): draw `v1`, `v2`
/// uniform in [-1, 1) from two ``next()`` values — one Philox block per attempt — reject unless
/// 0 < s = v1² + v2² < 1, and return `v1·√(−2 ln s / s)`, caching `v2·√(−2 ln s / s)` for the
/// next call. The polar method needs only +, −, ×, ÷, √ and a logarithm; the first five are
/// correctly rounded by IEEE 754, and the logarithm is ``portableLog(_:)``, written here with
/// those same operations, instead of the platform's libm `log`, which differs between C
/// libraries in the last bit. Box–Muller would also need sine and cosine. Swift does not fuse
/// `a * b + c` into a fused multiply-add unless asked, and LLVM neither reassociates nor
/// contracts floating-point arithmetic without fast-math flags (which Swift does not set); SIMD
/// lanes round exactly like scalars. So every step rounds the same way on every machine, and
/// so does every sample.
///
/// ## Bulk fills
///
/// The `fill…` methods give exactly the values the element-by-element calls would give — so a
/// fill of `n` then `m` elements equals a fill of `n + m` — but run several times faster: they
/// evaluate Philox for up to 63 consecutive counters at once into a scratch buffer on the
/// stack, as many blocks per SIMD operation as the machine's vectors hold (C kernels in
/// CKernels, cloned for AVX-512, AVX2 and baseline x86-64; possible because the generator is
/// counter-based), consume the words they need, and then set the position to just past the
/// last word consumed. The normal fill also batches the polar method's logarithms the same
/// way. On a 2-core Cooper Lake (release build) W5's minibatch of normals — 256×64 latent
/// draws plus the ring's noise — costs about 6 ns a normal (perf, 5.5% of the iteration),
/// against about 30 ns for ``normalDouble()`` calls.
///
/// ## Value semantics and checkpoints
///
/// All state — key, counter, the current block, the read position in it, and the cached second
/// normal — lives in the struct, so copies are independent and a copy replays the original.
/// Equality, hashing and the `Codable` form use the *logical* state (key, counter, position,
/// cached normal); the current block is a function of those and is recomputed on decoding. The
/// cached normal is encoded as its bit pattern so that any encoder restores it exactly.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    // Stream identity.
    private var key0: UInt32
    private var key1: UInt32
    /// Number of blocks generated so far in this stream (counter words 0 and 1).
    private var counterLow: UInt64
    /// The stream id (counter words 2 and 3).
    private var counterHigh: UInt64
    /// The most recently generated block, when `position < 4`; stale and ignored otherwise.
    private var block: SIMD4<UInt32>
    /// Index in `block` of the next word to hand out; 4 means the block is used up.
    private var position: Int
    /// The second normal of the last polar pair, if not yet returned.
    private var spareNormal: Double?

    /// A generator whose key is `seed` (low 32 bits first) and whose stream id is 0.
    public init(seed: UInt64) {
        self.init(key: SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)),
                  counter: .zero)
    }

    /// A generator positioned at the start of block `counter` of Philox key `key`, with nothing
    /// buffered; `counter` words are least significant first. Its first four ``nextUInt32()``
    /// values are `RandomGenerator.philox4x32(counter, key: key)`.
    package init(key: SIMD2<UInt32>, counter: SIMD4<UInt32>) {
        key0 = key[0]
        key1 = key[1]
        counterLow = UInt64(counter[0]) | UInt64(counter[1]) << 32
        counterHigh = UInt64(counter[2]) | UInt64(counter[3]) << 32
        block = .zero
        position = 4
        spareNormal = nil
    }

    /// The Philox key of this stream.
    package var philoxKey: SIMD2<UInt32> { SIMD2(key0, key1) }

    /// The counter of the next block this stream will generate, least significant word first.
    package var philoxCounter: SIMD4<UInt32> {
        SIMD4(UInt32(truncatingIfNeeded: counterLow), UInt32(truncatingIfNeeded: counterLow >> 32),
              UInt32(truncatingIfNeeded: counterHigh), UInt32(truncatingIfNeeded: counterHigh >> 32))
    }

    // MARK: Splitting

    /// An independent stream derived from this stream's key, its stream id and `index` (see the
    /// type's documentation for the scheme). A pure function: it neither reads nor changes the
    /// position, so `rng.split(i)` is the same stream however much `rng` has been used.
    public func split(_ index: UInt64) -> RandomGenerator {
        let out = Self.philoxBlock(index, counterHigh | (1 << 63), key0, key1)
        var child = RandomGenerator(key: SIMD2(out.0, out.1), counter: .zero)
        child.counterHigh = UInt64(out.2) | UInt64(out.3 & 0x7FFF_FFFF) << 32
        return child
    }

    // MARK: Integers

    /// The next 32 random bits.
    @inline(__always)
    public mutating func nextUInt32() -> UInt32 {
        if position == 4 { refill() }
        let word = block[position]
        position &+= 1
        return word
    }

    /// The next 64 random bits: the next 32-bit word in the low half, the one after in the high.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let low = nextUInt32()
        let high = nextUInt32()
        return UInt64(low) | UInt64(high) << 32
    }

    /// Generates the block at the current counter and steps the counter.
    @inline(__always)
    private mutating func refill() {
        let out = Self.philoxBlock(counterLow, counterHigh, key0, key1)
        block = SIMD4(out.0, out.1, out.2, out.3)
        position = 0
        stepCounter(by: 1)
    }

    @inline(__always)
    private mutating func stepCounter(by blocks: UInt64) {
        let (sum, carry) = counterLow.addingReportingOverflow(blocks)
        counterLow = sum
        if carry { counterHigh &+= 1 }
    }

    // MARK: Uniforms

    /// A uniform double in [0, 1): the top 53 bits of ``next()`` times 2^-53.
    @inline(__always)
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform float in [0, 1): the top 24 bits of ``nextUInt32()`` times 2^-24.
    @inline(__always)
    public mutating func uniformFloat() -> Float {
        Float(nextUInt32() >> 8) * 0x1p-24
    }

    /// Fills `buffer` with uniforms in [`low`, `high`): element `i` is `low + (high − low)·u`
    /// for the `i`-th ``uniformFloat()`` `u`, computed in `Double` and rounded to `Float`, and
    /// lowered to the float below `high` in the rare case that rounding reaches `high`.
    /// Requires finite `low <= high`; if they are equal every element is `low`.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float, high: Float) {
        ensure(low.isFinite && high.isFinite && low <= high,
               "fillUniform: need finite low <= high, got [\(low), \(high))")
        guard let out = buffer.baseAddress else { return }
        let lowD = Double(low), width = Double(high) - Double(low)
        let top = max(low, high.nextDown)
        var done = 0
        while done < buffer.count {
            let wanted = min(buffer.count - done, Self.scratchWords)
            let destination = out + done  // a constant, so stores cannot seem to move it
            withScratchWords(wanted) { words, start, _ in
                let source = words + start
                for j in 0..<wanted {
                    let u = Double(source[j] >> 8) * 0x1p-24
                    let value = Float(lowD + width * u)
                    destination[j] = value < high ? value : top
                }
                return wanted
            }
            done += wanted
        }
    }

    /// Fills `buffer` with uniforms in [`low`, `high`): element `i` is `low + (high − low)·u`
    /// for the `i`-th ``uniformDouble()`` `u`, lowered to the double below `high` in the rare
    /// case that rounding reaches `high`. Requires finite `low <= high` with a finite
    /// difference; if they are equal every element is `low`.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Double>, low: Double, high: Double) {
        let width = high - low
        ensure(low.isFinite && high.isFinite && low <= high && width.isFinite,
               "fillUniform: need finite low <= high, got [\(low), \(high))")
        guard let out = buffer.baseAddress else { return }
        let top = max(low, high.nextDown)
        var done = 0
        while done < buffer.count {
            let wanted = min(buffer.count - done, Self.scratchWords / 2)
            let destination = out + done
            withScratchWords(2 * wanted) { words, start, _ in
                let source = words + start
                for j in 0..<wanted {
                    let bits = UInt64(source[2 * j]) | UInt64(source[2 * j + 1]) << 32
                    let value = low + width * (Double(bits >> 11) * 0x1p-53)
                    destination[j] = value < high ? value : top
                }
                return 2 * wanted
            }
            done += wanted
        }
    }

    // MARK: Normals

    /// A standard normal by Marsaglia's polar method; each call returns the first of a fresh
    /// pair or the cached second one.
    public mutating func normalDouble() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let first = next(), second = next()
            let c = Self.polarCandidate(first, second)
            if Self.isAccepted(c.s) {
                let z = Self.polarNormals(c)
                spareNormal = z.1
                return z.0
            }
        }
    }

    /// Fills `buffer` with `mean + std·z` for successive ``normalDouble()`` values `z`.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Double>, mean: Double, std: Double) {
        guard let out = buffer.baseAddress else { return }
        var o = out, n = buffer.count
        if n > 0, let z = spareNormal { o[0] = mean + std * z; spareNormal = nil; o += 1; n -= 1 }
        fillNormals(count: n) { sk_fill_normals_f64($0, $1, $2, $3, $4, $5, n, mean, std, o, $6, $7) }
    }

    /// Fills `buffer` with `Float(mean + std·z)` for successive ``normalDouble()`` values `z`,
    /// the affine map taken in `Double` from the float `mean` and `std`.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float, std: Float) {
        guard let out = buffer.baseAddress else { return }
        let meanD = Double(mean), stdD = Double(std)
        var o = out, n = buffer.count
        if n > 0, let z = spareNormal { o[0] = Float(meanD + stdD * z); spareNormal = nil; o += 1; n -= 1 }
        fillNormals(count: n) { sk_fill_normals_f32($0, $1, $2, $3, $4, $5, n, meanD, stdD, o, $6, $7) }
    }

    /// Produces `count` normals (the spare already taken) exactly as `count` calls of
    /// ``normalDouble()`` would, in one call of `kernel`: `sk_fill_normals_f32` or `_f64`
    /// (CKernels), given (carried block, start, counter low, high, key0, key1, spare, last block);
    /// then advances the stream past the words it used exactly as ``withScratchWords(_:_:)`` does.
    ///
    /// The kernel takes Philox blocks in chunks of 256 (16 per AVX-512 operation, no remainder
    /// lanes), computes every candidate's v1, v2 and s = v1² + v2² in vector lanes, packs the
    /// accepted ones without a branch on acceptance (a biased coin, π/4, that a predictor would
    /// miss about one time in five), and takes √(−2·ln(s)/s) and the affine map for as many
    /// candidates at once as the vectors hold (the logarithm is ``portableLog(_:)``, step for
    /// step, contraction off, so the bits are ``normalDouble()``'s). In Swift the baseline
    /// target's SSE2 lanes made the normals of W5's minibatch 13% of its iteration at one thread;
    /// a Swift chunk loop around C kernels, 63 blocks a chunk with its scratch from malloc, still
    /// 6.7% (Zen 4, perf).
    @inline(__always)
    private mutating func fillNormals(
        count: Int,
        _ kernel: (UnsafePointer<UInt32>, Int, UInt64, UInt64, UInt32, UInt32,
                   UnsafeMutablePointer<Double>, UnsafeMutablePointer<UInt32>) -> Int
    ) {
        guard count > 0 else { return }
        var words: (SIMD4<UInt32>, SIMD4<UInt32>) = (block, .zero)  // the carried block, the last one
        var spare = Double.nan
        let hasCarried = position < 4 ? 1 : 0
        let end = withUnsafeMutablePointer(to: &words) { pair in
            pair.withMemoryRebound(to: UInt32.self, capacity: 8) { w in
                kernel(w, position, counterLow, counterHigh, key0, key1, &spare, w + 4)
            }
        }
        if count % 2 == 1 { spareNormal = spare }
        let last = words.1
        if end % 4 == 0 {
            stepCounter(by: UInt64(end / 4 - hasCarried))
            position = 4
        } else {
            stepCounter(by: UInt64(end / 4 + 1 - hasCarried))
            block = last
            position = end % 4
        }
    }

    /// The polar method's candidate from two 64-bit draws: `v1`, `v2` are the top 53 bits of
    /// `a`, `b` read as signed multiples of 2^-52, so exactly uniform in [-1, 1), and
    /// s = v1² + v2². The candidate is accepted when 0 < s < 1 (probability π/4).
    @inline(__always)
    private static func polarCandidate(_ a: UInt64, _ b: UInt64) -> (v1: Double, v2: Double, s: Double) {
        let v1 = Double(Int64(bitPattern: a) >> 11) * 0x1p-52
        let v2 = Double(Int64(bitPattern: b) >> 11) * 0x1p-52
        return (v1, v2, v1 * v1 + v2 * v2)
    }

    @inline(__always)
    private static func isAccepted(_ s: Double) -> Bool { s < 1 && s > 0 }

    /// The two normals of an accepted candidate: v·√(−2 ln s / s).
    @inline(__always)
    private static func polarNormals(_ c: (v1: Double, v2: Double, s: Double)) -> (Double, Double) {
        let factor = (-2 * portableLog(c.s) / c.s).squareRoot()
        return (c.v1 * factor, c.v2 * factor)
    }

    // MARK: Bulk word access

    /// Most fresh blocks evaluated per scratch chunk by the bulk fills; with the carried block
    /// that is a 1 KiB buffer, the most `withUnsafeTemporaryAllocation` puts on the stack
    /// without a run-time check.
    private static var scratchBlocks: Int { 63 }
    private static var scratchWords: Int { scratchBlocks * 4 }

    /// Calls `body(words, start, available)` with the next `available` words of the stream at
    /// `words[start...]` without consuming them; `available` is at least `min(wanted,
    /// scratchWords)`. `body` returns how many it used, and the generator then advances past
    /// exactly those words.
    ///
    /// The scratch buffer is block aligned: if a block is partly used, it is copied to
    /// `words[0..<4]` and `start` is the position in it; later entries are fresh blocks for
    /// consecutive counters. Evaluating blocks that end up unused costs time but not state —
    /// the counter is set from what was consumed.
    @inline(__always)
    private mutating func withScratchWords(_ wanted: Int, _ body: (UnsafeMutablePointer<UInt32>, Int, Int) -> Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * (Self.scratchBlocks + 1)) { scratch in
            let words = scratch.baseAddress!
            // Scratch block `b` holds stream block `counter + b - carried`.
            let carried = position < 4 ? 1 : 0
            let start = carried == 1 ? position : 0
            let blocks = max(carried, min(Self.scratchBlocks + 1, (start + min(wanted, Self.scratchWords) + 3) / 4))
            if carried == 1 {
                words[0] = block[0]; words[1] = block[1]; words[2] = block[2]; words[3] = block[3]
            }
            let fresh = blocks - carried
            Self.generateBlocks(into: words + 4 * carried, count: fresh,
                                counterLow: counterLow, counterHigh: counterHigh, key0: key0, key1: key1)
            let available = 4 * blocks - start
            let used = body(words, start, available)
            ensure(used >= 0 && used <= available, "RandomGenerator: consumed \(used) of \(available) scratch words")

            let end = start + used  // index in scratch just past the last consumed word
            let lastBlock = (end - 1) / 4  // meaningful only when used > 0
            guard used > 0 else { return }
            if end % 4 == 0 {
                stepCounter(by: UInt64(end / 4 - carried))
                position = 4
            } else {
                stepCounter(by: UInt64(lastBlock + 1 - carried))
                let w = words + 4 * lastBlock
                block = SIMD4(w[0], w[1], w[2], w[3])
                position = end % 4
            }
        }
    }

    /// Writes Philox blocks for `count` consecutive counters starting at (low, high).
    ///
    /// The blocks come from the C kernel `sk_philox4x32_10` (CKernels), the same integer
    /// arithmetic as ``philoxBlock(_:_:_:_:rounds:)`` and so the same bits, vectorized at the
    /// machine's width (16 blocks per AVX-512 operation, 8 per AVX2 one; the SSE2 lanes Swift's
    /// baseline target allows took 30% of a W5 iteration's sampling). That path assumes the low
    /// counter does not wrap inside the chunk; the scalar one here handles the carry into the
    /// stream id.
    @inline(__always)
    private static func generateBlocks(into words: UnsafeMutablePointer<UInt32>, count: Int,
                                       counterLow: UInt64, counterHigh: UInt64, key0: UInt32, key1: UInt32) {
        var b = 0
        if counterLow <= UInt64.max - UInt64(count) {
            sk_philox4x32_10(words, count, counterLow, counterHigh, key0, key1)
            b = count
        }
        while b < count {
            let (low, carry) = counterLow.addingReportingOverflow(UInt64(b))
            let out = philoxBlock(low, carry ? counterHigh &+ 1 : counterHigh, key0, key1)
            words[4 * b] = out.0
            words[4 * b + 1] = out.1
            words[4 * b + 2] = out.2
            words[4 * b + 3] = out.3
            b += 1
        }
    }

    // MARK: Philox4x32

    /// Philox4x32-R of one counter under one key: the Random123 function `philox4x32_R`, with
    /// words least significant first. With the default 10 rounds this is the function the
    /// generator uses; other round counts exist only to check the published test vectors.
    package static func philox4x32(_ counter: SIMD4<UInt32>, key: SIMD2<UInt32>, rounds: Int = 10) -> SIMD4<UInt32> {
        let out = philoxBlock(UInt64(counter[0]) | UInt64(counter[1]) << 32,
                              UInt64(counter[2]) | UInt64(counter[3]) << 32,
                              key[0], key[1], rounds: rounds)
        return SIMD4(out.0, out.1, out.2, out.3)
    }

    /// Philox4x32 on a counter given as two 64-bit halves.
    ///
    /// A round multiplies counter words 0 and 2 by the multipliers, each 32×32 → 64 bits, and
    /// forms the new words (hi₂ ⊕ x₁ ⊕ k₀, lo₂, hi₀ ⊕ x₃ ⊕ k₁, lo₀), where hiᵢ:loᵢ is the product
    /// involving word i. Between rounds the key is bumped by the Weyl constants (the golden
    /// ratio and √3 − 1, as 32-bit fractions).
    @inline(__always)
    private static func philoxBlock(_ low: UInt64, _ high: UInt64, _ k0: UInt32, _ k1: UInt32,
                                    rounds: Int = 10) -> (UInt32, UInt32, UInt32, UInt32) {
        let multiplier0: UInt64 = 0xD251_1F53
        let multiplier1: UInt64 = 0xCD9E_8D57
        let weyl0: UInt32 = 0x9E37_79B9
        let weyl1: UInt32 = 0xBB67_AE85
        var x0 = UInt32(truncatingIfNeeded: low), x1 = UInt32(truncatingIfNeeded: low >> 32)
        var x2 = UInt32(truncatingIfNeeded: high), x3 = UInt32(truncatingIfNeeded: high >> 32)
        var k0 = k0, k1 = k1
        for round in 0..<rounds {
            if round > 0 {
                k0 &+= weyl0
                k1 &+= weyl1
            }
            let product0 = multiplier0 &* UInt64(x0)
            let product1 = multiplier1 &* UInt64(x2)
            let y0 = UInt32(truncatingIfNeeded: product1 >> 32) ^ x1 ^ k0
            let y1 = UInt32(truncatingIfNeeded: product1)
            let y2 = UInt32(truncatingIfNeeded: product0 >> 32) ^ x3 ^ k1
            let y3 = UInt32(truncatingIfNeeded: product0)
            x0 = y0; x1 = y1; x2 = y2; x3 = y3
        }
        return (x0, x1, x2, x3)
    }

    // MARK: Equality, hashing, coding

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
        a.key0 == b.key0 && a.key1 == b.key1 && a.counterLow == b.counterLow
            && a.counterHigh == b.counterHigh && a.position == b.position
            && a.spareNormal?.bitPattern == b.spareNormal?.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key0)
        hasher.combine(key1)
        hasher.combine(counterLow)
        hasher.combine(counterHigh)
        hasher.combine(position)
        hasher.combine(spareNormal?.bitPattern)
    }

    private enum CodingKeys: String, CodingKey {
        case key0, key1, counterLow, counterHigh, position, spareNormalBits
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key0 = try c.decode(UInt32.self, forKey: .key0)
        key1 = try c.decode(UInt32.self, forKey: .key1)
        counterLow = try c.decode(UInt64.self, forKey: .counterLow)
        counterHigh = try c.decode(UInt64.self, forKey: .counterHigh)
        position = try c.decode(Int.self, forKey: .position)
        spareNormal = try c.decodeIfPresent(UInt64.self, forKey: .spareNormalBits).map(Double.init(bitPattern:))
        guard (0...4).contains(position) else {
            throw DecodingError.dataCorruptedError(forKey: .position, in: c,
                                                   debugDescription: "block position \(position) is not in 0...4")
        }
        guard spareNormal?.isFinite ?? true else {
            throw DecodingError.dataCorruptedError(forKey: .spareNormalBits, in: c, debugDescription: "the buffered normal is not finite")
        }
        block = .zero
        if position < 4 {
            // The partly used block is the one before the counter.
            let (low, borrow) = counterLow.subtractingReportingOverflow(1)
            let out = Self.philoxBlock(low, borrow ? counterHigh &- 1 : counterHigh, key0, key1)
            block = SIMD4(out.0, out.1, out.2, out.3)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key0, forKey: .key0)
        try c.encode(key1, forKey: .key1)
        try c.encode(counterLow, forKey: .counterLow)
        try c.encode(counterHigh, forKey: .counterHigh)
        try c.encode(position, forKey: .position)
        try c.encodeIfPresent(spareNormal?.bitPattern, forKey: .spareNormalBits)
    }
}

// MARK: - Portable logarithm

/// The natural logarithm computed with only +, −, ×, ÷ and bit manipulation, so that — these
/// being correctly rounded in IEEE 754 — it returns the same bits on every machine, which the
/// C library's `log` does not promise. Error below 1 ulp for positive finite arguments,
/// subnormals included (the bound of the fdlibm method; against a 120-bit reference the worst
/// of 300,000 arguments was 0.79 ulp, and the tests hold it within 1 ulp of glibc's `log`);
/// `log(1) = 0`, `log(0) = −∞`, `log(+∞) = +∞`, NaN for negatives and NaN.
/// The work is done by ``portableLogLanes(_:exponentOffset:)``, which the normal fill calls on
/// two pairs of arguments at a time; this scalar entry point only adds the special cases.
package func portableLog(_ x: Double) -> Double {
    guard x > 0, x < .infinity else {
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        return .nan  // negative or NaN
    }
    if x < .leastNormalMagnitude {  // subnormal: scale into the normal range, exactly
        return portableLogLanes(SIMD2(repeating: x * 0x1p54), exponentOffset: 0x1p52 + 1023 + 54)[0]
    }
    return portableLogLanes(SIMD2(repeating: x))[0]
}

/// ``portableLog(_:)`` of two positive normal doubles, lane by lane; each lane's result is
/// what the scalar function returns, bit for bit, since every step is a lane-wise IEEE
/// operation. Two lanes fill one SSE2 or NEON register, so the scalar function costs no more
/// than a scalar implementation would, and the bulk normal fill runs two calls side by side —
/// four independent dependency chains, which the pipeline overlaps.
///
/// Method (the classical one of Cody & Waite, as in fdlibm's `e_log.c`):
/// 1. Write x = 2^k · m with m in [√½, √2): read the exponent field, set the significand's
///    exponent to 0 to get m in [1, 2), and halve m (and add 1 to k) when it is at least √2.
///    Then f = m − 1 is exact (Sterbenz). k is formed exactly as a double by the 2^52 trick:
///    the biased exponent e placed in the significand of 2^52 gives 2^52 + e, and subtracting
///    `exponentOffset` = 2^52 + 1023 (+ 54 when the caller pre-scaled a subnormal) leaves k.
/// 2. With s = f / (2 + f), ln(1 + f) = ln((1 + s)/(1 − s)) = 2s + 2s³/3 + 2s⁵/5 + …, and since
///    2s = f − s·f = f − f²/2 + s·f²/2, ln(1 + f) = f − (f²/2 − s·(f²/2 + R)) with
///    R = Σ_{j≥1} 2 s^{2j}/(2j + 1). Keeping f apart from the small correction keeps the
///    rounding error of the correction far below an ulp of the result.
/// 3. |s| ≤ (√2 − 1)/(√2 + 1) < 0.1716, so s² < 0.0295 and the series cut after j = 10 errs by
///    under 2^-60 relative; R is summed as two interleaved Horner chains in s⁴ (shorter latency).
///    The coefficients are the Taylor ones, 2/(2j + 1), correctly rounded.
/// 4. k·ln 2 is added as k·ln2Hi + k·ln2Lo, where ln2Hi has 31 significant bits so that k·ln2Hi
///    is exact for every exponent, and the small parts are summed first. For k = 0 the
///    formula reduces exactly to f − (f²/2 − s·(f²/2 + R)) (x − y = −(y − x) and adding zero
///    changes nothing), so no branch is needed.
/// Intermediate values stay normal for every normal input, so flush-to-zero modes cannot matter.
@inline(__always)
package func portableLogLanes(_ x: SIMD2<Double>, exponentOffset: Double = 0x1p52 + 1023) -> SIMD2<Double> {
    let bits = unsafeBitCast(x, to: SIMD2<Int64>.self)
    let oneToTwo = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000  // m in [1, 2)
    // All ones where m ≥ √2 (rounded), else zero; then halve m by lowering its exponent field
    // and raise k by subtracting −1 — integer arithmetic, so no select that could become a
    // mispredicted branch.
    let halve = SIMD2<Int64>(repeating: 0)
        .replacing(with: -1, where: unsafeBitCast(oneToTwo, to: SIMD2<Double>.self) .>= 0x1.6a09e667f3bcdp0)
    let f = unsafeBitCast(oneToTwo &- (halve & 0x0010_0000_0000_0000), to: SIMD2<Double>.self) - 1
    let e = (bits &>> 52) &- halve  // biased exponent, plus 1 where halved
    let k = unsafeBitCast(e | 0x4330_0000_0000_0000, to: SIMD2<Double>.self) - exponentOffset

    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    // Taylor coefficients c_j = 2/(2j+1), j = 1...10.
    let c1 = 0x1.5555555555555p-1, c2 = 0x1.999999999999ap-2, c3 = 0x1.2492492492492p-2
    let c4 = 0x1.c71c71c71c71cp-3, c5 = 0x1.745d1745d1746p-3, c6 = 0x1.3b13b13b13b14p-3
    let c7 = 0x1.1111111111111p-3, c8 = 0x1.e1e1e1e1e1e1ep-4, c9 = 0x1.af286bca1af28p-4
    let c10 = 0x1.8618618618618p-4
    let odd = z * (c1 + w * (c3 + w * (c5 + w * (c7 + w * c9))))
    let even = w * (c2 + w * (c4 + w * (c6 + w * (c8 + w * c10))))
    let r = odd + even
    let halfSquare = 0.5 * f * f

    let ln2Hi = 0x1.62e42feep-1  // 31 significant bits: k · ln2Hi is exact for |k| < 2^21
    let ln2Lo = 0x1.a39ef35793c76p-33  // ln 2 − ln2Hi, rounded
    return k * ln2Hi - ((halfSquare - (s * (halfSquare + r) + k * ln2Lo)) - f)
}
