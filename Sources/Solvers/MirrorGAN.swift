import Games
import Tensors

/// Which opponent a player's chain faces inside one pass of ``MirrorGAN`` / ``MirrorProxGAN``.
/// The discriminator's chain always runs first.
public enum OpponentOrder: String, Sendable, Codable, CaseIterable {
    /// The generator's chain faces the discriminator the same pass has just produced (Gauss–Seidel).
    /// ``MirrorGAN``'s default (SPEC §5's pseudo-code: θ_{t+1} from w_{t+1}).
    case sequential
    /// The generator's chain faces the pass's designated discriminator (Jacobi): w_t in Mirror-GAN
    /// and in Mirror-Prox-GAN's leading pass, w̃ in its real pass. ``MirrorProxGAN``'s default.
    case simultaneous
}

/// Where each SGLD chain starts.
public enum ChainStart: String, Sendable, Codable, CaseIterable {
    /// At the player's current parameters (the paper's chains start at w⁽¹⁾ ← w_t). Default.
    case current
    /// Where the player's previous chain ended (a persistent chain; ω₀ before the first); the average
    /// and the damping still start from the current parameters.
    case lastSample = "last-sample"
}

/// How the chain's exponential average x̄ becomes the next iterate.
public enum MeanUpdate: String, Sendable, Codable, CaseIterable {
    /// x_{t+1} = (1−β) x_t + β x̄ (the mean approximation's last line). Default.
    case damped
    /// x_{t+1} = x̄ (the other reading of where β sits).
    case average
}

/// The parameters of ``MirrorGAN`` and ``MirrorProxGAN`` besides the SGLD step γ (the solver's
/// per-player step size). Paper 2's own values are not known to us (its experiments' settings were not available); the
/// defaults below are ours, chosen for the synthetic mixtures, and every one can be changed.
public struct MirrorGANOptions: Sendable, Equatable {
    /// K ≥ 1: SGLD steps per chain (default 10).
    public var innerSteps: Int = 10
    /// ε ≥ 0: thermal noise (default 1e-2; the chains target ∝ exp(−L/ε²)).
    public var thermalNoise: Double = 1e-2
    /// β ∈ (0, 1]: exponential damping of the chain's average and of the move towards it (default 0.9).
    public var damping: Double = 0.9
    /// SGLD (default) or RMSProp-preconditioned SGLD (``LangevinPreconditioner/rmspropDefault``).
    public var preconditioner: LangevinPreconditioner = .identity
    /// nil: the method's default (sequential for Mirror-GAN, simultaneous for Mirror-Prox-GAN).
    public var opponentOrder: OpponentOrder? = nil
    public var chainStart: ChainStart = .current
    public var meanUpdate: MeanUpdate = .damped
    /// Seeds the chains' noise (an independent split of this seed's stream, so it never repeats the
    /// oracle's minibatch seeds even when both are given the same number). Default 0.
    public var seed: UInt64 = 0

    public init() {}

    /// The options the command-line and config files set (the rest at their defaults);
    /// `preconditioned` selects ``LangevinPreconditioner/rmspropDefault``.
    public init(innerSteps: Int, thermalNoise: Double, damping: Double, preconditioned: Bool, seed: UInt64) {
        self.innerSteps = innerSteps
        self.thermalNoise = thermalNoise
        self.damping = damping
        self.preconditioner = preconditioned ? .rmspropDefault : .identity
        self.seed = seed
    }

    func validate() throws {
        guard innerSteps >= 1 else { throw SolverError.outOfRange(parameter: "SGLD steps K", value: Double(innerSteps), allowed: "integers ≥ 1") }
        guard damping > 0 && damping <= 1 else { throw SolverError.outOfRange(parameter: "damping β", value: damping, allowed: "(0, 1]") }
        _ = try LangevinSampler(stepSize: 1, thermalNoise: thermalNoise, preconditioner: preconditioner)
    }

    /// Key–value pairs for run configs.
    public var entries: [(String, String)] {
        [("sgld_steps", "\(innerSteps)"), ("thermal_noise", "\(thermalNoise)"), ("damping", "\(damping)"),
         ("preconditioner", preconditioner.description), ("chain_start", chainStart.rawValue),
         ("mean_update", meanUpdate.rawValue), ("sampler_seed", "\(seed)")]
    }
}

/// The state of ``MirrorGAN`` and ``MirrorProxGAN``: everything a checkpoint needs to resume bit for bit.
public struct MirrorGANState: Sendable, Codable {
    /// The noise stream and RMSProp's V of each player's chains (a player's chains share them).
    public var chains: PerPlayer<LangevinState>
    /// Where each player's last chain ended (used by ``ChainStart/lastSample``).
    public var lastSamples: BlockVector
    /// Outer iterations taken.
    public var iterations: Int

    /// The generic check, and each chain's V: empty or one entry per coordinate of its player.
    func validate(at omega: BlockVector) throws {
        try SolverStateValidation.check(self, like: omega)
        for p in Player.allCases where !(chains[p].secondMoment.isEmpty || chains[p].secondMoment.count == omega.sizes[p]) {
            throw SolverStateError(field: "chains.\(p).secondMoment", problem: "\(chains[p].secondMoment.count) entries, expected 0 or \(omega.sizes[p])")
        }
    }
}

/// The machinery both methods share: one player's chain against a fixed opponent.
struct MirrorGANCore: Sendable {
    let stepSize: PerPlayer<Double>
    let options: MirrorGANOptions
    let samplers: PerPlayer<LangevinSampler>

    init(stepSize: PerPlayer<Double>, options: MirrorGANOptions) throws {
        try validateStepSize(stepSize, name: "SGLD step γ")
        try options.validate()
        self.stepSize = stepSize
        self.options = options
        self.samplers = try stepSize.map { try LangevinSampler(stepSize: $0, thermalNoise: options.thermalNoise, preconditioner: options.preconditioner) }
    }

    /// Salt of the noise stream's split ("Lang").
    static let noiseStream: UInt64 = 0x4c61_6e67

    func makeState(at omega: BlockVector) -> MirrorGANState {
        let root = RandomGenerator(seed: options.seed).split(Self.noiseStream)
        return MirrorGANState(chains: PerPlayer(generator: LangevinState(generator: root.split(0)),
                                                discriminator: LangevinState(generator: root.split(1))),
                              lastSamples: omega.copy(), iterations: 0)
    }

    /// Runs `player`'s chain of K SGLD steps on U = L_player(·, opponent) — the opponent's block taken
    /// from `context` — from the player's `current` parameters (or its last sample), keeping the
    /// exponential average from `current`, and returns the next parameters (SPEC §5). Each step asks
    /// the oracle for `player`'s block only: one block evaluation, half an oracle call, one minibatch.
    func chain(_ player: Player, current: Tensor, against context: BlockVector, _ state: inout MirrorGANState,
               _ F: inout Oracle) -> [Double] {
        var z = context.copy()
        let start = options.chainStart == .lastSample ? state.lastSamples[player] : current
        z.withBlock(player) { $0.copy(from: start) }
        var mean = ExponentialChainAverage(start: current, damping: options.damping)
        for _ in 0..<options.innerSteps {
            let g = F.field(at: z, blocks: [player])
            z.withBlock(player) { samplers[player].step($0, gradient: g[player], &state.chains[player]) }
            F.project(&z, player: player)
            mean.include(z[player])
        }
        state.lastSamples.withBlock(player) { $0.copy(from: z[player]) }
        switch options.meanUpdate {
        case .average: return mean.average
        case .damped:
            let beta = options.damping
            return zip(current.scalars, mean.average).map { (1 - beta) * $0 + beta * $1 }
        }
    }

    /// One pass: the discriminator's chain from `start` against `generatorOpponent`'s θ, then the
    /// generator's chain from `start` against `discriminatorOpponent`'s φ (or, sequentially, against
    /// the discriminator just computed). Returns the new point; `start` is unchanged.
    func pass(from start: BlockVector, generatorOpponent: BlockVector, discriminatorOpponent: BlockVector,
              order: OpponentOrder, _ state: inout MirrorGANState, _ F: inout Oracle) -> BlockVector {
        var next = start.copy()
        let phi = chain(.discriminator, current: start[.discriminator], against: generatorOpponent, &state, &F)
        next.withBlock(.discriminator) { write(phi, into: $0) }
        F.project(&next, player: .discriminator)   // a convex combination of points of Φ; guards rounding only
        var opponent = discriminatorOpponent
        if order == .sequential { opponent = opponent.copy(); opponent.withBlock(.discriminator) { $0.copy(from: next[.discriminator]) } }
        let theta = chain(.generator, current: start[.generator], against: opponent, &state, &F)
        next.withBlock(.generator) { write(theta, into: $0) }
        F.project(&next, player: .generator)
        return next
    }
}

/// Writes Float64 values into a tensor of either dtype.
func write(_ values: [Double], into t: Tensor) {
    ensure(values.count == t.count, "write: \(values.count) values into \(t.count) entries")
    switch t.dtype {
    case .float64: let p = t.f64; for i in 0..<values.count { p[i] = values[i] }
    case .float32: let p = t.f32; for i in 0..<values.count { p[i] = Float(values[i]) }
    }
}

/// Mirror-GAN (Hsieh, Liu & Cevher, ICML 2019, arXiv:1811.02002; SPEC §5): approximate entropic mirror
/// descent on mixed strategies, each measure summarized by the mean of an SGLD chain.
///
/// One outer iteration from ω_t = (θ_t, w_t), w the discriminator (φ):
///
///     w̄ ← w_t;  x ← w_t;  repeat K times:  x ← P(x − γ_φ ∇_φ L_D(θ_t, x) + √(2γ_φ) ε ξ);  w̄ ← (1−β) w̄ + β x
///     w_{t+1} = (1−β) w_t + β w̄
///     the same for θ against w_{t+1} (``OpponentOrder/sequential``, default) or w_t (simultaneous)
///
/// (∇_φ L_D and ∇_θ L_G are the blocks of F, so "−γ∇" is SPEC §1's descent on each player's own loss.)
/// Options (``MirrorGANOptions``): K, ε, β, RMSProp preconditioning, opponent order, chain start,
/// the placement of β in the last line, the noise seed. P is the projection onto the player's set,
/// applied after every SGLD step (projected Langevin).
///
/// **Oracle cost.** Every SGLD step evaluates one player's block of F on one minibatch — one
/// *minibatch gradient*, which Saddle's ``Oracle`` counts as one block evaluation, i.e. half an
/// oracle call (SPEC §1–2: an oracle call is both blocks on one minibatch, like an SGD step on both
/// players). An outer iteration spends 2K minibatch gradients = K oracle calls: ``cost`` is K, so an
/// equal oracle budget is an equal budget of minibatch gradients against SGD, Adam and RMSProp
/// (2 per iteration). The output is the last iterate ω (wrap in ``Averaged`` for an average).
public struct MirrorGAN: Solver {
    public typealias State = MirrorGANState
    let core: MirrorGANCore

    /// - Parameters:
    ///   - stepSize: the SGLD step γ, per player.
    /// - Throws: ``SolverError/outOfRange(parameter:value:allowed:)`` naming the bad parameter.
    public init(stepSize: PerPlayer<Double>, options: MirrorGANOptions = MirrorGANOptions()) throws {
        core = try MirrorGANCore(stepSize: stepSize, options: options)
    }

    public var stepSize: PerPlayer<Double> { core.stepSize }
    public var options: MirrorGANOptions { core.options }
    /// The opponent order in effect (``MirrorGANOptions/opponentOrder`` or sequential).
    public var opponentOrder: OpponentOrder { options.opponentOrder ?? .sequential }
    public var kind: SolverKind { .mirrorGAN }
    public func scaled(by factor: Double) -> MirrorGAN? { try? MirrorGAN(stepSize: stepSize.map { $0 * factor }, options: options) }
    public var name: String { kind.rawValue }
    /// K oracle calls = 2K minibatch gradients per iteration.
    public var cost: OracleCost { OracleCost(perIteration: Double(options.innerSteps)) }
    public var warnings: [SolverWarning] { mirrorGANWarnings(options) }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { core.makeState(at: omega) }
    public func validate(_ state: State, at omega: BlockVector) throws { try state.validate(at: omega) }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let next = core.pass(from: omega, generatorOpponent: omega, discriminatorOpponent: omega, order: opponentOrder, &state, &F)
        omega.assign(next)
        state.iterations += 1
    }
}

/// Mirror-Prox-GAN (Hsieh, Liu & Cevher 2019; SPEC §5): the sampling version of entropic mirror-prox.
///
/// From ω_t = (θ_t, w_t), with SGLD_φ(w, θ) the discriminator's chain of ``MirrorGAN`` from w against
/// θ (returning (1−β) w + β w̄) and SGLD_θ(θ, w) the generator's:
///
///     leading pass:  w̃ = SGLD_φ(w_t, θ_t),   θ̃ = SGLD_θ(θ_t, w_t)
///     real pass:     w_{t+1} = SGLD_φ(w_t, θ̃),   θ_{t+1} = SGLD_θ(θ_t, w̃)
///
/// (``OpponentOrder/simultaneous``, the default; `.sequential` lets each pass's generator face that
/// pass's new discriminator: θ̃ = SGLD_θ(θ_t, w̃), θ_{t+1} = SGLD_θ(θ_t, w_{t+1})). Four chains of K
/// steps, each one player's block on one minibatch per step: 4K minibatch gradients = 2K oracle
/// calls per iteration (see ``MirrorGAN`` for the convention). The output is the last iterate ω_{t+1}.
public struct MirrorProxGAN: Solver {
    public typealias State = MirrorGANState
    let core: MirrorGANCore

    public init(stepSize: PerPlayer<Double>, options: MirrorGANOptions = MirrorGANOptions()) throws {
        core = try MirrorGANCore(stepSize: stepSize, options: options)
    }

    public var stepSize: PerPlayer<Double> { core.stepSize }
    public var options: MirrorGANOptions { core.options }
    /// The opponent order in effect (``MirrorGANOptions/opponentOrder`` or simultaneous).
    public var opponentOrder: OpponentOrder { options.opponentOrder ?? .simultaneous }
    public var kind: SolverKind { .mirrorProxGAN }
    public func scaled(by factor: Double) -> MirrorProxGAN? { try? MirrorProxGAN(stepSize: stepSize.map { $0 * factor }, options: options) }
    public var name: String { kind.rawValue }
    /// 2K oracle calls = 4K minibatch gradients per iteration.
    public var cost: OracleCost { OracleCost(perIteration: Double(2 * options.innerSteps)) }
    public var warnings: [SolverWarning] { mirrorGANWarnings(options) }

    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { core.makeState(at: omega) }
    public func validate(_ state: State, at omega: BlockVector) throws { try state.validate(at: omega) }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let leading = core.pass(from: omega, generatorOpponent: omega, discriminatorOpponent: omega, order: opponentOrder, &state, &F)
        let next = core.pass(from: omega, generatorOpponent: leading, discriminatorOpponent: leading, order: opponentOrder, &state, &F)
        omega.assign(next)
        state.iterations += 1
    }
}

func mirrorGANWarnings(_ options: MirrorGANOptions) -> [SolverWarning] {
    options.thermalNoise == 0 ? [SolverWarning("thermal noise ε = 0: the chains are (preconditioned) gradient descent, not samplers")] : []
}
