/// Paper 1's constants of a regularized operator F_γ, computed from measured parts (SPEC §3–4):
/// L = L0 + Σ γκ,  μ ≥ min{μθ + Σ_θ γλ0, μφ + Σ_φ γλ0},  EFTP step α = 1/(4L), and the predicted
/// squared-distance factor 1 − μ/(4L) (Gidel et al. 2019, arXiv:1802.10551, Thm 1).
///
/// The paper states the discriminator-only case μ ≥ min{μθ, μφ + γλ0}; a term on the generator
/// (symmetric Tikhonov) adds its curvature to μθ the same way. κ of a term is the Lipschitz constant
/// of its gradient per unit weight (1 for Tikhonov); λ0 the curvature it adds (1 for Tikhonov, the
/// Gramian's smallest non-null eigenvalue for SGP). Terms without a λ0 (WGAN-GP, consensus) add to L
/// but not to μ. With μ ≤ 0 — μθ = 0 and a discriminator-only regularizer, the usual GAN — there is no
/// guaranteed rate, and the calculator says so instead of printing one.
public struct AsymmetricRegularizationBound: Codable, Sendable {
    public struct Term: Codable, Sendable {
        public var name: String
        public var players: [String]
        /// γ.
        public var weight: Double
        /// κ: Lipschitz constant of ∇R per unit γ; nil when not measured (γ = 0).
        public var kappa: Double?
        /// λ0: the curvature the term adds per unit γ; nil when the bound does not cover it.
        public var lambda0: Double?
        public init(name: String, players: [String], weight: Double, kappa: Double?, lambda0: Double?) {
            self.name = name; self.players = players; self.weight = weight; self.kappa = kappa; self.lambda0 = lambda0
        }
    }

    public var L0: Double
    public var muGenerator: Double
    public var muDiscriminator: Double
    public var terms: [Term]

    public init(L0: Double, muGenerator: Double, muDiscriminator: Double, terms: [Term]) {
        self.L0 = L0; self.muGenerator = muGenerator; self.muDiscriminator = muDiscriminator; self.terms = terms
    }

    /// L0 + Σ γκ.
    public var lipschitz: Double { L0 + terms.reduce(0) { $0 + $1.weight * ($1.kappa ?? 0) } }

    /// min{μθ + Σ_θ γλ0, μφ + Σ_φ γλ0}.
    public var strongMonotonicity: Double {
        min(muGenerator + addedCurvature("generator"), muDiscriminator + addedCurvature("discriminator"))
    }

    /// α = 1/(4L).
    public var eftpStepSize: Double { 1 / (4 * lipschitz) }

    /// 1 − μ/(4L) on the squared distance; nil when μ ≤ 0 (no guarantee).
    public var predictedSquaredDistanceFactor: Double? {
        let mu = strongMonotonicity
        return mu > 1e-12 * max(1, lipschitz) ? 1 - mu / (4 * lipschitz) : nil
    }

    /// The curvature the terms add to `player`'s block: Σ γλ0 over the terms on it.
    public func addedCurvature(_ player: String) -> Double {
        terms.filter { $0.players.contains(player) }.reduce(0) { $0 + $1.weight * ($1.lambda0 ?? 0) }
    }

    /// When the measured μ = λmin(sym J) of the regularized operator lies below the bound
    /// ``strongMonotonicity`` (beyond the Lanczos estimates' rounding), one line on why; else nil.
    ///
    /// The bound is exact where sym J has no θ–φ block — a zero-sum game, whose J has off-diagonal
    /// blocks A and −Aᵀ, with penalties on real data only (a penalty on generated samples depends on
    /// θ) — and where each term adds its γλ0 to its block (a gradient penalty's Gauss–Newton
    /// curvature is its Hessian where ∇x D = 0, as at an equilibrium). Elsewhere — non-saturating
    /// losses, a checkpoint away from an equilibrium — μ may lie below it: by Cauchy interlacing,
    /// λmin(sym J) never exceeds a diagonal block's smallest eigenvalue, and equals the smaller one
    /// only without coupling. `blocks` are the regularized operator's measured μθ, μφ.
    public func shortfallNote(measuredMu mu: Double, blocks: (generator: Double, discriminator: Double)) -> String? {
        let bound = strongMonotonicity
        let tolerance = 1e-6 * max(1, abs(bound), lipschitz)
        guard mu < bound - tolerance else { return nil }
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        var why: [String] = []
        if mu < min(blocks.generator, blocks.discriminator) - tolerance {
            why.append("sym J couples θ and φ here (μ is below both blocks' minima μθ = \(f(blocks.generator)), μφ = \(f(blocks.discriminator)))")
        }
        for (player, symbol, base, measured) in [("generator", "μθ", muGenerator, blocks.generator), ("discriminator", "μφ", muDiscriminator, blocks.discriminator)] {
            let added = addedCurvature(player)
            if measured < base + added - tolerance, measured < bound {
                why.append("the regularizers moved \(symbol) from \(f(base)) to \(f(measured)), not up by Σγλ0 = \(f(added))")
            }
        }
        if why.isEmpty { why.append("the Lanczos estimates of μ and of the blocks differ by more than their rounding") }
        return "measured μ = \(f(mu)) lies below this bound: \(why.joined(separator: "; ")). The bound assumes no θ–φ coupling in sym J (a zero-sum game, penalties on real data only) and each penalty's full γλ0 (exact at an equilibrium, where ∇x D = 0), so away from those it is an estimate, not a guarantee"
    }

    /// One line on what the bound guarantees.
    public var verdict: String {
        if let r = predictedSquaredDistanceFactor {
            return "strongly monotone with μ ≥ \(strongMonotonicity): EFTP at α = 1/(4L) contracts the squared distance by at least \(r) per iteration"
        }
        let discriminatorOnly = terms.allSatisfy { $0.players == ["discriminator"] || $0.weight == 0 }
        if abs(muGenerator) <= 1e-12 * max(1, L0) && !discriminatorOnly {
            return "μθ = 0 and no term with a known curvature (λ0) acts on θ, so the bound guarantees no rate"
        }
        if abs(muGenerator) <= 1e-12 * max(1, L0) {
            return "μθ = 0: discriminator-only regularization does not make F strongly monotone, so no rate is guaranteed (convergence, if any, comes from damping the rotation)"
        }
        if muGenerator < 0 && discriminatorOnly {
            return "μθ = \(muGenerator) < 0: the generator's block is not monotone here and discriminator-only regularization cannot change that, so no rate is guaranteed"
        }
        return "μ ≤ \(strongMonotonicity): the bound guarantees no rate"
    }
}
