import Saddle

/// Alternating gradient descent with negative momentum (Gidel et al. 2019, "Negative momentum for
/// improved game dynamics", AISTATS, eq. 9), written outside Saddle on its public `Solver` protocol:
///   φ_{k+1} = φ_k − α F_φ(θ_k, φ_k) + β (φ_k − φ_{k−1})
///   θ_{k+1} = θ_k − α F_θ(θ_k, φ_{k+1}) + β (θ_k − θ_{k−1}),   β < 0.
/// Two half-evaluations of F: one oracle call per iteration.
struct NegativeMomentum: Solver {
    struct State: Sendable, Codable { var previous: BlockVector }
    let stepSize: Double
    let momentum: Double
    var name: String { "negative-momentum" }
    var cost: OracleCost { OracleCost(perIteration: 1) }

    func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State(previous: omega.copy()) }

    func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let last = omega.copy()
        for player in [Player.discriminator, .generator] {
            let g = F.field(at: omega, blocks: [player])[player]
            let velocity = omega[player] - state.previous[player]
            omega.withBlock(player) { $0.axpy(-stepSize, g); $0.axpy(momentum, velocity) }
            F.project(&omega, player: player)
        }
        state.previous = last
    }

    /// Step-size schedules scale α.
    func scaled(by factor: Double) -> NegativeMomentum? { NegativeMomentum(stepSize: stepSize * factor, momentum: momentum) }
}
