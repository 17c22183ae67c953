import Autodiff
import Experiments
import Games
import Networks
import Runs
import Solvers
import Tensors
import Testing
import TestSupport

/// W6 and W6-R1: one GDA step of the DCGAN, its FLOPs counted from the layer sizes.
@Suite("W6: the DCGAN workload")
struct DCGANWorkloadTests {
    /// The step's matrix products, listed GEMM by GEMM as (M, N, K) per shard of 32 from each
    /// layer's geometry, against ``BenchmarkWorkload/dcganStepFlops(batch:r1:)`` and against the
    /// FlopCounter's count of an actual step.
    @Test(arguments: [BenchmarkWorkload.w6, .w6R1])
    func flopsMatchTheLayerSizes(_ workload: BenchmarkWorkload) throws {
        let n = 32  // samples per shard; two shards
        // Each layer's forward GEMM (M, N, K); its input-gradient and weight-gradient GEMMs are
        // the same three numbers in another order. Convolutions: W [Cout, Cin·k²] · columns
        // [Cin·k², n·Ho·Wo]; transposed ones: Wᵀ [Cin_conv·k², Cout_conv] · [Cout_conv, n·H·W];
        // dense: x [n, in] · Wᵀ [in, out].
        let gfc = (n, 6272, 64), deconv1 = (64 * 16, n * 7 * 7, 128), deconv2 = (1 * 16, n * 14 * 14, 64)
        let conv1 = (64, n * 14 * 14, 1 * 16), conv2 = (128, n * 7 * 7, 64 * 16), dfc = (n, 1, 6272)
        let generator = [gfc, deconv1, deconv2], discriminator = [conv1, conv2, dfc]
        var products: [(Int, Int, Int)] = []
        products += generator + discriminator + discriminator            // forward: G(z), D(x), D(G(z))
        products += discriminator                                          // ∇θ L_G: D's input gradients
        products += generator + [deconv1, deconv2]                        //   G's weight and input gradients
        for _ in 0..<2 { products += discriminator + [conv2, dfc] }        // ∇φ L_D on real and on fake
        if workload == .w6R1 {
            products += discriminator                                      // ∇x D(x) on the real samples
            products += discriminator + [conv1, conv2]                     // its φ-derivative
        }
        let perShard = products.reduce(0.0) { $0 + 2 * Double($1.0) * Double($1.1) * Double($1.2) }
        let formula = BenchmarkWorkload.dcganStepFlops(batch: 64, r1: workload == .w6R1)
        #expect(formula == 2 * perShard)
        #expect(formula == (workload == .w6 ? 8_534_736_896 : 11_079_663_616))
        let step = try workload.makeStep(seed: 0, threads: 1)
        let counter = FlopCounter()
        counter.measure { step.step() }
        #expect(counter.flops == formula, "\(workload.rawValue): counted \(counter.flops), formula \(formula)")
    }

    /// One W6 step is ω₁ = ω₀ − αF(ω₀) with F the regularized game's exact field (its fixed batch,
    /// two shards), moves both players, and gives the same bits on 1 and 2 threads.
    @Test func oneStepIsSimultaneousGradientDescent() throws {
        let game = try BenchmarkWorkload.dcgan(r1: nil, seed: 3, threads: 1)
        let omega0 = game.initialPoint.copy()
        let field = game.exactField(at: omega0)
        try WorkloadTests.checkGradientStep(.w6, seed: 3, from: omega0, field: field)
        #expect(field[.generator].maxAbs() > 1e-4 && field[.discriminator].maxAbs() > 1e-4)
    }
}
