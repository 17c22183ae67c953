// A user-defined game in a few lines: min_θ max_φ θφ − (γ/2)φ² (discriminator-only Tikhonov,
// SPEC §3), F(θ, φ) = (φ, −θ + γφ), equilibrium 0 — run with every Euclidean solver.
import Saddle

let gamma = 0.5
let game = VectorFieldGame(name: "damped-rotation", start: BlockVector(generator: [2], discriminator: [0.5]),
                           equilibrium: BlockVector(generator: [0], discriminator: [0]), lipschitz: 1.2) { w in
    let theta = w[.generator][0], phi = w[.discriminator][0]
    return BlockVector(generator: [phi], discriminator: [-theta + gamma * phi])
}
for kind in SolverKind.allCases where !kind.needsSimplex {
    let solver = try SolverConfiguration(kind: kind, stepSize: PerPlayer(kind.isAdaptive ? 0.01 : 0.2)).makeSolver()
    let result = try solve(game, withAny: solver, stopping: StoppingRule(iterations: 2000))
    let d = result.final.distance!
    print("\(kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) distance \(d)  oracle calls \(result.counter.oracleCalls)")
}
