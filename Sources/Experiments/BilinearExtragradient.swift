import Games
import Solvers
import Tensors

/// SPEC §7's workload W4: one extragradient iteration on a dense bilinear game
/// min_θ max_φ θᵀAφ + bᵀθ + cᵀφ in Float64 (``BilinearGame/random(dimension:seed:box:)``), through the
/// library's ``ExtraGradient`` and ``Oracle`` exactly as `saddle solve` runs it.
///
/// Each iteration makes two oracle calls, each needing Aφ and Aᵀθ. SPEC §7's bound counts two
/// passes over A per call, 4·8·n² bytes per iteration (32 MB at n = 1000, whose A is 8 MB and
/// cache-resident on a large L3; 512 MB at n = 4000, from DRAM); the game computes the pair in
/// one pass (``Tensors/matrixVectorPair(_:_:_:cores:)``), so it can run faster than that bound.
public final class BilinearExtragradient {
    public let dimension: Int
    public let game: BilinearGame
    let solver: ExtraGradient<GradientStep>
    var omega: BlockVector
    var state: ExtraGradient<GradientStep>.State
    var oracle: Oracle
    /// The cores the iteration's matrix–vector products are split over (``BLAS/matrixVectorCores``,
    /// with single-threaded OpenBLAS), as `saddle solve --threads` sets them.
    let threads: Int

    public init(dimension n: Int, seed: UInt64 = 0, threads: Int = 1, stepSize: Double = 0.1) {
        ensure(n >= 1, "BilinearExtragradient: dimension \(n) < 1")
        dimension = n
        self.threads = min(threads, 2)
        // The same split for building the game (its σ_max(A) by power iteration) as for the steps.
        BLAS.threads = 1
        BLAS.matrixVectorCores = self.threads
        game = BilinearGame.random(dimension: n, seed: seed)
        solver = ExtraGradient(rule: try! GradientStep(stepSize: stepSize))
        oracle = Oracle(game, seed: seed)
        omega = game.initialPoint
        state = try! solver.makeState(at: omega, &oracle)
    }

    /// Bytes of A read per iteration: two oracle calls, two passes over A each.
    public var bytesPerIteration: Double { 4 * 8 * Double(dimension) * Double(dimension) }

    /// One EG iteration (two oracle calls).
    public func step() {
        if BLAS.threads != 1 { BLAS.threads = 1 }
        BLAS.matrixVectorCores = threads
        try! solver.step(&omega, &state, &oracle)
    }

    /// The current iterate.
    public var point: BlockVector { omega }

    /// SHA-256 of the iterate's blocks.
    public var fingerprint: String {
        var h = SHA256()
        h.update(omega[.generator])
        h.update(omega[.discriminator])
        return h.hexDigest()
    }
}
