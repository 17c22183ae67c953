import Games
import Tensors
import Testing
import TestSupport

/// Projections checked by the variational characterization of P_C: p ∈ C and ⟨x − p, y − p⟩ ≤ 0 for
/// every y ∈ C (here: many random y in C), which no projection other than the true one satisfies.
@Suite("Constraint sets and their projections")
struct ConvexSetTests {
    func check(_ set: any ConvexSet, sampleInSet: (inout RandomGenerator) -> Tensor, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for _ in 0..<20 {
            let x = Tensor.normal([7], std: 2, dtype: .float64, using: &rng)
            let p = x.copy()
            set.project(p)
            #expect(set.contains(p, tolerance: 1e-12), "\(set): \(p)")
            for _ in 0..<50 {
                let y = sampleInSet(&rng)
                #expect((x - p).dot(y - p) <= 1e-12, "\(set): projection of \(x) is not optimal")
            }
            // Projecting twice changes nothing.
            let q = p.copy(); set.project(q)
            #expect((q - p).maxAbs() <= 1e-15)
        }
    }

    @Test func box() {
        check(Box(lower: -1, upper: 0.5), sampleInSet: { Tensor.uniform([7], low: -1, high: 0.5, dtype: .float64, using: &$0) }, seed: 1)
    }

    @Test func ball() {
        check(Ball(radius: 1.5), sampleInSet: { rng in
            let y = Tensor.normal([7], dtype: .float64, using: &rng)
            y.scale(by: 1.5 * rng.uniformDouble() / y.norm())
            return y
        }, seed: 2)
    }

    @Test func nonnegativeOrthant() {
        check(NonnegativeOrthant(), sampleInSet: { Tensor.uniform([7], low: 0, high: 3, dtype: .float64, using: &$0) }, seed: 3)
    }

    @Test func simplex() {
        check(Simplex(), sampleInSet: { rng in
            let y = Tensor.uniform([7], low: 0, high: 1, dtype: .float64, using: &rng).exp()   // any positive vector, normalized
            y.scale(by: 1 / y.sum())
            return y
        }, seed: 4)
        // Hand-computed: P_Δ(0.5, 0.5, −1) = (0.5, 0.5, 0); P_Δ(1, 1) = (0.5, 0.5); P_Δ(2, 0) = (1, 0).
        for (x, p) in [([0.5, 0.5, -1], [0.5, 0.5, 0]), ([1, 1], [0.5, 0.5]), ([2, 0], [1, 0])] as [([Double], [Double])] {
            let t = Tensor(x, shape: [x.count]); Simplex().project(t)
            #expect(t.scalars == p)
        }
    }

    @Test func productDomainProjectsEachBlockWithItsSet() {
        var w = BlockVector(generator: [2, -3], discriminator: [3, 4])
        ProductDomain(generator: Box(radius: 1), discriminator: Ball(radius: 1)).project(&w)
        #expect(w[.generator].scalars == [1, -1])
        #expect(abs(w[.discriminator][0] - 0.6) < 1e-15 && abs(w[.discriminator][1] - 0.8) < 1e-15)
    }

    @Test func blockVectorIsCopyOnWrite() {
        let a = BlockVector(generator: [1, 2], discriminator: [3])
        var b = a
        b.axpy(1, a)
        #expect(a.scalars == [1, 2, 3] && b.scalars == [2, 4, 6])
        var c = b
        c.axpy(PerPlayer(generator: 0, discriminator: 10), b)
        #expect(b.scalars == [2, 4, 6] && c.scalars == [2, 4, 66])
    }
}
