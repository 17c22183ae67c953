import Tensors

/// Dirac-GAN: D_ψ(x) = ψx, so r = ∇x D = ψ at every x and J_r = 1: on real (x = 0), fake (x = θ) and
/// interpolated samples alike, ½E‖r‖² = ψ²/2 with gradient ψ, the Gramian is [[1]], and the
/// one-centered penalty ½(|ψ| − c)² has gradient (|ψ| − c) sign ψ (0 at ψ = 0, a subgradient).
extension DiracGAN: InputGradientGame {
    public func inputGradientPenalty(at omega: BlockVector, on samples: PenaltySamples) -> (value: Double, gradient: Tensor) {
        let psi = omega[.discriminator][0]
        return (psi * psi / 2, Tensor([psi], shape: [1]))
    }

    public func gaussNewtonGramian(at omega: BlockVector, on samples: PenaltySamples) -> Tensor {
        Tensor([1], shape: [1, 1])
    }

    public func interpolatePenalty(at omega: BlockVector, target c: Double) -> (value: Double, gradient: Tensor)? {
        let psi = omega[.discriminator][0]
        let sign: Double = psi > 0 ? 1 : (psi < 0 ? -1 : 0)
        return ((abs(psi) - c) * (abs(psi) - c) / 2, Tensor([(abs(psi) - c) * sign], shape: [1]))
    }
}

/// Gaussian-location game: r = ψ₁ + 2ψ₂x with x ∼ N(μ, 1) (μ = m for real samples, θ for fake), so
/// J_r = (1, 2x) and, exactly, E r² = (ψ₁ + 2μψ₂)² + 4ψ₂², E[J_rᵀ r] = J_μ ψ and
/// E[J_rᵀ J_r] = J_μ = [[1, 2μ], [2μ, 4(μ² + 1)]] (SPEC §3). No closed form on interpolates.
extension GaussianLocationGame: InputGradientGame {
    func sampleMean(_ omega: BlockVector, _ samples: PenaltySamples) -> Double {
        samples == .real ? mean : omega[.generator][0]
    }

    public func inputGradientPenalty(at omega: BlockVector, on samples: PenaltySamples) -> (value: Double, gradient: Tensor) {
        let mu = sampleMean(omega, samples), p1 = omega[.discriminator][0], p2 = omega[.discriminator][1]
        let a = p1 + 2 * mu * p2
        return ((a * a + 4 * p2 * p2) / 2, Tensor([a, 2 * mu * p1 + 4 * (mu * mu + 1) * p2], shape: [2]))
    }

    public func gaussNewtonGramian(at omega: BlockVector, on samples: PenaltySamples) -> Tensor {
        let mu = sampleMean(omega, samples)
        return Tensor([1, 2 * mu, 2 * mu, 4 * (mu * mu + 1)], shape: [2, 2])
    }

    public func interpolatePenalty(at omega: BlockVector, target c: Double) -> (value: Double, gradient: Tensor)? { nil }
}
