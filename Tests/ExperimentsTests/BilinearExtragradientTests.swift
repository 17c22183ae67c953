import Testing
import Experiments
import Games
import Tensors

/// W4: one EG iteration on the dense bilinear game is four matrix–vector products (2n² FLOP each,
/// 8n² bytes of A each), and it is the extragradient update.
@Suite("The W4 workload is one extragradient iteration")
struct BilinearExtragradientTests {
    @Test(arguments: [BenchmarkWorkload.w4])  // W4-4000: the same code, n = 4000 (too slow to build for the fast tier)
    func countedWorkAndBytesMatchTheFormula(_ workload: BenchmarkWorkload) {
        let n = workload == .w4 ? 1000.0 : 4000.0
        let step = workload.makeStep(seed: 0, threads: 1)
        let counter = FlopCounter()
        counter.measure { step.step() }
        #expect(abs(counter.flops - 4 * 2 * n * n) / (8 * n * n) < 1e-3, "\(workload.rawValue): \(counter.flops) FLOP")
        #expect(step.bytesStreamed == 4 * 8 * n * n)
    }

    @Test func oneIterationIsTheExtragradientUpdate() {
        let n = 50, eta = 0.1
        let w = BilinearExtragradient(dimension: n, seed: 4, stepSize: eta)
        let a = w.game.matrix, b = w.game.offsets[.generator], c = w.game.offsets[.discriminator]
        func field(_ theta: [Double], _ phi: [Double]) -> ([Double], [Double]) {
            var g = [Double](repeating: 0, count: n), d = [Double](repeating: 0, count: n)
            for i in 0..<n {
                for j in 0..<n {
                    g[i] += a[i, j] * phi[j]
                    d[j] += a[i, j] * theta[i]
                }
            }
            return ((0..<n).map { g[$0] + b[$0] }, (0..<n).map { -(d[$0] + c[$0]) })
        }
        let theta0 = w.point[.generator].scalars, phi0 = w.point[.discriminator].scalars
        let (g, d) = field(theta0, phi0)
        let (g2, d2) = field((0..<n).map { theta0[$0] - eta * g[$0] }, (0..<n).map { phi0[$0] - eta * d[$0] })
        w.step()
        let theta1 = w.point[.generator].scalars, phi1 = w.point[.discriminator].scalars
        for i in 0..<n {
            #expect(abs(theta1[i] - (theta0[i] - eta * g2[i])) < 1e-12)
            #expect(abs(phi1[i] - (phi0[i] - eta * d2[i])) < 1e-12)
        }
        #expect(theta1.contains { $0 != 0 })
    }
}
