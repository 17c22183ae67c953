import Testing
import TestSupport
import Games
import Solvers
import Tensors

/// Before any step, every method's output is its start point: the trajectory's first row describes
/// ω₀, whatever the method averages (a review found averaged SRFB reporting an empty average).
@Suite("A solver's output before its first step is the start point")
struct InitialOutputTests {
    @Test(arguments: SolverKind.allCases.filter { !$0.needsSimplex })
    func outputAtStartIsTheStart(_ kind: SolverKind) throws {
        let game = BilinearGame.scalar(box: nil)
        let start = BlockVector(generator: [2], discriminator: [0.5])
        for averaging in [nil, AveragingScheme.uniform, .exponential(decay: 0.9)] {
            var config = SolverConfiguration(kind: kind, stepSize: PerPlayer(0.1))
            config.averaging = averaging
            let solver = try config.makeSolver()
            let result = try solve(game, withAny: solver, from: start, stopping: StoppingRule(iterations: 3))
            #expect(result.initial.distance == start.norm(), "\(kind) averaging \(String(describing: averaging))")
        }
    }
}
