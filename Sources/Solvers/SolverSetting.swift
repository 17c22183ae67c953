/// The settings of ``SolverConfiguration`` beyond the step size, grouped as the methods read them:
/// ``SolverKind/reads(_:)`` says whether a method reads one (as ``SolverConfiguration/makeBase()``
/// builds it), so that a program can tell its user that a setting was given to a method that
/// ignores it (`saddle solve` and `saddle train` print a warning).
public enum SolverSetting: String, CaseIterable, Sendable {
    /// SRFB's relaxation δ.
    case relaxation
    /// Alternating GDA's k.
    case discriminatorSteps
    /// Adam's β₁; β₂ (Adam, ACGD); ε (Adam, RMSProp, ACGD); RMSProp's decay ρ.
    case beta1, beta2, epsilon, decay
    /// EFTP / Past-Extra-Adam's first step; OGDA / Optimistic Adam's first step; Optimistic Adam's
    /// previous moments.
    case eftpFirstStep, optimisticFirstStep, previousMoments
    /// Mirror-GAN / Mirror-Prox-GAN's SGLD chains (K, ε, β, preconditioning).
    case mirrorGAN
    /// SGA's λ₀ and its alignment.
    case sgaAdjustment
    /// CGD / ACGD's inner solver, tolerance and most inner products.
    case competitiveGradient
    /// Anderson-EG's memory.
    case andersonMemory
    /// aGRAAL's φ.
    case agraalPhi
}

extension SolverKind {
    /// Whether this method reads `setting`.
    public func reads(_ setting: SolverSetting) -> Bool {
        let adamFamily: [SolverKind] = [.adam, .extraAdam, .pastExtraAdam, .optimisticAdam]
        switch setting {
        case .relaxation: return [.srfb, .averagedSRFB].contains(self)
        case .discriminatorSteps: return self == .alternatingGDA
        case .beta1: return adamFamily.contains(self)
        case .beta2: return adamFamily.contains(self) || self == .acgd
        case .epsilon: return adamFamily.contains(self) || [.rmsprop, .acgd].contains(self)
        case .decay: return self == .rmsprop
        case .eftpFirstStep: return [.eftp, .pastExtraAdam].contains(self)
        case .optimisticFirstStep: return [.ogda, .optimisticAdam].contains(self)
        case .previousMoments: return self == .optimisticAdam
        case .mirrorGAN: return [.mirrorGAN, .mirrorProxGAN].contains(self)
        case .sgaAdjustment: return self == .sga
        case .competitiveGradient: return [.cgd, .acgd].contains(self)
        case .andersonMemory: return self == .andersonEG
        case .agraalPhi: return self == .agraal
        }
    }

    /// The methods that read `setting`, by name.
    public static func reading(_ setting: SolverSetting) -> [SolverKind] { allCases.filter { $0.reads(setting) } }
}
