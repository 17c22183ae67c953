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

    /// The benchmark's Float32 W3 at full size runs and its work is counted: between 4 and 6 times
    /// W1's 188 MFLOP (F's two recorded sweeps, then the two sweeps of the double-VJP).
    @Test func float32ProductAtFullSizeIsCounted() {
        let w = BenchmarkWorkload.w3.makeStep(seed: 0, threads: 1) as! FieldJVP
        let counter = FlopCounter()
        counter.measure { w.step() }
        #expect(counter.flops > 4 * 188e6 && counter.flops < 6 * 188e6, "W3: \(counter.flops / 1e6) MFLOP")
        #expect(w.product.count == 2 && w.product.allSatisfy { $0.maxAbs() > 0 && $0.maxAbs().isFinite })
    }
}

/// With two threads W3 is two half-batch JVPs computed at once and added: the same J_F·v.
@Suite("The W3 workload on two threads")
struct FieldJVPHalvesTests {
    @Test func halvesSumToTheFiniteDifference() { FieldJVPTests.checkAgainstFiniteDifferences(seed: 6, threads: 2) }
}
