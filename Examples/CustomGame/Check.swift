import Foundation
import Saddle

/// The R1 part of the discriminator's field on these networks against central differences of the
/// penalty itself, in Float64: F_φ(γ) − F_φ(0) = γ ∇φ ½ mean‖∇x D(x)‖², with ∇x D by differences
/// in x and the outer gradient by differences in φ (independent of Saddle's autodiff). Prints the
/// largest relative error and exits 1 above 1e-5.
func checkR1() {
    var rng = RandomGenerator(seed: 3)
    let g = SkipGenerator(latent: 3, hidden: 5, width: 2, dtype: .float64, using: &rng)
    let d = SkipDiscriminator(width: 2, hidden: 5, dtype: .float64, using: &rng)
    let gan = NeuralGAN(generator: g, discriminator: d, batchSize: 6, stochastic: false) { rng, n in
        Tensor.normal([n, 2], mean: 0.4, dtype: .float64, using: &rng)
    }
    let gamma = 0.7
    guard let r1 = try? GradientPenalty.r1(weight: gamma), let game = try? Regularized(gan, by: [r1]) else { fatalError("R1 refused the game") }
    let omega = game.initialPoint
    let x = gan.evaluationBatch.real
    func penalty(_ phi: Tensor) -> Double {
        let p = Variable(phi)
        func dOut(_ x: Tensor) -> Tensor { GradientRecording.withoutRecording { d(Variable(x), parameters: p).value } }
        var total = 0.0
        let h = 1e-5
        for i in 0..<x.shape[0] {
            for k in 0..<2 {
                let xp = x.copy(), xm = x.copy()
                xp[i, k] += h; xm[i, k] -= h
                let gi = (dOut(xp)[i] - dOut(xm)[i]) / (2 * h)
                total += gi * gi
            }
        }
        return 0.5 * total / Double(x.shape[0])
    }
    let autodiff = game.exactField(at: omega)[.discriminator] - gan.exactField(at: omega)[.discriminator]
    var worst = 0.0
    let phi = omega[.discriminator]
    for j in 0..<phi.count {
        let plus = phi.copy(), minus = phi.copy(), step = 1e-4
        plus[j] += step; minus[j] -= step
        let reference = gamma * (penalty(plus) - penalty(minus)) / (2 * step)
        worst = max(worst, abs(autodiff[j] - reference) / max(1, abs(reference)))
    }
    print("R1 gradient on the custom discriminator: max relative error \(worst) over \(phi.count) parameters")
    if worst > 1e-5 { exit(1) }
}
