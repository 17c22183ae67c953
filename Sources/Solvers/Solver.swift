import Games
import Tensors

/// A method for VI(S, F): all its memory is in a value-type `State`, and F comes only from the
/// ``Oracle`` (which counts the calls).
///
/// A step keeps ω in S. `makeState` may spend oracle calls (EFTP's g₋₁ := F(ω₀)); the per-iteration
/// and initial costs are declared in ``cost`` and checked by the test suite's solver walk.
public protocol Solver: Sendable {
    associatedtype State: Sendable & Codable   // all memory; a checkpoint round trip resumes bit for bit
    /// The method's name, as reports and checkpoints spell it (`past-extra-adam`; a solver of your
    /// own names itself: `negative-momentum`). Saddle's built-in methods are listed, with their CLI
    /// aliases, in ``SolverRegistry``.
    var name: String { get }
    /// Declared oracle calls, per iteration and at initialization.
    var cost: OracleCost { get }
    /// Legal settings that lie outside the theory (SRFB's δ < 0.618); the CLI prints them.
    var warnings: [SolverWarning] { get }
    /// The state at ω₀; throws when the method cannot run on this problem (mirror methods need simplices).
    func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State
    /// One iteration: ω ← next iterate, in S.
    func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws
    /// The point the method outputs after a step: ω itself, or an average it keeps (averaged SRFB,
    /// mirror methods, ``Averaged``).
    func output(_ omega: BlockVector, _ state: State) -> BlockVector
    /// Checks a state read from a file (a checkpoint) before it is used at the point `omega`:
    /// throws ``SolverStateError`` naming the field. The default, ``SolverStateValidation/check(_:like:)``,
    /// checks every vector's block sizes, dtype and finiteness and that every integer is ≥ 0; a
    /// method adds what only it knows (array lengths, ranges).
    func validate(_ state: State, at omega: BlockVector) throws
    /// The same method with every step size multiplied by `factor` (> 0), for step-size schedules
    /// (``Scheduled``); nil when the method has no step size to scale (the default).
    func scaled(by factor: Double) -> Self?
}

extension Solver {
    public var warnings: [SolverWarning] { [] }
    public func validate(_ state: State, at omega: BlockVector) throws { try SolverStateValidation.check(state, like: omega) }
    public func scaled(by factor: Double) -> Self? { nil }
    public func output(_ omega: BlockVector, _ state: State) -> BlockVector { omega }
}

/// Declared oracle calls: `perIteration` evaluations of F for every step, `initialization` once in
/// `makeState`, plus the Jacobian products each step takes (``products``), which the game prices in
/// its ``ProductCosts`` (fixed constants, never timed).
///
/// A method with an inner solve (CGD's conjugate gradients) takes a varying number of products:
/// it declares the most a step can take and sets ``productsVary``; the budget observer then plans
/// with that bound and the conformance walk checks "at most".
public struct OracleCost: Sendable, Equatable, CustomStringConvertible {
    public var perIteration: Double
    public var initialization: Double
    /// Jacobian products per iteration (exact, or at most when ``productsVary``).
    public var products: ProductCount
    /// Whether ``products`` is an upper bound rather than the exact count.
    public var productsVary: Bool
    /// The fewest products an iteration takes (``products`` unless they vary): a method with a
    /// varying count fits its work into the calls left under a budget, down to this.
    public var minimumProducts: ProductCount
    public init(perIteration: Double, initialization: Double = 0, products: ProductCount = .none, productsVary: Bool = false,
                minimumProducts: ProductCount? = nil) {
        self.perIteration = perIteration
        self.initialization = initialization
        self.products = products
        self.productsVary = productsVary
        self.minimumProducts = productsVary ? (minimumProducts ?? products) : products
    }
    /// The fewest calls an iteration can take: ``perIteration`` and ``minimumProducts``.
    public func minimumCallsPerIteration(_ costs: ProductCosts) -> Double {
        perIteration + minimumProducts.calls(costs)
    }
    /// Oracle calls per iteration on a problem whose products cost `costs`: F's evaluations plus
    /// the products at their declared prices (the bound, when ``productsVary``).
    public func callsPerIteration(_ costs: ProductCosts) -> Double {
        perIteration + products.calls(costs)
    }
    public var description: String {
        var s = "\(perIteration) per iteration + \(initialization) at start"
        if products != .none { s += ", plus \(productsVary ? "at most " : "")\(products) per iteration" }
        return s
    }
}

/// Numbers of Jacobian products: J·v, Jᵀ·u and player Hessian blocks.
public struct ProductCount: Sendable, Equatable, Codable, CustomStringConvertible {
    public var jvp: Int
    public var vjp: Int
    public var hvp: Int
    public init(jvp: Int = 0, vjp: Int = 0, hvp: Int = 0) { self.jvp = jvp; self.vjp = vjp; self.hvp = hvp }
    public static let none = ProductCount()
    /// Their price in oracle calls.
    public func calls(_ costs: ProductCosts) -> Double { Double(jvp) * costs.jvp + Double(vjp) * costs.vjp + Double(hvp) * costs.hvp }
    public var description: String { "\(jvp) JVP, \(vjp) VJP, \(hvp) HVP" }
}

/// A setting that is legal but outside what the theory covers.
public struct SolverWarning: Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Invalid solver parameters: one line naming the parameter, its value and what is allowed.
public enum SolverError: Error, Equatable, CustomStringConvertible {
    case outOfRange(parameter: String, value: Double, allowed: String)
    case unsupportedDomain(method: String, required: String, found: String)
    case unsupportedProblem(method: String, reason: String)

    public var description: String {
        switch self {
        case .outOfRange(let p, let v, let a): return "\(p) = \(v) is outside \(a)"
        case .unsupportedDomain(let m, let r, let f): return "\(m) needs \(r) for both players, the problem has \(f)"
        case .unsupportedProblem(let m, let r): return "\(m) does not apply: \(r)"
        }
    }
}

/// Checks a step size α > 0 (finite), per player.
func validateStepSize(_ alpha: PerPlayer<Double>, name: String = "step size") throws {
    if alpha.generator == alpha.discriminator, !(alpha.generator > 0 && alpha.generator.isFinite) {
        throw SolverError.outOfRange(parameter: name, value: alpha.generator, allowed: "(0, ∞)")
    }
    for p in Player.allCases where !(alpha[p] > 0 && alpha[p].isFinite) {
        throw SolverError.outOfRange(parameter: "\(name) (\(p))", value: alpha[p], allowed: "(0, ∞)")
    }
}

/// Every method Saddle implements, by its CLI name (SPEC §2).
///
/// ``SolverConfiguration/makeSolver()`` builds each from its parameters; a new method joins the
/// enum and the test suite's `checkSolver` walk covers it.
public enum SolverKind: String, CaseIterable, Sendable, Codable {
    /// Forward–backward: ``ForwardBackward`` with ``GradientStep``.
    case fb
    /// ``AlternatingGradient``: k discriminator steps, then one generator step.
    case alternatingGDA = "alternating-gda"
    /// Extragradient: ``ExtraGradient`` with ``GradientStep``.
    case eg
    /// Extrapolation from the past: ``ExtrapolationFromThePast`` with ``GradientStep``.
    case eftp
    /// Optimistic gradient: ``OptimisticGradient`` with ``GradientStep``.
    case ogda
    /// Stochastic relaxed forward–backward: ``RelaxedForwardBackward``.
    case srfb
    /// ``RelaxedForwardBackward`` outputting the ergodic average.
    case averagedSRFB = "averaged-srfb"
    /// ``ForwardBackward`` with ``GradientStep`` on a stochastic oracle (the same update as `fb`).
    case sgd
    /// ``ForwardBackward`` with ``RMSProp``.
    case rmsprop
    /// ``ForwardBackward`` with ``Adam``.
    case adam
    /// ``ExtraGradient`` with ``Adam``.
    case extraAdam = "extra-adam"
    /// ``ExtrapolationFromThePast`` with ``Adam``.
    case pastExtraAdam = "past-extra-adam"
    /// ``OptimisticGradient`` with ``Adam``.
    case optimisticAdam = "optimistic-adam"
    /// Entropic ``MirrorDescent`` (finite games).
    case mirrorDescent = "mirror-descent"
    /// Entropic ``MirrorProx`` (finite games).
    case mirrorProx = "mirror-prox"
    /// ``MirrorGAN``: K SGLD steps per player and outer iteration, mean approximation (SPEC §5).
    case mirrorGAN = "mirror-gan"
    /// ``MirrorProxGAN``: leading and real passes of ``MirrorGAN``'s chains (SPEC §5).
    case mirrorProxGAN = "mirror-prox-gan"
    /// Tseng's forward–backward–forward: ``ForwardBackwardForward``.
    case fbf
    /// The adaptive golden ratio algorithm: ``AdaptiveGoldenRatio`` (no L needed).
    case agraal
    /// Extra-anchored gradient with a constant step: ``AnchoredExtraGradient`` (EAG-C).
    case eagC = "eag-c"
    /// Extra-anchored gradient with varying steps: ``AnchoredExtraGradient`` (EAG-V).
    case eagV = "eag-v"
    /// Fast extragradient: ``AnchoredExtraGradient`` (FEG).
    case feg
    /// Symplectic gradient adjustment with alignment: ``SymplecticGradientAdjustment``.
    case sga
    /// Competitive gradient descent: ``CompetitiveGradient``.
    case cgd
    /// Adaptive CGD, per-coordinate RMSProp steps: ``CompetitiveGradient`` with ``CompetitiveGradient/Adaptive``.
    case acgd
    /// Extragradient with Anderson mixing: ``AndersonExtraGradient``.
    case andersonEG = "anderson-eg"

    /// Whether the method needs a product of simplices (finite games).
    public var needsSimplex: Bool { self == .mirrorDescent || self == .mirrorProx }
    /// Whether the method samples with Langevin chains (its iterates carry thermal noise).
    public var isSampling: Bool { self == .mirrorGAN || self == .mirrorProxGAN }
    /// Whether the method's theory has no projection (it refuses a constrained problem).
    public var needsUnconstrained: Bool { [.eagC, .eagV, .feg, .sga, .cgd, .acgd].contains(self) }
    /// Whether the method takes Jacobian products of F.
    public var usesJacobianProducts: Bool { [.sga, .cgd, .acgd].contains(self) }
    /// Whether the method uses Adam/RMSProp moments.
    public var isAdaptive: Bool { [.rmsprop, .adam, .extraAdam, .pastExtraAdam, .optimisticAdam, .acgd].contains(self) }
}

/// ω ← P(ω + Δ(g)): the rule's move, then the projection.
@inline(__always)
func applyDisplacement<R: StepRule>(_ omega: inout BlockVector, rule: R, field g: BlockVector, _ state: inout R.State, _ F: Oracle) {
    rule.move(&omega, along: g, &state)
    F.project(&omega)
}

/// ω ← P(ω + d): applies a displacement, then projects.
@inline(__always)
func applyDisplacement(_ omega: inout BlockVector, _ d: BlockVector, _ F: Oracle) {
    omega.axpy(1, d)
    F.project(&omega)
}

/// A solver state that cannot be used: the field (its path in the state) and what is wrong.
public struct SolverStateError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String
    public init(field: String, problem: String) { self.field = field; self.problem = problem }
    public var description: String { "solver state \(field.isEmpty ? "(root)" : field): \(problem)" }
}

/// The generic check behind ``Solver/validate(_:at:)``: a walk over the state's stored properties
/// (by reflection, so a user's solver gets it without writing anything).
public enum SolverStateValidation {
    /// Throws unless every ``BlockVector`` in `state` has `omega`'s block sizes and dtype and finite
    /// entries, every `Tensor`, `Double` and `[Double]` is finite, and every `Int` is ≥ 0.
    public static func check(_ state: Any, like omega: BlockVector) throws {
        try walk(state, path: "", omega: omega, depth: 0)
    }

    static func walk(_ value: Any, path: String, omega: BlockVector, depth: Int) throws {
        guard depth < 32 else { return }
        switch value {
        case let b as BlockVector:
            guard b.sizes == omega.sizes else {
                throw SolverStateError(field: path, problem: "blocks of \(b.sizes.generator) + \(b.sizes.discriminator) entries, expected \(omega.sizes.generator) + \(omega.sizes.discriminator)")
            }
            guard b.dtype == omega.dtype else { throw SolverStateError(field: path, problem: "\(b.dtype) entries, expected \(omega.dtype)") }
            guard b.isFinite else { throw SolverStateError(field: path, problem: "NaN or infinity") }
        case let t as Tensor:
            guard t.isFinite else { throw SolverStateError(field: path, problem: "NaN or infinity") }
        case let d as Double:
            guard d.isFinite else { throw SolverStateError(field: path, problem: "\(d) is not finite") }
        case let a as [Double]:
            guard a.allSatisfy(\.isFinite) else { throw SolverStateError(field: path, problem: "NaN or infinity") }
        case let i as Int:
            guard i >= 0 else { throw SolverStateError(field: path, problem: "\(i) is negative") }
        case is RandomGenerator:
            return   // checked when decoded
        default:
            let mirror = Mirror(reflecting: value)
            for (index, child) in mirror.children.enumerated() {
                let name = child.label.map { $0 == "some" ? "" : $0 } ?? "\(index)"
                try walk(child.value, path: name.isEmpty ? path : (path.isEmpty ? name : path + "." + name), omega: omega, depth: depth + 1)
            }
        }
    }
}
