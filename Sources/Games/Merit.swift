import Tensors
import RealModule

/// Merit functions: how far a point is from solving VI(S, F) (SPEC §1). None of them charges the
/// oracle counter: they are measurements, not part of a method.
public enum Merit {
    /// ‖ω − ω*‖.
    public static func distance(_ omega: BlockVector, to equilibrium: BlockVector) -> Double {
        omega.distance(to: equilibrium)
    }

    /// The natural residual ‖ω − P_S(ω − F(ω))‖ with the exact F (= ‖F(ω)‖ when unconstrained).
    /// It is zero exactly at the solutions of the VI.
    public static func residual(of problem: any VariationalInequality, at omega: BlockVector) -> Double {
        var moved = BlockVector.linearCombination(1, omega, -1, problem.exactField(at: omega))
        problem.domain.project(&moved)
        return omega.distance(to: moved)
    }
}

/// The observed linear rate, exactly as SPEC §2 defines it, everywhere in Saddle.
///
/// The per-iteration factor ρ of the **squared** distance ‖ω_t − ω*‖² (or of the squared residual
/// when ω* is unknown), fitted by least squares on log ‖ω_t − ω*‖² = c + t log ρ over the second half
/// of the run, where the run is cut at the first t whose distance reaches the floor
/// 1e3 · ε_mach · max(1, ‖ω*‖) (below it, rounding dominates). √ρ is the per-iteration factor of the
/// distance itself; reports say which they show.
public enum ObservedRate {
    /// The floor 1e3 · ε · max(1, scale) below which distances are rounding noise.
    public static func floor(epsilon: Double = Double.ulpOfOne, scale: Double) -> Double {
        1e3 * epsilon * max(1, scale)
    }

    /// ρ, the fitted factor of the squared distance per iteration; nil when fewer than three points
    /// remain after the cut.
    /// - Parameters:
    ///   - distances: ‖ω_t − ω*‖ for t = 0, 1, …, T (not squared).
    ///   - floor: the cut, usually ``floor(epsilon:scale:)``.
    public static func squaredDistanceFactor(distances: [Double], floor: Double) -> Double? {
        var n = 0
        while n < distances.count, distances[n].isFinite, distances[n] > floor { n += 1 }
        let start = n / 2
        let count = n - start
        guard count >= 3 else { return nil }
        var st = 0.0, sy = 0.0, stt = 0.0, sty = 0.0
        for t in start..<n {
            let x = Double(t), y = 2 * Double.log(distances[t])
            st += x; sy += y; stt += x * x; sty += x * y
        }
        let m = Double(count)
        let slope = (m * sty - st * sy) / (m * stt - st * st)
        return Double.exp(slope)
    }
}

