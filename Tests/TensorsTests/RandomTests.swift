import Foundation
import Testing
import Tensors

/// The seeded generator: Philox4x32-10 against the Random123 known-answer vectors, the stream
/// and split layout, value semantics and checkpoints, the bulk fills against the scalar calls,
/// the portable logarithm against the C library's, and statistical sanity with fixed seeds.
@Suite("Random generator")
struct RandomTests {
    // MARK: Philox known answers

    struct KnownAnswer: CustomTestStringConvertible, Sendable {
        let rounds: Int
        let counter: SIMD4<UInt32>
        let key: SIMD2<UInt32>
        let expected: SIMD4<UInt32>
        var testDescription: String { "philox4x32_\(rounds) ctr \(counter) key \(key)" }
    }

    /// The Philox4x32 lines of Random123's `tests/kat_vectors` (columns: counter words, key
    /// words, expected output words; each list least significant word first).
    static let knownAnswers: [KnownAnswer] = [
        KnownAnswer(rounds: 7, counter: SIMD4(0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0000_0000),
                    key: SIMD2(0x0000_0000, 0x0000_0000),
                    expected: SIMD4(0x5f6f_b709, 0x0d89_3f64, 0x4f12_1f81, 0x4f73_0a48)),
        KnownAnswer(rounds: 7, counter: SIMD4(0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff),
                    key: SIMD2(0xffff_ffff, 0xffff_ffff),
                    expected: SIMD4(0x5207_ddc2, 0x4516_5e59, 0x4d8e_e751, 0x8c52_f662)),
        KnownAnswer(rounds: 7, counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                    key: SIMD2(0xa409_3822, 0x299f_31d0),
                    expected: SIMD4(0x4dfc_caba, 0x190a_87f0, 0xc473_62ba, 0xb6b5_242a)),
        KnownAnswer(rounds: 10, counter: SIMD4(0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0000_0000),
                    key: SIMD2(0x0000_0000, 0x0000_0000),
                    expected: SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        KnownAnswer(rounds: 10, counter: SIMD4(0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff),
                    key: SIMD2(0xffff_ffff, 0xffff_ffff),
                    expected: SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        KnownAnswer(rounds: 10, counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                    key: SIMD2(0xa409_3822, 0x299f_31d0),
                    expected: SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ]

    @Test(arguments: knownAnswers)
    func philoxKnownAnswer(_ kat: KnownAnswer) {
        #expect(RandomGenerator.philox4x32(kat.counter, key: kat.key, rounds: kat.rounds) == kat.expected)
    }

    /// The generator's words are the Philox-10 blocks of its key at successive counters, and
    /// the block number carries into the stream id after 2^64 blocks.
    @Test(arguments: knownAnswers.filter { $0.rounds == 10 })
    func streamIsPhiloxBlocks(_ kat: KnownAnswer) {
        var rng = RandomGenerator(key: kat.key, counter: kat.counter)
        let first = SIMD4(rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32())
        #expect(first == kat.expected)
        var next = kat.counter
        next[0] &+= 1
        if next[0] == 0 { next[1] &+= 1; if next[1] == 0 { next[2] &+= 1; if next[2] == 0 { next[3] &+= 1 } } }
        #expect(rng.philoxCounter == next)
        let second = SIMD4(rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32(), rng.nextUInt32())
        #expect(second == RandomGenerator.philox4x32(next, key: kat.key))
    }

    @Test func seedIsKeyAndStreamStartsAtZero() {
        var rng = RandomGenerator(seed: 0x1122_3344_5566_7788)
        #expect(rng.philoxKey == SIMD2(0x5566_7788, 0x1122_3344))
        #expect(rng.philoxCounter == .zero)
        let block = RandomGenerator.philox4x32(.zero, key: rng.philoxKey)
        #expect(rng.next() == UInt64(block[0]) | UInt64(block[1]) << 32)
        #expect(rng.next() == UInt64(block[2]) | UInt64(block[3]) << 32)
        // Seed 0 is the all-zero Random123 vector.
        var zero = RandomGenerator(seed: 0)
        #expect(zero.nextUInt32() == 0x6627_e8d5)
    }

    // MARK: Determinism and independence

    /// Everything a generator produces, in a fixed order, from one starting state.
    static func transcript(_ start: RandomGenerator) -> [UInt64] {
        var rng = start
        var out: [UInt64] = []
        for _ in 0..<100 { out.append(rng.next()) }
        for _ in 0..<99 { out.append(UInt64(rng.nextUInt32())) }
        for _ in 0..<100 { out.append(rng.uniformDouble().bitPattern) }
        for _ in 0..<101 { out.append(UInt64(rng.uniformFloat().bitPattern)) }
        for _ in 0..<101 { out.append(rng.normalDouble().bitPattern) }
        var floats = [Float](repeating: 0, count: 1001)
        floats.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 0.5, std: 2) }
        out += floats.map { UInt64($0.bitPattern) }
        var doubles = [Double](repeating: 0, count: 777)
        doubles.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: -3, high: 5) }
        out += doubles.map(\.bitPattern)
        out.append(rng.next())
        return out
    }

    @Test func sameSeedSameSequence() {
        // Sampling twice from the same seed — within a run, and (being pure integer and IEEE
        // arithmetic) across runs and machines.
        #expect(Self.transcript(RandomGenerator(seed: 42)) == Self.transcript(RandomGenerator(seed: 42)))
        let a = RandomGenerator(seed: 42).split(7).split(3)
        let b = RandomGenerator(seed: 42).split(7).split(3)
        #expect(a == b)
        #expect(Self.transcript(a) == Self.transcript(b))
    }

    @Test func differentSeedsDiffer() {
        let seeds: [UInt64] = [0, 1, 2, 42, 1 << 32, UInt64.max]
        let firsts = seeds.map { seed -> [UInt64] in
            var rng = RandomGenerator(seed: seed)
            return (0..<4).map { _ in rng.next() }
        }
        #expect(Set(firsts).count == seeds.count)
    }

    @Test func splitIsPureAndDoesNotAdvanceTheParent() {
        var parent = RandomGenerator(seed: 9)
        let child = parent.split(0)
        let before = parent
        _ = parent.split(1)
        _ = parent.split(0)
        #expect(parent == before)
        #expect(Self.transcript(parent) == Self.transcript(before))
        // Drawing from the parent does not change what its children are.
        for _ in 0..<13 { _ = parent.normalDouble() }
        #expect(parent.split(0) == child)
        #expect(Self.transcript(parent.split(0)) == Self.transcript(child))
    }

    /// The documented scheme: the child's key is words 0–1 and its stream id words 2–3 (top bit
    /// cleared) of Philox under the parent's key at counter (index, parent id | 2^63).
    @Test func splitFollowsTheDocumentedScheme() {
        let parent = RandomGenerator(seed: 77).split(5)
        let index: UInt64 = 0x0123_4567_89AB_CDEF
        let id = parent.philoxCounter
        let out = RandomGenerator.philox4x32(
            SIMD4(UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), id[2], id[3] | 0x8000_0000),
            key: parent.philoxKey)
        let child = parent.split(index)
        #expect(child.philoxKey == SIMD2(out[0], out[1]))
        #expect(child.philoxCounter == SIMD4(0, 0, out[2], out[3] & 0x7FFF_FFFF))
    }

    @Test func splitStreamsDifferFromEachOtherAndTheParent() {
        let parent = RandomGenerator(seed: 3)
        var heads = Set<[UInt64]>()
        var streams: [RandomGenerator] = [parent]
        for i in 0..<500 { streams.append(parent.split(UInt64(i))) }
        streams.append(parent.split(.max))
        streams.append(parent.split(0).split(0))  // a grandchild
        streams.append(parent.split(1).split(0))
        for s in streams {
            var rng = s
            heads.insert((0..<4).map { _ in rng.next() })
        }
        #expect(heads.count == streams.count)
        // No child's identity is the parent's.
        for s in streams.dropFirst() {
            #expect(s.philoxKey != parent.philoxKey || s.philoxCounter != parent.philoxCounter)
        }
    }

    @Test func conformsToRandomNumberGenerator() {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        let x = (0..<10).map { _ in Int.random(in: 0..<1000, using: &a) }
        let y = (0..<10).map { _ in Int.random(in: 0..<1000, using: &b) }
        #expect(x == y)
        #expect(x.allSatisfy { (0..<1000).contains($0) })
    }

    // MARK: Value semantics and checkpoints

    @Test func codableRoundTripMidStreamResumesBitIdentically() throws {
        var rng = RandomGenerator(seed: 2024).split(11)
        _ = rng.nextUInt32()  // mid-block, odd position
        _ = rng.normalDouble()  // leaves the pair's second normal cached
        var floats = [Float](repeating: 0, count: 3)
        floats.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 0, high: 1) }
        _ = rng.normalDouble()
        _ = rng.normalDouble()
        _ = rng.normalDouble()  // cached second normal again
        let data = try JSONEncoder().encode(rng)
        let restored = try JSONDecoder().decode(RandomGenerator.self, from: data)
        #expect(restored == rng)
        #expect(restored.hashValue == rng.hashValue)
        #expect(Self.transcript(restored) == Self.transcript(rng))

        // Also at a block boundary with nothing cached, and for a fresh generator.
        for var g in [RandomGenerator(seed: 1), { var g = RandomGenerator(seed: 1); for _ in 0..<4 { _ = g.nextUInt32() }; return g }()] {
            let copy = try JSONDecoder().decode(RandomGenerator.self, from: JSONEncoder().encode(g))
            #expect(copy == g)
            #expect(Self.transcript(copy) == Self.transcript(g))
            _ = g.next()
        }
    }

    @Test func decodingRejectsAnImpossiblePosition() throws {
        let json = #"{"key0":1,"key1":2,"counterLow":3,"counterHigh":4,"position":5}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RandomGenerator.self, from: Data(json.utf8))
        }
    }

    @Test func copiesAreIndependent() {
        var a = RandomGenerator(seed: 8)
        _ = a.nextUInt32()
        var b = a
        let x = a.next()
        #expect(b != a)
        #expect(b.next() == x)
        #expect(b == a)
    }

    // MARK: Bulk fills equal the scalar calls

    /// Generators at every position within a block, with and without a cached normal.
    static func startingStates() -> [RandomGenerator] {
        var states: [RandomGenerator] = []
        for offset in 0..<5 {
            var g = RandomGenerator(seed: 100 + UInt64(offset))
            for _ in 0..<offset { _ = g.nextUInt32() }
            states.append(g)
            _ = g.normalDouble()
            states.append(g)
        }
        return states
    }

    static let fillLengths = [0, 1, 2, 3, 4, 5, 7, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4099]

    @Test func fillNormalMatchesNormalDouble() {
        for start in Self.startingStates() {
            for n in Self.fillLengths {
                var bulk = start, scalar = start
                var doubles = [Double](repeating: .nan, count: n)
                doubles.withUnsafeMutableBufferPointer { bulk.fillNormal($0, mean: -1.5, std: 0.25) }
                let expected = (0..<n).map { _ in -1.5 + 0.25 * scalar.normalDouble() }
                #expect(doubles.map(\.bitPattern) == expected.map(\.bitPattern), "n = \(n)")
                #expect(bulk == scalar, "n = \(n)")
                #expect(bulk.next() == scalar.next())

                var bulkF = start, scalarF = start
                var floats = [Float](repeating: .nan, count: n)
                floats.withUnsafeMutableBufferPointer { bulkF.fillNormal($0, mean: 3, std: 0.5) }
                let expectedF = (0..<n).map { _ in Float(3 + 0.5 * scalarF.normalDouble()) }
                #expect(floats.map(\.bitPattern) == expectedF.map(\.bitPattern), "n = \(n)")
                #expect(bulkF == scalarF, "n = \(n)")
            }
        }
    }

    @Test func fillUniformMatchesScalarUniforms() {
        for start in Self.startingStates() {
            for n in Self.fillLengths {
                var bulk = start, scalar = start
                var floats = [Float](repeating: .nan, count: n)
                floats.withUnsafeMutableBufferPointer { bulk.fillUniform($0, low: -2, high: 6) }
                let expected = (0..<n).map { _ in Float(-2 + 8 * Double(scalar.uniformFloat())) }
                #expect(floats == expected, "n = \(n)")
                #expect(bulk == scalar, "n = \(n)")
                #expect(bulk.nextUInt32() == scalar.nextUInt32())

                var bulkD = start, scalarD = start
                var doubles = [Double](repeating: .nan, count: n)
                doubles.withUnsafeMutableBufferPointer { bulkD.fillUniform($0, low: 10, high: 10.5) }
                let expectedD = (0..<n).map { _ in min(10 + 0.5 * scalarD.uniformDouble(), Double(10.5).nextDown) }
                #expect(doubles == expectedD, "n = \(n)")
                #expect(bulkD == scalarD, "n = \(n)")
            }
        }
    }

    /// A fill of n then m elements equals one fill of n + m.
    @Test func fillsCompose() {
        var one = RandomGenerator(seed: 31), two = one
        var whole = [Float](repeating: 0, count: 3001)
        whole.withUnsafeMutableBufferPointer { one.fillNormal($0, mean: 0, std: 1) }
        var parts = [Float](repeating: 0, count: 3001)
        parts.withUnsafeMutableBufferPointer { p in
            two.fillNormal(UnsafeMutableBufferPointer(rebasing: p[0..<1]), mean: 0, std: 1)
            two.fillNormal(UnsafeMutableBufferPointer(rebasing: p[1..<1234]), mean: 0, std: 1)
            two.fillNormal(UnsafeMutableBufferPointer(rebasing: p[1234...]), mean: 0, std: 1)
        }
        #expect(whole == parts)
        #expect(one == two)
    }

    /// Bulk blocks equal scalar ones where counter word 0 carries into word 1 inside a vector of
    /// 16 counters (the AVX-512 path computes the counters in 64-bit lanes), for block counts on
    /// and off the vector width.
    @Test func bulkBlocksCarryIntoCounterWordOne() {
        for count in [1, 15, 16, 17, 47, 64] {
            let start = RandomGenerator(key: SIMD2(9, 10), counter: SIMD4(0xFFFF_FFF9, 5, 1, 2))
            var bulk = start, scalar = start
            var uniforms = [Double](repeating: 0, count: 2 * count)  // two words each
            uniforms.withUnsafeMutableBufferPointer { bulk.fillUniform($0, low: 0, high: 1) }
            #expect(uniforms == (0..<(2 * count)).map { _ in scalar.uniformDouble() }, "\(count) blocks")
            #expect(bulk == scalar)
        }
    }

    /// The vectorized block path stops short of a wrapping counter; the scalar path carries.
    @Test func fillsCarryAcrossTheLowCounterWord() {
        let nearWrap = RandomGenerator(key: SIMD2(5, 6), counter: SIMD4(0xFFFF_FFF0, 0xFFFF_FFFF, 0xFFFF_FFFF, 7))
        var bulk = nearWrap, scalar = nearWrap
        var floats = [Float](repeating: 0, count: 300)
        floats.withUnsafeMutableBufferPointer { bulk.fillUniform($0, low: 0, high: 1) }
        #expect(floats == (0..<300).map { _ in scalar.uniformFloat() })
        #expect(bulk == scalar)
        #expect(bulk.philoxCounter == SIMD4(UInt32(300 / 4 - 16), 0, 0, 8))  // 2^64 − 16 + 75 blocks
        var normals = [Double](repeating: 0, count: 300)
        normals.withUnsafeMutableBufferPointer { bulk.fillNormal($0, mean: 0, std: 1) }
        #expect(normals == (0..<300).map { _ in scalar.normalDouble() })

        // Normal fills that cross the wrap themselves, from a block boundary and from inside a block.
        for offset in 0..<2 {
            var bulkN = nearWrap, scalarN = nearWrap
            for _ in 0..<offset { _ = bulkN.nextUInt32(); _ = scalarN.nextUInt32() }
            var crossing = [Float](repeating: 0, count: 301)
            crossing.withUnsafeMutableBufferPointer { bulkN.fillNormal($0, mean: 1, std: 2) }
            #expect(crossing == (0..<301).map { _ in Float(1 + 2 * scalarN.normalDouble()) })
            #expect(bulkN == scalarN)
            #expect(bulkN.philoxCounter[3] == 8)
        }
    }

    @Test func uniformsStayInRange() {
        var rng = RandomGenerator(seed: 12)
        for _ in 0..<100_000 {
            let d = rng.uniformDouble(), f = rng.uniformFloat()
            #expect(d >= 0 && d < 1 && f >= 0 && f < 1)
        }
        // An interval holding one float: rounding would reach `high` about half the time.
        var floats = [Float](repeating: 0, count: 1000)
        floats.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 1, high: Float(1).nextUp) }
        #expect(floats.allSatisfy { $0 == 1 })
        var doubles = [Double](repeating: 0, count: 1000)
        doubles.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 1, high: Double(1).nextUp) }
        #expect(doubles.allSatisfy { $0 == 1 })
        doubles.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: -1, high: 1) }
        #expect(doubles.allSatisfy { $0 >= -1 && $0 < 1 })
        doubles.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 4, high: 4) }
        #expect(doubles.allSatisfy { $0 == 4 })
    }

    // MARK: Portable logarithm

    /// Distance in units in the last place between two finite doubles.
    static func ulps(_ a: Double, _ b: Double) -> UInt64 {
        if a == b { return 0 }
        func line(_ x: Double) -> Int64 {
            let bits = Int64(bitPattern: x.bitPattern)
            return bits < 0 ? Int64.min &- bits : bits
        }
        return (line(a) &- line(b)).magnitude
    }

    static func worstUlps(_ xs: [Double]) -> (ulps: UInt64, at: Double) {
        var worst: (UInt64, Double) = (0, .nan)
        for x in xs {
            let u = ulps(portableLog(x), Foundation.log(x))
            if u > worst.0 { worst = (u, x) }
        }
        return worst
    }

    @Test func portableLogMatchesTheCLibraryOverAllPositiveDoubles() {
        // Uniform over bit patterns: every binade equally, subnormals included.
        var rng = RandomGenerator(seed: 1)
        let xs = (0..<1_000_000).map { _ in Double(bitPattern: 1 + rng.next() % (0x7FF0_0000_0000_0000 - 1)) }
        let worst = Self.worstUlps(xs)
        #expect(worst.ulps <= 2, "\(worst.ulps) ulp at \(worst.at)")
    }

    @Test func portableLogMatchesTheCLibraryNearOne() {
        var xs: [Double] = []
        for i in 1...20_000 {
            let d = Double(i)
            xs += [1 + d * 0x1p-52, 1 - d * 0x1p-53, 1 + d * 1e-9, 1 - d * 1e-9, 1 + d * 1e-5, 1 - d * 1e-5]
        }
        var rng = RandomGenerator(seed: 2)
        xs += (0..<200_000).map { _ in 0.5 + 1.5 * rng.uniformDouble() }  // the reduction interval and its edges
        xs += [0x1.6a09e667f3bcdp0, 0x1.6a09e667f3bccp0, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bccp-1]
        let worst = Self.worstUlps(xs)
        #expect(worst.ulps <= 2, "\(worst.ulps) ulp at \(worst.at)")
        #expect(portableLog(1) == 0)
    }

    @Test func portableLogEdgeCases() {
        for k in -1074...1023 {
            let x = Double(sign: .plus, exponent: k, significand: 1)
            #expect(Self.ulps(portableLog(x), Foundation.log(x)) <= 1, "2^\(k)")
        }
        for x in [Double.leastNonzeroMagnitude, .leastNormalMagnitude, Double.leastNormalMagnitude.nextDown,
                  .greatestFiniteMagnitude, .pi, 10, 0.1, 1e-300, 1e300] {
            #expect(Self.ulps(portableLog(x), Foundation.log(x)) <= 1, "\(x)")
        }
        #expect(portableLog(0) == -.infinity)
        #expect(portableLog(-0.0) == -.infinity)
        #expect(portableLog(.infinity) == .infinity)
        #expect(portableLog(-1).isNaN)
        #expect(portableLog(-.infinity).isNaN)
        #expect(portableLog(.nan).isNaN)
    }

    // MARK: Statistics (fixed seeds, so these pass or fail deterministically)

    static func meanAndVariance<S: Sequence>(_ xs: S) -> (mean: Double, variance: Double, n: Double) where S.Element == Double {
        var n = 0.0, mean = 0.0, m2 = 0.0
        for x in xs {  // Welford
            n += 1
            let d = x - mean
            mean += d / n
            m2 += d * (x - mean)
        }
        return (mean, m2 / (n - 1), n)
    }

    @Test func uniformMomentsWithinFiveStandardErrors() {
        let n = 1_000_000
        var rng = RandomGenerator(seed: 20_240_601)
        let doubles = (0..<n).map { _ in rng.uniformDouble() }
        var floats = [Float](repeating: 0, count: n)
        floats.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 0, high: 1) }
        for (name, sample) in [("uniformDouble", doubles), ("fillUniform Float", floats.map(Double.init))] {
            let m = Self.meanAndVariance(sample)
            // Var(U) = 1/12; Var of the sample variance ≈ (μ₄ − σ⁴)/n with μ₄ = 1/80.
            #expect(abs(m.mean - 0.5) < 5 * (1.0 / 12 / m.n).squareRoot(), "\(name) mean \(m.mean)")
            #expect(abs(m.variance - 1.0 / 12) < 5 * ((1.0 / 80 - 1.0 / 144) / m.n).squareRoot(),
                    "\(name) variance \(m.variance)")
        }
    }

    /// Kolmogorov–Smirnov distance between the sample's empirical CDF and Φ.
    static func ksDistance(_ sample: [Double]) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 0.5 * (1 + erf(x / 2.0.squareRoot()))
            d = max(d, cdf - Double(i) / n, Double(i + 1) / n - cdf)
        }
        return d
    }

    @Test func normalMomentsAndKolmogorovSmirnov() {
        let n = 1_000_000
        var rng = RandomGenerator(seed: 7_777)
        var doubles = [Double](repeating: 0, count: n)
        doubles.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 0, std: 1) }
        var floats = [Float](repeating: 0, count: n)
        floats.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 3, std: 2) }
        var scalar = RandomGenerator(seed: 8_888)
        let scalarSample = (0..<200_000).map { _ in scalar.normalDouble() }

        for (name, sample) in [("fillNormal Double", doubles), ("fillNormal Float", floats.map { (Double($0) - 3) / 2 }),
                               ("normalDouble", scalarSample)] {
            let m = Self.meanAndVariance(sample)
            // For N(0, 1): SE of the mean 1/√n, of the sample variance √(2/n).
            #expect(abs(m.mean) < 5 / m.n.squareRoot(), "\(name) mean \(m.mean)")
            #expect(abs(m.variance - 1) < 5 * (2 / m.n).squareRoot(), "\(name) variance \(m.variance)")
            let d = Self.ksDistance(sample)
            #expect(d < 1.63 / m.n.squareRoot(), "\(name) KS distance \(d)")
        }
    }
}
