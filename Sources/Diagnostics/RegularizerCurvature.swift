import Games
import Tensors

/// A regularizer that knows λ₀, the curvature it adds per unit weight to its players' blocks of
/// sym(J) (paper 1's constant; ``AsymmetricRegularizationBound``). ``OperatorAnalysis`` asks every
/// regularizer that adopts this protocol — Saddle's Tikhonov and gradient penalties, or one of
/// your own — and reports λ₀ as unknown for the others.
public protocol RegularizerCurvature: Regularizer {
    /// λ₀ at ω on `base` (the unregularized game), with the spectrum it comes from, or a note on
    /// why it was not computed.
    func curvature(at omega: BlockVector, of base: any Game, options: AnalysisOptions, float32: Bool)
        -> (lambda0: Double?, gramian: GramianSpectrum?, note: String?)
}

extension Tikhonov: RegularizerCurvature {
    /// (γ/2)‖ω_p‖² adds γI to its blocks: λ₀ = 1.
    public func curvature(at omega: BlockVector, of base: any Game, options: AnalysisOptions, float32: Bool)
        -> (lambda0: Double?, gramian: GramianSpectrum?, note: String?) { (1, nil, nil) }
}

extension GradientPenalty: RegularizerCurvature {
    /// λ₀ from the spectrum of the Gauss–Newton Gramian w_real E_data[J_rᵀJ_r] + w_fake E_fake[J_rᵀJ_r]
    /// (an estimate over the evaluation batch for games that sample, with its standard error; the
    /// real and fake estimates come from independent batches, so their variances add with the
    /// squared weights). Not computed above `options.gramianLimit` discriminator parameters.
    public func curvature(at omega: BlockVector, of base: any Game, options: AnalysisOptions, float32: Bool)
        -> (lambda0: Double?, gramian: GramianSpectrum?, note: String?) {
        let m = omega.sizes.discriminator
        guard m <= options.gramianLimit else {
            // The dense nφ × nφ Gramian (and its error estimate) would need 2·8·nφ² bytes.
            return (nil, nil, "λ0 not computed: the dense Gramian of nφ = \(m) parameters exceeds the limit \(options.gramianLimit)")
        }
        guard let game = base as? InputGradientGame else { return (nil, nil, "λ0 not computed: the game has no discriminator input x") }
        let gramian = Tensor.zeros([m, m], dtype: .float64), variance = Tensor.zeros([m, m], dtype: .float64)
        var estimated = false, names: [(name: String, range: Range<Int>)] = [], rankBound = 0
        var expectation = "exact expectation"
        for (set, w) in [(PenaltySamples.real, realWeight), (.fake, fakeWeight)] where w > 0 {
            let e = game.gaussNewtonGramianEstimate(at: omega, on: set)
            gramian.axpy(w, e.mean)
            if let se = e.standardError { estimated = true; variance.axpy(w * w, se * se) }
            names = e.parameterNames
            if let n = e.samples, let d = e.inputWidth {
                rankBound += n * d
                expectation = "mean over the evaluation batch of \(n) samples per set (seed \(e.seed.map { "\($0)" } ?? "?")), not an exact expectation"
            }
        }
        let s = GramianSpectrum(gramian: gramian, parameters: names.isEmpty ? nil : names, rankBound: estimated ? rankBound : nil,
                                expectation: expectation, standardError: estimated ? variance.sqrt() : nil, float32: float32)
        return (s.lambda0, s, nil)
    }
}
