import Games

/// Every solver parameter in one place, with documented defaults: what `saddle solve` fills from its
/// flags and writes back (resolved) into the run's config. ``makeSolver()`` validates and builds.
public struct SolverConfiguration: Sendable {
    public var kind: SolverKind
    /// α / λ / η per player (required: no default here; the CLI derives one from L).
    public var stepSize: PerPlayer<Double>
    /// SRFB's δ (default 1/golden ratio).
    public var relaxation: Double = RelaxedForwardBackward.inverseGoldenRatio
    /// k of alternating GDA (default 1).
    public var discriminatorSteps: Int = 1
    /// Adam's β₁, β₂, ε (0.9, 0.999, 1e-8); RMSProp's ρ (0.99).
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    public var decay = 0.99
    /// The batch schedule (nil: the oracle's batch size); SRFB takes it itself, other methods run
    /// under ``BatchScheduled``.
    public var batchSchedule: BatchSchedule? = nil
    /// EFTP / Past-Extra-Adam first step.
    public var eftpFirstStep: ExtrapolationFirstStep = .fieldAtStart
    /// OGDA / Optimistic Adam first step.
    public var optimisticFirstStep: OptimisticFirstStep = .repeatFirst
    /// Optimistic Adam's previous moments.
    public var previousMoments: Adam.PreviousMoments = .biasCorrected
    /// A step-size schedule wrapped around the method (``Scheduled``; nil: constant steps).
    public var stepSizeSchedule: (any StepSizeSchedule)? = nil
    /// Iterate averaging wrapped around the method (nil: none); it averages the scheduled method's output.
    public var averaging: AveragingScheme? = nil
    /// Mirror-GAN / Mirror-Prox-GAN: K, ε, β, preconditioning, opponent order, … (``stepSize`` is γ).
    public var mirrorGAN = MirrorGANOptions()
    /// SGA: λ₀ and whether its sign is aligned (default 1, aligned).
    public var sgaAdjustment = 1.0
    public var sgaAligned = true
    /// CGD: the inner solver, its relative tolerance and its most products per iteration.
    public var cgdLinearSolver = CompetitiveGradient.LinearSolver.automatic
    public var cgdTolerance: Double? = nil
    public var cgdMaxInnerProducts = 200
    /// Anderson-EG: memory m.
    public var andersonMemory = 5
    /// aGRAAL: φ and λ̄ (``stepSize`` is the first step λ₀).
    public var agraalPhi = 1.5
    public var agraalMaxStep = 1e6
    /// Lookahead-minmax around the method (nil: none): k base steps, then the pull-back α.
    public var lookahead: (steps: Int, alpha: Double)? = nil

    public init(kind: SolverKind, stepSize: PerPlayer<Double>) {
        self.kind = kind
        self.stepSize = stepSize
    }

    /// The solver, validated: the method, under its batch schedule, its step-size schedule, and
    /// iterate averaging, in that order from the inside.
    public func makeSolver() throws -> any Solver {
        var solver = try scheduled(try makeBase())
        if let (k, alpha) = lookahead {
            // Lookahead pulls back the iterates; these methods output an average of them instead.
            if [.averagedSRFB, .mirrorDescent, .mirrorProx, .mirrorGAN, .mirrorProxGAN].contains(kind) {
                throw SolverError.unsupportedProblem(method: "lookahead around \(kind.rawValue)", reason: "\(kind.rawValue) outputs an average of its iterates, which a pull-back of the iterates would discard")
            }
            solver = try withLookahead(solver, k, alpha)
        }
        if let schedule = stepSizeSchedule { solver = try withSchedule(solver, schedule) }
        guard let scheme = averaging else { return solver }
        return try wrap(solver, scheme)
    }

    func wrap<S: Solver>(_ s: S, _ scheme: AveragingScheme) throws -> any Solver {
        try Averaged(s, scheme: scheme)
    }

    func withLookahead<S: Solver>(_ s: S, _ k: Int, _ alpha: Double) throws -> any Solver {
        try Lookahead(s, period: k, pullBack: alpha)
    }

    /// The one step size of a method whose theory has one α for both players.
    func commonStep() throws -> Double {
        guard stepSize.generator == stepSize.discriminator else {
            throw SolverError.unsupportedProblem(method: kind.rawValue, reason: "it takes one step size for both players, got \(stepSize.generator) for the generator and \(stepSize.discriminator) for the discriminator")
        }
        try validateStepSize(stepSize)
        return stepSize.generator
    }

    func withSchedule<S: Solver>(_ s: S, _ schedule: any StepSizeSchedule) throws -> any Solver {
        try Scheduled(s, schedule: schedule)
    }

    func adam() throws -> Adam {
        try Adam(stepSize: stepSize, beta1: beta1, beta2: beta2, epsilon: epsilon, previousMoments: previousMoments)
    }

    func makeBase() throws -> any Solver {
        switch kind {
        case .fb: return ForwardBackward(rule: try GradientStep(stepSize: stepSize), kind: .fb)
        case .sgd: return ForwardBackward(rule: try GradientStep(stepSize: stepSize), kind: .sgd)
        case .adam: return ForwardBackward(rule: try adam(), kind: .adam)
        case .rmsprop: return ForwardBackward(rule: try RMSProp(stepSize: stepSize, decay: decay, epsilon: epsilon), kind: .rmsprop)
        case .alternatingGDA: return try AlternatingGradient(stepSize: stepSize, discriminatorSteps: discriminatorSteps)
        case .eg: return ExtraGradient(rule: try GradientStep(stepSize: stepSize), kind: .eg)
        case .extraAdam: return ExtraGradient(rule: try adam(), kind: .extraAdam)
        case .eftp: return ExtrapolationFromThePast(rule: try GradientStep(stepSize: stepSize), firstStep: eftpFirstStep, kind: .eftp)
        case .pastExtraAdam: return ExtrapolationFromThePast(rule: try adam(), firstStep: eftpFirstStep, kind: .pastExtraAdam)
        case .ogda: return OptimisticGradient(rule: try GradientStep(stepSize: stepSize), firstStep: optimisticFirstStep, kind: .ogda)
        case .optimisticAdam: return OptimisticGradient(rule: try adam(), firstStep: optimisticFirstStep, kind: .optimisticAdam)
        case .srfb: return try RelaxedForwardBackward(relaxation: relaxation, stepSize: stepSize, batchSchedule: batchSchedule)
        case .averagedSRFB: return try RelaxedForwardBackward(relaxation: relaxation, stepSize: stepSize, batchSchedule: batchSchedule, averaged: true)
        case .mirrorDescent: return try MirrorDescent(stepSize: stepSize)
        case .mirrorProx: return try MirrorProx(stepSize: stepSize)
        case .mirrorGAN: return try MirrorGAN(stepSize: stepSize, options: mirrorGAN)
        case .mirrorProxGAN: return try MirrorProxGAN(stepSize: stepSize, options: mirrorGAN)
        case .fbf: return try ForwardBackwardForward(stepSize: stepSize)
        case .agraal: return try AdaptiveGoldenRatio(firstStep: try commonStep(), phi: agraalPhi, maxStep: max(agraalMaxStep, stepSize.generator))
        case .eagC: return try AnchoredExtraGradient(.constant, stepSize: try commonStep())
        case .eagV: return try AnchoredExtraGradient(.varying, stepSize: try commonStep())
        case .feg: return try AnchoredExtraGradient(.fast, stepSize: try commonStep())
        case .sga: return try SymplecticGradientAdjustment(rule: try GradientStep(stepSize: stepSize), adjustment: sgaAdjustment, aligned: sgaAligned)
        case .cgd: return try CompetitiveGradient(stepSize: stepSize, linearSolver: cgdLinearSolver, tolerance: cgdTolerance, maxInnerProducts: cgdMaxInnerProducts)
        case .acgd: return try CompetitiveGradient(stepSize: stepSize, linearSolver: cgdLinearSolver, tolerance: cgdTolerance, maxInnerProducts: cgdMaxInnerProducts,
                                                   adaptive: .init(beta2: beta2, epsilon: epsilon))
        case .andersonEG: return try AndersonExtraGradient(stepSize: stepSize, memory: andersonMemory)
        }
    }

    /// The resolved parameters that matter for `kind`, as flat key–value pairs (for config files).
    public var resolvedEntries: [(String, String)] {
        var e: [(String, String)] = [("method", kind.rawValue), ("step_size", "\(stepSize)")]
        switch kind {
        case .srfb, .averagedSRFB:
            e.append(("relaxation", "\(relaxation)"))
            e.append(("batch_schedule", batchSchedule?.description ?? "oracle default"))
        case .alternatingGDA: e.append(("discriminator_steps", "\(discriminatorSteps)"))
        case .eftp: e.append(("first_step", eftpFirstStep.rawValue))
        case .ogda: e.append(("first_step", optimisticFirstStep.rawValue))
        case .rmsprop: e += [("decay", "\(decay)"), ("epsilon", "\(epsilon)")]
        case .sga: e += [("sga_adjustment", "\(sgaAdjustment)"), ("sga_aligned", "\(sgaAligned)")]
        case .cgd, .acgd:
            if kind == .acgd { e += [("beta2", "\(beta2)"), ("epsilon", "\(epsilon)")] }
            e += [("cgd_linear_solver", cgdLinearSolver.rawValue), ("cgd_tolerance", cgdTolerance.map { "\($0)" } ?? "1e-10 (Float64) / 1e-5 (Float32)"), ("cgd_max_inner_products", "\(cgdMaxInnerProducts)")]
        case .andersonEG: e.append(("anderson_memory", "\(andersonMemory)"))
        case .agraal: e += [("agraal_phi", "\(agraalPhi)"), ("agraal_max_step", "\(max(agraalMaxStep, stepSize.generator))")]
        case .mirrorGAN, .mirrorProxGAN:
            e += mirrorGAN.entries
            e.append(("opponent_order", (mirrorGAN.opponentOrder ?? (kind == .mirrorGAN ? OpponentOrder.sequential : .simultaneous)).rawValue))
        case .adam, .extraAdam, .pastExtraAdam, .optimisticAdam:
            e += [("beta1", "\(beta1)"), ("beta2", "\(beta2)"), ("epsilon", "\(epsilon)")]
            if kind == .optimisticAdam { e += [("previous_moments", previousMoments.rawValue), ("first_step", optimisticFirstStep.rawValue)] }
            if kind == .pastExtraAdam { e.append(("first_step", eftpFirstStep.rawValue)) }
        default: break
        }
        if kind != .srfb, kind != .averagedSRFB, let schedule = batchSchedule { e.append(("batch_schedule", schedule.description)) }
        e.append(("lookahead", lookahead.map { "k=\($0.steps),alpha=\($0.alpha)" } ?? "none"))
        e.append(("step_size_schedule", stepSizeSchedule?.description ?? "constant"))
        e.append(("averaging", averaging?.description ?? "none"))
        return e
    }
}
