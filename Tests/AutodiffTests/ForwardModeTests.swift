import Testing
import TestSupport
import Autodiff
import Tensors

/// Every operation's tangent rule (forward mode) against central finite differences in Float64,
/// on the same cases as the reverse-mode tests, at two levels:
///   first order: ḟ = Σᵢ ∂f/∂xᵢ · vᵢ vs (f(x + hv) − f(x − hv)) / 2h;
///   forward over reverse: the tangent of the recorded gradient ∇L(x), L = ⟨w, f(x)⟩, which is the
///   Hessian–vector product H·v, vs finite differences of ∇L along v — the path a JVP of a game's
///   field takes through every backward rule.
/// Tolerance: |ṫ − ṫ_FD| ≤ 1e-6 · max(1, ‖ṫ_FD‖∞) per entry.
@Suite("Forward mode: every operation's tangent vs finite differences (Float64)")
struct ForwardModeTests {
    static let tolerance = 1e-6

    @Test(arguments: operationCases)
    func tangentOfOutput(_ c: OperationCase) throws {
        var rng = RandomGenerator(seed: 31)
        let xs = c.inputs(using: &rng)
        // Small directions keep x ± hv on the same side of every kink (inputs are ≥ 0.1 from it).
        let vs = xs.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        let vars = xs.map { Variable($0, requiresGradient: true) }
        let y = c.f(vars)
        let t = try #require(tangents(of: [y], from: vars, along: vs)[0], "\(c.name): no tangent")
        let fd = FiniteDifferences.directional(of: { ps in [GradientRecording.withoutRecording { c.f(ps.map { Variable($0) }).value }] },
                                               at: xs, along: vs)[0]
        #expect(compareEntrywise(t, fd, tolerance: Self.tolerance, label: "\(c.name) tangent") == nil)
        #expect(fd.maxAbs() > 1e-3, "\(c.name): the reference tangent is ~0, so the check is vacuous")
    }

    @Test(arguments: operationCases)
    func tangentOfGradient(_ c: OperationCase) throws {
        var rng = RandomGenerator(seed: 32)
        let xs = c.inputs(using: &rng)
        let out = GradientRecording.withoutRecording { c.f(xs.map { Variable($0) }) }
        let w = Tensor.normal(out.shape, dtype: .float64, using: &rng)
        let vs = xs.map { Tensor.normal($0.shape, dtype: .float64, using: &rng) }
        func gradient(_ vars: [Variable], createGraph: Bool) -> [Variable] {
            gradients(of: c.f(vars).dot(Variable(w)), withRespectTo: vars, createGraph: createGraph)
        }
        let vars = xs.map { Variable($0, requiresGradient: true) }
        let hv = tangents(of: gradient(vars, createGraph: true), from: vars, along: vs)
        let fd = FiniteDifferences.directional(of: { ps in gradient(ps.map { Variable($0, requiresGradient: true) }, createGraph: false).map(\.value) },
                                               at: xs, along: vs)
        for k in xs.indices {
            // A gradient linear in x (a sum, a product's own factor) has a zero Hessian block: nil.
            let t = hv[k] ?? Tensor.zeros(xs[k].shape, dtype: .float64)
            #expect(compareEntrywise(t, fd[k], tolerance: Self.tolerance, label: "\(c.name) H·v block \(k)") == nil)
        }
    }

    /// Inputs listed twice, outputs that are inputs, constants and unreached outputs.
    @Test func edgeCases() throws {
        let x = Variable(Tensor([1, 2, 3], shape: [3]), requiresGradient: true)
        let other = Variable(Tensor([5, 6, 7], shape: [3]), requiresGradient: true)
        let v = Tensor([1, 0, -1], shape: [3])
        let y = x * x + other  // ẏ = 2x·v (other is not an input: zero tangent)
        let ts = tangents(of: [y, x, other], from: [x], along: [v])
        #expect(try #require(ts[0]).scalars == [2, 0, -6])
        #expect(try #require(ts[1]).scalars == v.scalars)
        #expect(ts[2] == nil)
        // The same input twice: the seeds add.
        let twice = tangents(of: [x.scaled(by: 3)], from: [x, x], along: [v, v])
        #expect(try #require(twice[0]).scalars == [6, 0, -6])
        // JacobianProducts returns products that share no memory with the tangents passed in.
        let (_, jv) = JacobianProducts.jvp(of: { [$0[0], $0[0]] }, at: [x.value], tangents: [v])
        #expect(!jv[0].overlaps(v) && !jv[1].overlaps(v) && !jv[0].overlaps(jv[1]))
        #expect(jv[0].scalars == v.scalars && jv[1].scalars == v.scalars)
    }
}
