import Testing
import TestSupport
import Autodiff
import Experiments
import Tensors

/// W3's product J_F(ω)·v against a central finite difference of F along v, in Float64 at small
/// sizes (the same code path as the Float32 benchmark, with every size shrunk).
@Suite("The W3 workload computes J_F·v")
struct FieldJVPTests {
    /// W3 at small Float64 sizes (`threads` 2: two half-batch JVPs computed at once and added)
    /// against the finite difference of F along the tangent.
    static func checkAgainstFiniteDifferences(seed: UInt64, threads: Int) {
        var c = MixtureGANStep.Configuration()
        c.batch = 16
        c.latent = 4
        c.hidden = 8
        c.seed = seed
        c.threads = threads
        let w = FieldJVP(c, dtype: .float64)
        w.step()
        let fd = FiniteDifferences.directional(of: w.evaluate, at: w.point, along: w.tangent, step: 1e-6)
        for k in 0..<2 {
            #expect(compareEntrywise(w.product[k], fd[k], tolerance: 1e-5, label: "Jv block \(k)") == nil)
        }
        // Not vacuous: both blocks move.
        #expect(w.product[0].maxAbs() > 1e-4 && w.product[1].maxAbs() > 1e-4)
    }

    @Test func jvpMatchesFiniteDifferencesOfTheField() { Self.checkAgainstFiniteDifferences(seed: 5, threads: 1) }

    /// The benchmark's Float32 W3 at full size runs, and its matrix-product work is exactly what
    /// forward-over-reverse costs when zero tangents are skipped, counted here from the layer
    /// sizes alone. With gᵢ, dᵢ the multiply–adds per sample of the generator's and the
    /// discriminator's layer i (G = Σgᵢ, D = Σdᵢ; layer 1 reads the noise or the real data, whose
    /// tangent is zero, and no input gradient is taken there):
    /// - F itself: forward G + 2D (D on real and on fake); ∇θL_G: D's input gradients D, then G's
    ///   weight gradients G and input gradients g₂ + g₃; ∇φL_D: weight gradients D and input
    ///   gradients d₂ + d₃ on each of real and fake.
    /// - the tangent sweep: each product with two varying operands costs two products, one with a
    ///   constant operand (layer 1's input, the data) one: forward g₁ + 2(g₂+g₃) + d₁ + 2(d₂+d₃)
    ///   + 2D; ∇θL_G 2D + g₁ + 2(g₂+g₃) + 2(g₂+g₃); ∇φL_D d₁ + 2(d₂+d₃) + 2(d₂+d₃) + 2D + 2(d₂+d₃).
    /// At W1's sizes: 183,168 + 349,440 multiply–adds per sample, 545.4 MFLOP per product, 2.9 × F's
    /// (the double-VJP trick took 903 MFLOP).
    @Test func float32ProductAtFullSizeIsCounted() {
        let w = BenchmarkWorkload.w3.makeStep(seed: 0, threads: 1) as! FieldJVP
        let counter = FlopCounter()
        counter.measure { w.step() }
        let c = w.configuration
        let gs = [c.latent * c.hidden, c.hidden * c.hidden, c.hidden * c.dataWidth]
        let ds = [c.dataWidth * c.hidden, c.hidden * c.hidden, c.hidden * 1]
        let (g, d) = (gs.reduce(0, +), ds.reduce(0, +))
        let (g23, d23) = (gs[1] + gs[2], ds[1] + ds[2])
        let field = (g + 2 * d) + (d + g + g23) + 2 * (d + d23)
        let tangent = (gs[0] + 2 * g23 + ds[0] + 2 * d23 + 2 * d)
            + (2 * d + gs[0] + 2 * g23 + 2 * g23)
            + (ds[0] + 2 * d23 + 2 * d23 + 2 * d + 2 * d23)
        #expect(field == 183_168 && tangent == 349_440)
        #expect(counter.flops == Double(2 * c.batch * (field + tangent)), "W3: \(counter.flops / 1e6) MFLOP")
        #expect(w.product.count == 2 && w.product.allSatisfy { $0.maxAbs() > 0 && $0.maxAbs().isFinite })
    }
}

/// With two threads W3 is two half-batch JVPs computed at once and added: the same J_F·v.
@Suite("The W3 workload on two threads")
struct FieldJVPHalvesTests {
    @Test func halvesSumToTheFiniteDifference() { FieldJVPTests.checkAgainstFiniteDifferences(seed: 6, threads: 2) }
}
