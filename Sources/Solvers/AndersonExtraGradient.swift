import Games
import Tensors

/// Extragradient accelerated by Anderson mixing (Anderson 1965; type II as in Walker & Ni 2011,
/// SIAM J. Numer. Anal. 49(4), "Anderson acceleration for fixed-point iterations"), with a restart
/// safeguard. T is one projected EG step, T(ω) = P(ω − αF(P(ω − αF(ω)))), whose fixed points are
/// the solutions; with f_i = T(ω_i) − ω_i and the last m + 1 of them,
///
///     γ = argmin ‖f_k − ΔF γ‖ (ΔF's columns f_{i+1} − f_i),   ω_{k+1} = P(T(ω_k) − ΔT γ)
///
/// (ΔT's columns T(ω_{i+1}) − T(ω_i)). The least squares go through normal equations with a ridge
/// of 1e-12·trace. Safeguard: when ‖f_k‖ exceeds ‖f_{k−1}‖, the memory is cleared and the step is
/// plain EG, ω_{k+1} = T(ω_k) (``State/restarts`` counts them). No convergence theorem is claimed
/// here; the test shows fewer calls than EG at 1/(2L) on avi-psd.
/// Two oracle calls per iteration. Parameters: α > 0 (EG's: < 1/L), memory m ≥ 1 (default 5).
public struct AndersonExtraGradient: Solver {
    public struct State: Sendable, Codable {
        /// T(ω_i) and f_i for the remembered iterates, oldest first (at most m + 1).
        public var images: [BlockVector]
        public var residuals: [BlockVector]
        /// Restarts taken by the safeguard.
        public var restarts: Int
    }
    public private(set) var stepSize: PerPlayer<Double>
    public let memory: Int

    public init(stepSize: PerPlayer<Double>, memory: Int = 5) throws {
        try validateStepSize(stepSize)
        guard memory >= 1 else { throw SolverError.outOfRange(parameter: "Anderson memory m", value: Double(memory), allowed: "integers ≥ 1") }
        self.stepSize = stepSize
        self.memory = memory
    }

    public var name: String { SolverKind.andersonEG.rawValue }
    public var cost: OracleCost { OracleCost(perIteration: 2) }
    public func scaled(by factor: Double) -> AndersonExtraGradient? { var s = self; s.stepSize = stepSize.map { $0 * factor }; return s }
    public func makeState(at omega: BlockVector, _ F: inout Oracle) throws -> State { State(images: [], residuals: [], restarts: 0) }
    public func validate(_ state: State, at omega: BlockVector) throws {
        try SolverStateValidation.check(state, like: omega)
        guard state.images.count == state.residuals.count, state.images.count <= memory + 1 else {
            throw SolverStateError(field: "images", problem: "\(state.images.count) images and \(state.residuals.count) residuals, expected equal counts ≤ \(memory + 1)")
        }
    }

    public func step(_ omega: inout BlockVector, _ state: inout State, _ F: inout Oracle) throws {
        let minus = stepSize.map { -$0 }
        var image = omega.copy()
        image.axpy(minus, F.field(at: omega))
        F.project(&image)
        let leading = image
        image = omega.copy()
        image.axpy(minus, F.field(at: leading))
        F.project(&image)
        let residual = image - omega
        if let last = state.residuals.last, residual.norm() > last.norm() {
            state.images.removeAll(); state.residuals.removeAll(); state.restarts += 1
        }
        state.images.append(image); state.residuals.append(residual)
        if state.images.count > memory + 1 { state.images.removeFirst(); state.residuals.removeFirst() }
        let p = state.residuals.count - 1
        guard p >= 1 else { omega = image; return }
        let dF = (0..<p).map { state.residuals[$0 + 1] - state.residuals[$0] }
        var gram = (0..<p).map { i in (0..<p).map { j in dF[i].dot(dF[j]) } }
        let ridge = 1e-12 * (0..<p).reduce(0.0) { $0 + gram[$1][$1] }
        for i in 0..<p { gram[i][i] += ridge }
        guard let gamma = solveSmall(gram, (0..<p).map { dF[$0].dot(residual) }) else { omega = image; return }
        var next = image.copy()
        for j in 0..<p { next.axpy(-gamma[j], state.images[j + 1] - state.images[j]) }
        F.project(&next)
        omega = next
    }
}

/// x with M x = y for a small dense M, by Gaussian elimination with partial pivoting; nil if singular.
func solveSmall(_ m: [[Double]], _ y: [Double]) -> [Double]? {
    let n = y.count
    var a = m, b = y
    for c in 0..<n {
        let pivot = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
        guard abs(a[pivot][c]) > 0, a[pivot][c].isFinite else { return nil }
        a.swapAt(c, pivot); b.swapAt(c, pivot)
        for r in (c + 1)..<n {
            let f = a[r][c] / a[c][c]
            for k in c..<n { a[r][k] -= f * a[c][k] }
            b[r] -= f * b[c]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var t = b[r]
        for k in (r + 1)..<n { t -= a[r][k] * x[k] }
        x[r] = t / a[r][r]
    }
    return x.allSatisfy(\.isFinite) ? x : nil
}
