import ArgumentParser
import Saddle

/// The regularizer flags of `saddle analyze`, applied in the order listed here (consensus last, so
/// it squares the field with the others applied).
struct AnalyzeRegularizerOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Discriminator-only Tikhonov γ: L_D + (γ/2)‖φ‖².")
    var tikhonov: Double?

    @Option(parsing: .unconditional, help: "Symmetric Tikhonov ε (baseline): F + ε(θ, φ).")
    var symmetricTikhonov: Double?

    @Option(parsing: .unconditional, help: "SGP γ, the zero-centered gradient penalty (γ/2)(w_real E_data‖∇x D‖² + w_fake E_fake‖∇x D‖²).")
    var sgp: Double?

    @Option(parsing: .unconditional, help: "SGP's weight w_real ≥ 0 on real samples.")
    var realWeight: Double = 1

    @Option(parsing: .unconditional, help: "SGP's weight w_fake ≥ 0 on fake samples.")
    var fakeWeight: Double = 1

    @Option(parsing: .unconditional, help: "R1 γ: SGP on real samples only.")
    var r1: Double?

    @Option(parsing: .unconditional, help: "R2 γ: SGP on fake samples only.")
    var r2: Double?

    @Option(parsing: .unconditional, help: "WGAN-GP γ: (γ/2)E(‖∇x D(x̂)‖ − 1)² on interpolates (dirac-gan).")
    var wganGp: Double?

    @Option(parsing: .unconditional, help: "Weight clipping: confine φ to the box [−c, c].")
    var weightClip: Double?

    @Option(parsing: .unconditional, help: "Consensus γ: both players add (γ/2)‖F‖².")
    var consensus: Double?

    /// The regularizers; range errors come from the library's initializers.
    func make() throws -> [any Regularizer] {
        var out: [any Regularizer] = []
        if let g = tikhonov { out.append(try Tikhonov(on: .discriminator, weight: g)) }
        if let e = symmetricTikhonov { out.append(try Tikhonov.symmetric(weight: e)) }
        if let g = sgp { out.append(try GradientPenalty(real: realWeight, fake: fakeWeight, weight: g)) }
        if let g = r1 { out.append(try GradientPenalty.r1(weight: g)) }
        if let g = r2 { out.append(try GradientPenalty.r2(weight: g)) }
        if let g = wganGp { out.append(try WassersteinGradientPenalty(weight: g)) }
        if let c = weightClip { out.append(try WeightClipping(bound: c)) }
        if let g = consensus { out.append(try Consensus(weight: g)) }
        return out
    }
}
