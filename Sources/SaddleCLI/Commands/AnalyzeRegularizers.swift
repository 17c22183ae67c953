import ArgumentParser
import Saddle

/// The regularizer flags of `saddle analyze`, applied in the order listed here (consensus last, so
/// it squares the field with the others applied).
struct AnalyzeRegularizerOptions: ParsableArguments {
    /// SGP's w_real and w_fake when not given.
    static let defaultSampleWeight = 1.0

    @Option(parsing: .unconditional, help: "Discriminator-only Tikhonov γ: L_D + (γ/2)‖φ‖².")
    var tikhonov: Double?

    @Option(parsing: .unconditional, help: "Symmetric Tikhonov ε (baseline): F + ε(θ, φ).")
    var symmetricTikhonov: Double?

    @Option(parsing: .unconditional, help: "SGP γ, the zero-centered gradient penalty (γ/2)(w_real E_data‖∇x D‖² + w_fake E_fake‖∇x D‖²).")
    var sgp: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("--sgp: the weight w_real ≥ 0 on real samples. (default: \(AnalyzeRegularizerOptions.defaultSampleWeight))", valueName: "w"))
    var realWeight: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("--sgp: the weight w_fake ≥ 0 on fake samples. (default: \(AnalyzeRegularizerOptions.defaultSampleWeight))", valueName: "w"))
    var fakeWeight: Double?

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

    /// Each regularizer flag: its name, its value, and how the library builds it (whose initializer
    /// checks the range).
    private var flags: [(flag: String, value: Double?, make: (Double) throws -> any Regularizer)] {
        let (real, fake) = (realWeight ?? Self.defaultSampleWeight, fakeWeight ?? Self.defaultSampleWeight)
        return [
            ("--tikhonov", tikhonov, { try Tikhonov(on: .discriminator, weight: $0) }),
            ("--symmetric-tikhonov", symmetricTikhonov, { try Tikhonov.symmetric(weight: $0) }),
            ("--sgp", sgp, { try GradientPenalty(real: real, fake: fake, weight: $0) }),
            ("--r1", r1, { try GradientPenalty.r1(weight: $0) }),
            ("--r2", r2, { try GradientPenalty.r2(weight: $0) }),
            ("--wgan-gp", wganGp, { try WassersteinGradientPenalty(weight: $0) }),
            ("--weight-clip", weightClip, { try WeightClipping(bound: $0) }),
            ("--consensus", consensus, { try Consensus(weight: $0) }),
        ]
    }

    /// --real-weight and --fake-weight without --sgp: one warning line each.
    func warnIgnoredWeights() {
        guard sgp == nil else { return }
        for (flag, given) in [("--real-weight", realWeight != nil), ("--fake-weight", fakeWeight != nil)] where given {
            warnIgnored(flag, by: "an analysis without --sgp", usedBy: "--sgp")
        }
    }

    /// Whether any regularizer is asked for.
    var any: Bool { flags.contains { $0.value != nil } }

    /// Every range, as a usage error naming the flag.
    func validate() throws {
        for (flag, weight) in [("--real-weight", realWeight), ("--fake-weight", fakeWeight)] {
            if let w = weight, !(w >= 0 && w.isFinite) { throw ValidationError("\(flag) must be a finite number ≥ 0, got \(w)") }
        }
        _ = try make()
    }

    /// The regularizers; range errors come from the library's initializers, named by their flag.
    func make() throws -> [any Regularizer] {
        try flags.compactMap { flag, value, make in
            guard let value else { return nil }
            guard value.isFinite else { throw ValidationError("\(flag) must be a finite number, got \(value)") }
            do { return try make(value) } catch { throw ValidationError("\(flag) \(value): \(error)") }
        }
    }
}
