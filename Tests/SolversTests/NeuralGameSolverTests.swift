import Autodiff
import Games
import Networks
import Solvers
import Tensors
import Testing
import TestSupport

/// A small neural GAN runs with every Euclidean solver: the counter matches the declared cost,
/// the iterate stays finite, a box on φ (weight clipping) is respected, and runs are reproducible.
@Suite("Every solver on a small neural game")
struct NeuralGameSolverTests {
    static func game(box: Bool = false, dtype: DType = .float64) -> NeuralGame {
        var rng = RandomGenerator(seed: 21)
        let g = MLP([2, 8, 1], hidden: .tanh, dtype: dtype, using: &rng)
        let d = MLP([1, 8, 1], hidden: .tanh, dtype: dtype, using: &rng)
        return NeuralGame(generator: g.parameters, discriminator: d.parameters, batchSize: 16,
                          domain: box ? ProductDomain(generator: Unconstrained(), discriminator: Box(radius: 0.1)) : .unconstrained) { rng, n in
            let fake = d(g(Variable(Tensor.normal([n, 2], dtype: dtype, using: &rng))))
            let real = d(Variable(Tensor.normal([n, 1], mean: 1, std: 0.3, dtype: dtype, using: &rng)))
            return ((-fake).softplus().mean(), (-real).softplus().mean() + fake.softplus().mean())
        }
    }

    /// EAG-V needs L, which a network does not know: refused in one line (`eagVNeedsL`).
    @Test(arguments: SolverKind.allCases.filter { !$0.needsSimplex && $0 != .eagV }, [DType.float64, .float32])
    func runs(kind: SolverKind, dtype: DType) throws {
        var config = SolverConfiguration(kind: kind, stepSize: PerPlayer(kind.isAdaptive ? 1e-3 : 0.05))
        config.discriminatorSteps = 2
        let solver = try config.makeSolver()
        let game = Self.game(box: !kind.needsUnconstrained, dtype: dtype)
        if kind.needsUnconstrained {
            // Refused on the clipped game, in one line; run without the box.
            #expect(throws: SolverError.self) { try solve(Self.game(box: true, dtype: dtype), withAny: solver, stopping: StoppingRule(iterations: 1)) }
        }
        let a = try solve(game, withAny: solver, seed: 3, stopping: StoppingRule(iterations: 20))
        let b = try solve(Self.game(box: !kind.needsUnconstrained, dtype: dtype), withAny: solver, seed: 3, stopping: StoppingRule(iterations: 20))
        #expect(a.lastIterate.dtype == dtype)
        #expect(a.lastIterate.isFinite && a.lastIterate.isBitIdentical(to: b.lastIterate), "\(kind.rawValue)")
        if solver.cost.productsVary {
            #expect(a.counter.oracleCalls <= solver.cost.initialization + 20 * solver.cost.callsPerIteration(game.productCosts))
        } else {
            #expect(a.counter.oracleCalls == solver.cost.initialization + 20 * solver.cost.callsPerIteration(game.productCosts))
        }
        // One minibatch of 16 per evaluation; alternating GDA's half-calls (k + 1 = 3 per iteration) each draw one.
        // Langevin methods' SGLD steps are one-block evaluations too: 2 per oracle call.
        let evaluations = kind == .alternatingGDA ? 3 * 20 : kind.isSampling ? Int(2 * a.counter.oracleCalls) : Int(a.counter.oracleCalls - a.counter.productCalls)
        #expect(a.counter.samples == 16 * evaluations)
        #expect(game.domain.contains(a.lastIterate, tolerance: 10 * dtype.epsilon))   // Float(0.1) > 0.1
        #expect(a.lastIterate.distance(to: game.initialPoint) > 0)
    }

    @Test func eagVNeedsL() throws {
        let solver = try SolverConfiguration(kind: .eagV, stepSize: PerPlayer(0.05)).makeSolver()
        do {
            _ = try solve(Self.game(), withAny: solver, stopping: StoppingRule(iterations: 1))
            Issue.record("EAG-V ran without L")
        } catch {
            #expect("\(error)".contains("needs L") && !"\(error)".contains("\n"), "\(error)")
        }
        // Given L, it runs.
        let withL = try AnchoredExtraGradient(.varying, stepSize: 0.05, lipschitz: 5)
        #expect(try solve(Self.game(), with: withL, stopping: StoppingRule(iterations: 5)).lastIterate.isFinite)
    }
}
