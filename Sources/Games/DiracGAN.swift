import Tensors
import RealModule

/// The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do actually
/// converge?", arXiv:1801.04406): data δ₀, generator δ_θ, discriminator D_ψ(x) = ψx.
///
/// L(θ, ψ) = f(ψθ) + f(0), the generator minimizes and the discriminator maximizes it:
/// - `.standard`: f(t) = −log(1 + e^−t); F = (ψ f'(ψθ), −θ f'(ψθ)), f'(t) = σ(−t), f'(0) = 1/2.
/// - `.nonSaturating`: the generator minimizes −f(−ψθ) instead; F_θ = ψ f'(−ψθ).
/// - `.wasserstein`: f(t) = t; F = (ψ, −θ), the scalar bilinear game; `clip` makes Ψ = [−c, c].
/// A discriminator-only Tikhonov term (γ/2)ψ² (which here equals R1 in SPEC §3's (γ/2)E‖∇D‖²
/// convention) adds γψ to F_ψ; J at 0 is [[0, f'(0)], [−f'(0), γ]] with eigenvalues
/// γ/2 ± √(γ²/4 − f'(0)²). The equilibrium is (0, 0); the default start is (1, 1) (GAN_stability's).
public struct DiracGAN: Game {
    public enum Loss: String, CaseIterable, Sendable { case standard, nonSaturating = "non-saturating", wasserstein }
    public let loss: Loss
    /// γ ≥ 0 of the discriminator-only Tikhonov / R1 term (default 0).
    public let penaltyWeight: Double
    public let domain: ProductDomain
    public let initialPoint: BlockVector

    public init(loss: Loss = .standard, penaltyWeight: Double = 0, clip: Double? = nil, start: (Double, Double) = (1, 1)) {
        ensure(penaltyWeight >= 0, "DiracGAN: negative penalty weight \(penaltyWeight)")
        self.loss = loss
        self.penaltyWeight = penaltyWeight
        self.domain = ProductDomain(generator: Unconstrained(), discriminator: clip.map { Box(radius: $0) as any ConvexSet } ?? Unconstrained())
        self.initialPoint = BlockVector(generator: [start.0], discriminator: [start.1])
    }

    public var name: String { "dirac-gan" }
    public var sizes: PerPlayer<Int> { PerPlayer(1) }
    public var equilibrium: BlockVector? { BlockVector(generator: [0], discriminator: [0]) }
    /// An upper bound: |f'| ≤ 1 and |f''| ≤ 1/4 give ‖J‖ ≤ 1 + γ near the equilibrium (exact for WGAN).
    public var lipschitzConstant: Double? { 1 + penaltyWeight }

    static func fPrime(_ t: Double) -> Double { 1 / (1 + Double.exp(t)) }   // σ(−t)
    static func f(_ t: Double) -> Double { t > 0 ? -Double.log(1 + Double.exp(-t)) : t - Double.log(1 + Double.exp(t)) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        let theta = omega[.generator][0], psi = omega[.discriminator][0]
        var ft = 0.0, fp = 0.0
        switch loss {
        case .standard:
            ft = psi * Self.fPrime(psi * theta); fp = -theta * Self.fPrime(psi * theta)
        case .nonSaturating:
            ft = psi * Self.fPrime(-psi * theta); fp = -theta * Self.fPrime(psi * theta)
        case .wasserstein:
            ft = psi; fp = -theta
        }
        fp += penaltyWeight * psi
        return BlockVector(generator: [blocks.contains(.generator) ? ft : 0], discriminator: [blocks.contains(.discriminator) ? fp : 0])
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let theta = omega[.generator][0], psi = omega[.discriminator][0]
        let f: (Double) -> Double = loss == .wasserstein ? { $0 } : Self.f
        let l = f(psi * theta) + f(0)
        let lg = loss == .nonSaturating ? -f(-psi * theta) : l
        return PerPlayer(generator: lg, discriminator: -l + penaltyWeight / 2 * psi * psi)
    }
}

/// The Gaussian-location game of SPEC §3: data N(m, 1), G_θ(z) = θ + z with z ~ N(0, 1),
/// D_ψ(x) = ψ₁x + ψ₂x², WGAN payoff V = E_data D − E_fake D = ψ₁(m − θ) + ψ₂(m² − θ²).
///
/// The generator minimizes V, the discriminator minimizes −V + (γ/2)[w_real E_data‖∇x D‖² +
/// w_fake E_fake‖∇x D‖²] + (τ/2)‖ψ‖² (SGP in the (γ/2) convention, plus an optional Tikhonov τ).
/// With r = ψ₁ + 2ψ₂x: ∇ψ E_x (r²/2) = E[r (1, 2x)], so the penalty adds γ(w_real J_m + w_fake J_θ)ψ
/// to F_ψ, J_μ = [[1, 2μ], [2μ, 4(μ² + 1)]] (the Gauss–Newton Gramian at mean μ). Hence
/// F = (−ψ₁ − 2ψ₂θ, (θ − m, θ² − m²) + γ(w_real J_m + w_fake J_θ)ψ + τψ). Without penalties the
/// stationary points form the line θ = m, ψ₁ + 2mψ₂ = 0; the reported equilibrium is (m, 0, 0),
/// the unique one when γ > 0 (and a Nash equilibrium for every γ ≥ 0). Start (0, 0, 0).
public struct GaussianLocationGame: Game {
    public let mean: Double
    public let penaltyWeight: Double
    public let penaltyWeights: (real: Double, fake: Double)
    public let tikhonov: Double
    public let domain: ProductDomain = .unconstrained
    public let initialPoint: BlockVector

    public init(mean m: Double = 1, penaltyWeight gamma: Double = 0, real: Double = 1, fake: Double = 1, tikhonov: Double = 0,
                start: [Double] = [0, 0, 0]) {
        ensure(gamma >= 0 && real >= 0 && fake >= 0 && tikhonov >= 0, "GaussianLocationGame: negative weight")
        ensure(start.count == 3, "GaussianLocationGame: start needs (θ, ψ₁, ψ₂)")
        mean = m; penaltyWeight = gamma; penaltyWeights = (real, fake); self.tikhonov = tikhonov
        initialPoint = BlockVector(generator: [start[0]], discriminator: [start[1], start[2]])
    }

    public var name: String { "gaussian-location" }
    public var sizes: PerPlayer<Int> { PerPlayer(generator: 1, discriminator: 2) }
    public var equilibrium: BlockVector? { BlockVector(generator: [mean], discriminator: [0, 0]) }

    public func field(at omega: BlockVector, blocks: Set<Player>, sample: SampleRequest) -> BlockVector {
        let theta = omega[.generator][0], p1 = omega[.discriminator][0], p2 = omega[.discriminator][1]
        let m = mean
        var g1 = theta - m, g2 = theta * theta - m * m
        func gramian(_ mu: Double, _ w: Double) {
            g1 += penaltyWeight * w * (p1 + 2 * mu * p2)
            g2 += penaltyWeight * w * (2 * mu * p1 + 4 * (mu * mu + 1) * p2)
        }
        gramian(m, penaltyWeights.real)
        gramian(theta, penaltyWeights.fake)
        g1 += tikhonov * p1; g2 += tikhonov * p2
        let gt = -p1 - 2 * p2 * theta
        return BlockVector(generator: [blocks.contains(.generator) ? gt : 0],
                           discriminator: blocks.contains(.discriminator) ? [g1, g2] : [0, 0])
    }

    public func losses(at omega: BlockVector) -> PerPlayer<Double> {
        let theta = omega[.generator][0], p1 = omega[.discriminator][0], p2 = omega[.discriminator][1]
        let v = p1 * (mean - theta) + p2 * (mean * mean - theta * theta)
        func penalty(_ mu: Double) -> Double { (p1 + 2 * p2 * mu) * (p1 + 2 * p2 * mu) + 4 * p2 * p2 }  // E r², x ~ N(μ, 1)
        let r = penaltyWeight / 2 * (penaltyWeights.real * penalty(mean) + penaltyWeights.fake * penalty(theta))
        return PerPlayer(generator: v, discriminator: -v + r + tikhonov / 2 * (p1 * p1 + p2 * p2))
    }
}

extension DiracGAN {
    /// The standard and Wasserstein losses are one saddle function f = L − (γ/2)ψ² (the penalty acts on
    /// ψ alone, so J_φθ = −J_θφᵀ still); the non-saturating generator loss is not.
    public var isZeroSum: Bool { loss != .nonSaturating }
}
