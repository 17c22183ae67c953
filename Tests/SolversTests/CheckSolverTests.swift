import Foundation
import Games
import Solvers
import Tensors
import Testing
import TestSupport

/// The conformance walk over every ``SolverKind`` (STYLE §2 `checkSolver`): the counter matches the
/// declared cost, ω stays in S, the same seed gives the same bits, and the method converges on a
/// strongly monotone quadratic game (mirror methods: their gap falls on a finite game).
@Suite("checkSolver: every SolverKind")
struct CheckSolverTests {
    static func configuration(_ kind: SolverKind, step: Double? = nil) -> SolverConfiguration {
        let alpha = step ?? (kind.needsSimplex ? 0.5 : kind.isAdaptive ? 0.01 : 0.1)
        var c = SolverConfiguration(kind: kind, stepSize: PerPlayer(alpha))
        c.relaxation = 0.7
        c.discriminatorSteps = 2
        return c
    }

    static func problem(for kind: SolverKind, box: Bool = false) -> any VariationalInequality {
        if kind.needsSimplex { return MatrixGame.random(rows: 6, columns: 5, seed: 3) }
        return QuadraticGame(dimension: 3, generatorCurvature: 1, discriminatorCurvature: 0.5, coupling: 1, seed: 2,
                             domain: box ? ProductDomain(Box(radius: 0.3)) : .unconstrained)
    }

    /// The public walk (``SolverConformance``) on every built-in method: costs, S, seeds, checkpoints.
    @Test(arguments: SolverKind.allCases)
    func conformanceWalk(kind: SolverKind) throws {
        let plain = try Self.configuration(kind).makeSolver()
        #expect(SolverConformance.check(plain, on: Self.problem(for: kind)).isEmpty, "\(SolverConformance.check(plain, on: Self.problem(for: kind)))")
        // Large steps on a box: the projections are exercised (methods without projections refuse a box instead).
        let bold = try Self.configuration(kind, step: kind.needsSimplex ? 2 : kind.isAdaptive ? 0.1 : 0.5).makeSolver()
        let failures = SolverConformance.check(bold, on: Self.problem(for: kind, box: true), iterations: 25)
        if kind.needsUnconstrained {
            #expect(failures.count == 1 && failures[0].contains("unconstrained"), "\(failures)")
        } else {
            #expect(failures.isEmpty, "\(failures)")
        }
        // The wrappers' nested states: Lookahead, a step-size schedule and averaging around the method.
        var config = Self.configuration(kind)
        config.averaging = .exponential(decay: 0.9)
        config.stepSizeSchedule = try LinearDecay(start: 3, end: 12, final: 0.1)
        // Lookahead pulls back iterates; methods that output an average refuse it (tested in MethodsCommandTests).
        if ![.averagedSRFB, .mirrorDescent, .mirrorProx, .mirrorGAN, .mirrorProxGAN].contains(kind) { config.lookahead = (3, 0.5) }
        let wrapped = try config.makeSolver()
        let nested = SolverConformance.check(wrapped, on: Self.problem(for: kind))
        #expect(nested.isEmpty, "\(nested)")
    }

    /// A method whose declared cost is wrong fails the walk (the walk can fail).
    @Test func theWalkCatchesAWrongDeclaredCost() throws {
        struct Liar: Solver {
            struct State: Sendable, Codable {}
            let inner = ExtraGradient(rule: try! GradientStep(stepSize: 0.1))
            var name: String { "liar" }
            var cost: OracleCost { OracleCost(perIteration: 1) }   // EG spends 2
            func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State() }
            func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
                var s = try inner.makeState(at: omega, &F)
                try inner.step(&omega, &s, &F)
            }
        }
        let failures = SolverConformance.check(Liar(), on: Self.problem(for: .eg))
        #expect(failures.contains { $0.contains("declared") }, "\(failures)")
    }

    /// Converges on the strongly monotone quadratic (μ = 0.5, L ≈ 2): gradient methods to 1e-8 of
    /// the start distance in 3,000 iterations; Adam-type methods at α = 0.003 (constant step: they
    /// hover at a scale set by α and ε, and RMSProp, without momentum, stalls near 5e-3) and averaged
    /// SRFB (an O(1/K) average) to 5e-2.
    @Test(arguments: SolverKind.allCases.filter { !$0.needsSimplex })
    func convergesOnAStronglyMonotoneQuadratic(kind: SolverKind) throws {
        let problem = Self.problem(for: kind)
        let solver = try Self.configuration(kind, step: kind.isAdaptive ? 0.003 : 0.1).makeSolver()
        let result = try solve(problem, withAny: solver, stopping: StoppingRule(iterations: 3000))
        let ratio = result.final.distance! / result.initial.distance!
        // Langevin methods (default ε = 1e-2) settle in an O(ε) ball around ω*, of radius 0.03–0.05
        // here (≈ 0.06 of the start distance for Mirror-Prox-GAN; MirrorGANTests predicts it exactly).
        // Anchored methods converge like 1/k even here: their pull toward ω₀ fades only as 1/k (≈ 0.0037 at k = 3000).
        let anchored: Set<SolverKind> = [.eagC, .eagV, .feg]
        let required = kind.isSampling ? 0.1 : (kind.isAdaptive || kind == .averagedSRFB) ? 5e-2 : anchored.contains(kind) ? 1e-2 : 1e-8
        #expect(ratio < required, "\(kind.rawValue): final/initial distance \(ratio)")
    }

    @Test(arguments: [SolverKind.mirrorDescent, .mirrorProx])
    func mirrorMethodsReduceTheGap(kind: SolverKind) throws {
        let problem = Self.problem(for: kind)
        let result = try solve(problem, withAny: try Self.configuration(kind, step: 0.1).makeSolver(), stopping: StoppingRule(iterations: 2000))
        #expect(result.final.gap! < 0.05 * result.initial.gap!, "\(kind.rawValue): gap \(result.initial.gap!) → \(result.final.gap!)")
        #expect(result.final.gap! >= -1e-12)
    }

    @Test func mirrorMethodsRejectNonSimplexDomains() throws {
        for kind in [SolverKind.mirrorDescent, .mirrorProx] {
            #expect(throws: SolverError.self) {
                try solve(BilinearGame.scalar(), withAny: try Self.configuration(kind).makeSolver(), stopping: StoppingRule(iterations: 1))
            }
        }
    }

    @Test func invalidParametersThrowWithTheAllowedRange() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try GradientStep(stepSize: -0.1) }.contains("(0, ∞)"))
        #expect(message { _ = try GradientStep(stepSize: .nan) }.contains("(0, ∞)"))
        for delta in [-0.1, 1.0, 1.5] {
            #expect(message { _ = try RelaxedForwardBackward(relaxation: delta, stepSize: PerPlayer(0.1)) }.contains("[0, 1)"))
        }
        #expect(message { _ = try AlternatingGradient(stepSize: PerPlayer(0.1), discriminatorSteps: 0) }.contains("≥ 1"))
        #expect(message { _ = try Adam(stepSize: PerPlayer(0.1), beta1: 1) }.contains("[0, 1)"))
        #expect(message { _ = try BatchSchedule.growing(c: 1, k0: 0, a: 1).validate() }.contains("[1, ∞)"))
        #expect(message { _ = try Averaged(ForwardBackward(rule: try GradientStep(stepSize: 0.1)), scheme: .exponential(decay: 1)) }.contains("[0, 1)"))
    }

    @Test func relaxationBelowTheTheoryRangeWarns() throws {
        #expect(try RelaxedForwardBackward(relaxation: 0.5, stepSize: PerPlayer(0.1)).warnings.count == 1)
        #expect(try RelaxedForwardBackward(relaxation: 0.0, stepSize: PerPlayer(0.1)).warnings.count == 1)
        #expect(try RelaxedForwardBackward(relaxation: 0.618034, stepSize: PerPlayer(0.1)).warnings.isEmpty)
        #expect(try RelaxedForwardBackward(relaxation: 0.99, stepSize: PerPlayer(0.1)).warnings.isEmpty)
    }

    @Test func batchSchedules() {
        #expect(BatchSchedule.constant(5).size(at: 100) == 5)
        // ⌈c (k + k0)^(a+1)⌉ with c = 0.5, k0 = 1, a = 1: k = 0 → ⌈0.5⌉ = 1, k = 2 → ⌈4.5⌉ = 5, k = 9 → 50.
        let s = BatchSchedule.growing(c: 0.5, k0: 1, a: 1)
        #expect([0, 2, 9].map { s.size(at: $0) } == [1, 5, 50])
    }

    @Test func perPlayerStepSizesActOnTheirBlocks() throws {
        // FB on θφ from (2, 0.5) with α_θ = 0.1, α_φ = 0.3: θ₁ = 2 − 0.1·0.5, φ₁ = 0.5 + 0.3·2.
        var F = Oracle(rotation())
        let solver = ForwardBackward(rule: try GradientStep(stepSize: PerPlayer(generator: 0.1, discriminator: 0.3)))
        var w = rotation().initialPoint.copy(), s = try solver.makeState(at: w, &F)
        try solver.step(&w, &s, &F)
        #expect(w.scalars == [2 - 0.1 * 0.5, 0.5 + 0.3 * 2])
    }

    @Test func averagingWrapper() throws {
        // Uniform: the mean of ω₁ … ω_T; EMA: β-weighted from ω₀; debiased EMA: no weight on ω₀. FB on θφ, three steps, by hand.
        let fb = ForwardBackward(rule: try GradientStep(stepSize: 0.5))
        var iterates = [(2.0, 0.5)]
        for _ in 0..<3 { let (t, p) = iterates.last!; iterates.append((t - 0.5 * p, p + 0.5 * t)) }
        for (scheme, expected) in [(AveragingScheme.uniform,
                                    ((iterates[1].0 + iterates[2].0 + iterates[3].0) / 3, (iterates[1].1 + iterates[2].1 + iterates[3].1) / 3)),
                                   (.exponential(decay: 0.9), {
                                       var a = iterates[0]
                                       for k in 1...3 { a = (0.9 * a.0 + 0.1 * iterates[k].0, 0.9 * a.1 + 0.1 * iterates[k].1) }
                                       return a
                                   }()),
                                   // Debiased: the closed-form weights (1 − β)β^(T−i)/(1 − β^T) on ω₁ … ω_T, none on ω₀.
                                   (.exponential(decay: 0.9, debiased: true), {
                                       let z = 1 - 0.9 * 0.9 * 0.9
                                       let w = (1...3).map { 0.1 * Foundation.pow(0.9, Double(3 - $0)) / z }
                                       return ((1...3).reduce(0.0) { $0 + w[$1 - 1] * iterates[$1].0 }, (1...3).reduce(0.0) { $0 + w[$1 - 1] * iterates[$1].1 })
                                   }())] {
            let result = try solve(rotation(), with: try Averaged(fb, scheme: scheme), stopping: StoppingRule(iterations: 3))
            #expect(abs(result.output[.generator][0] - expected.0) < 1e-14 && abs(result.output[.discriminator][0] - expected.1) < 1e-14)
            #expect(result.lastIterate.scalars == [iterates[3].0, iterates[3].1])
        }
    }
}

/// The CLI's names: the registry lists every built-in method once, and its entries build the
/// method they name.
@Suite("SolverRegistry")
struct SolverRegistryTests {
    @Test func everyBuiltInMethodIsRegisteredOnceUnderItsName() throws {
        let r = SolverRegistry.builtIn
        #expect(Set(r.entries.map(\.kind)) == Set(SolverKind.allCases) && r.entries.count == SolverKind.allCases.count)
        for e in r.entries {
            #expect(e.name == e.kind.rawValue)
            let solver = try SolverConfiguration(kind: e.kind, stepSize: PerPlayer(0.1)).makeSolver()
            #expect(solver.name == e.name)
        }
        var mine = r
        #expect(throws: SolverError.self) { try mine.register(.init(name: "eg", summary: "taken", kind: .eg)) }
        try mine.register(.init(name: "popov", summary: "extrapolation from the past, by its author", kind: .eftp))
        #expect(mine.entry(named: "popov")?.kind == .eftp && r.entry(named: "popov") == nil)
    }
}
