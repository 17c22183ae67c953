import Testing
import TestSupport
import Autodiff
import Networks
import Tensors

/// The thorough tier's version of the R1 check: many seeds, every activation, deeper and wider
/// discriminators, all against central finite differences in Float64.
@Suite("R1 penalty gradient over many networks — Thorough", .enabled(if: Tier.thorough))
struct GradientPenaltyThoroughTests {
    static let activations: [Activation] = [.leakyRelu(slope: 0.2), .relu, .tanh, .sigmoid, .softplus, .elu]

    @Test(arguments: activations)
    func r1GradientMatchesFiniteDifferences(_ activation: Activation) throws {
        var checked = 0
        for seed in UInt64(0)..<40 where checked < 8 {
            var rng = RandomGenerator(seed: 100 + seed)
            let sizes = seed % 2 == 0 ? [2, 7, 6, 1] : [3, 5, 4, 4, 1]
            let d = MLP(sizes, hidden: activation, dtype: .float64, initializer: .pytorchDefault, using: &rng)
            let x = Tensor.normal([5, sizes[0]], dtype: .float64, using: &rng)
            // Piecewise-linear activations: skip draws with a pre-activation within 1e-3 of the kink.
            if activation == .relu || activation == .leakyRelu(slope: 0.2),
               GradientPenaltyTests.kinkDistance(d, x, slope: activation == .relu ? 0 : 0.2) < 1e-3 { continue }
            let phi = Variable(d.parameters.flat, requiresGradient: true)
            let g = gradients(of: GradientPenaltyTests.r1(d, phi, x, createGraph: true), withRespectTo: [phi])[0].value
            let fd = FiniteDifferences.gradient(of: { ps in GradientPenaltyTests.r1(d, Variable(ps[0]), x, createGraph: false).scalar },
                                                at: [d.parameters.flat])[0]
            #expect(compareEntrywise(g, fd, tolerance: 1e-6, label: "\(activation) seed \(seed) sizes \(sizes)") == nil)
            checked += 1
        }
        #expect(checked == 8)
    }
}
