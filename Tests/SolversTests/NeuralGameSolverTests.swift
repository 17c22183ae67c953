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

    @Test(arguments: SolverKind.allCases.filter { !$0.needsSimplex }, [DType.float64, .float32])
    func runs(kind: SolverKind, dtype: DType) throws {
        var config = SolverConfiguration(kind: kind, stepSize: PerPlayer(kind.isAdaptive ? 1e-3 : 0.05))
        config.discriminatorSteps = 2
        let solver = try config.makeSolver()
        let game = Self.game(box: true, dtype: dtype)
        let a = try solve(game, withAny: solver, seed: 3, stopping: StoppingRule(iterations: 20))
        let b = try solve(Self.game(box: true, dtype: dtype), withAny: solver, seed: 3, stopping: StoppingRule(iterations: 20))
        #expect(a.lastIterate.dtype == dtype)
        #expect(a.lastIterate.isFinite && a.lastIterate.isBitIdentical(to: b.lastIterate), "\(kind.rawValue)")
        #expect(a.counter.oracleCalls == solver.cost.initialization + 20 * solver.cost.perIteration)
        // One minibatch of 16 per evaluation; alternating GDA's half-calls (k + 1 = 3 per iteration) each draw one.
        // Langevin methods' SGLD steps are one-block evaluations too: 2 per oracle call.
        let evaluations = kind == .alternatingGDA ? 3 * 20 : kind.isSampling ? Int(2 * a.counter.oracleCalls) : Int(a.counter.oracleCalls)
        #expect(a.counter.samples == 16 * evaluations)
        #expect(game.domain.contains(a.lastIterate, tolerance: 10 * dtype.epsilon))   // Float(0.1) > 0.1
        #expect(a.lastIterate.distance(to: game.initialPoint) > 0)
    }
}
