import Games
import Solvers
import Tensors

/// SPEC §7's workload W4: one extragradient iteration on a dense bilinear game
/// min_θ max_φ θᵀAφ + bᵀθ + cᵀφ in Float64 (``BilinearGame/random(dimension:seed:box:)``), through the
/// library's ``ExtraGradient`` and ``Oracle`` exactly as `saddle solve` runs it.
///
/// Each iteration makes two oracle calls, each computing Aφ and Aᵀθ: four passes over A, so
/// 4·8·n² bytes of A streamed per iteration (32 MB at n = 1000, whose A is 8 MB and cache-resident
/// on a large L3; 512 MB at n = 4000, from DRAM).
public final class BilinearExtragradient {
    public let dimension: Int
    public let game: BilinearGame
    let solver: ExtraGradient<GradientStep>
    var omega: BlockVector
    var state: ExtraGradient<GradientStep>.State
    var oracle: Oracle
    /// The BLAS threads the iteration runs with: the requested count, or 1 for a cache-sized A
    /// (``BLAS/threads(forMatrixVectorProductsOf:requested:)``: 8 MB at n = 1000 runs on one).
    let threads: Int

    public init(dimension n: Int, seed: UInt64 = 0, threads: Int = 1, stepSize: Double = 0.1) {
        ensure(n >= 1, "BilinearExtragradient: dimension \(n) < 1")
        dimension = n
        self.threads = BLAS.threads(forMatrixVectorProductsOf: 8 * n * n, requested: threads)
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
        if BLAS.threads != threads { BLAS.threads = threads }
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
