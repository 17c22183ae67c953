import Testing
import TestSupport
import Autodiff
import Networks
import Tensors

/// `gradients(of:withRespectTo:into:)`, which writes gradients straight into given buffers (matrix
/// products add theirs with BLAS's β = 1, slices write into their part of a vector's buffer), gives
/// the gradients the returning sweep gives, in Float64 to 1e-12.
@Suite("Gradients written into buffers equal the returned gradients (Float64)")
struct GradientSinkTests {
    func compare(_ loss: ([Variable]) -> Variable, at xs: [Tensor], label: String) throws {
        let vars = xs.map { Variable($0, requiresGradient: true) }
        let reference = gradients(of: loss(vars), withRespectTo: vars).map(\.value)
        let vars2 = xs.map { Variable($0, requiresGradient: true) }
        // Destinations start as garbage: the sweep must set them.
        let into = xs.map { Tensor.filled(7, [$0.count], dtype: .float64) }
        gradients(of: loss(vars2), withRespectTo: vars2, into: into)
        for k in xs.indices {
            #expect(compareEntrywise(into[k], reference[k].reshaped([xs[k].count]), tolerance: 1e-12, label: "\(label) input \(k)") == nil)
        }
    }

    /// Every operation, each the last step before a scalar ⟨w, f(x)⟩.
    @Test(arguments: operationCases)
    func everyOperation(_ c: OperationCase) throws {
        var rng = RandomGenerator(seed: 51)
        let xs = c.inputs(using: &rng)
        let out = GradientRecording.withoutRecording { c.f(xs.map { Variable($0) }) }
        let w = Tensor.normal(out.shape, dtype: .float64, using: &rng)
        try compare({ c.f($0).dot(Variable(w)) }, at: xs, label: c.name)
    }

    /// A GAN-shaped graph: MLPs on slices of two parameter vectors (one used on two batches), a
    /// direct use of a vector beside its slices, overlapping slices, and an input with no path.
    @Test func slicesOfParameterVectors() throws {
        var rng = RandomGenerator(seed: 52)
        let g = MLP([3, 5, 2], hidden: .relu, dtype: .float64, using: &rng)
        let d = MLP([2, 6, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, using: &rng)
        let real = Tensor.normal([7, 2], dtype: .float64, using: &rng), noise = Tensor.normal([7, 3], dtype: .float64, using: &rng)
        let unused = Tensor.normal([4], dtype: .float64, using: &rng)
        let loss = { (v: [Variable]) -> Variable in
            let (theta, phi) = (v[0], v[1])
            let fake = g(Variable(noise), parameters: theta)
            let dReal = d(Variable(real), parameters: phi), dFake = d(fake, parameters: phi)
            let overlap = phi.slice(from: 2, shape: [5]) * phi.slice(from: 4, shape: [5])
            return (-dReal).softplus().mean() + dFake.softplus().mean() + (-dFake).softplus().mean()
                + phi.squared().sum().scaled(by: 0.1) + overlap.sum() + theta.slice(from: 1, shape: [3, 2]).transposed().sum()
        }
        try compare(loss, at: [g.parameters.flat, d.parameters.flat, unused], label: "GAN")
    }

    /// A network's own leaf parameters, through `ParameterBuffer.gradient(of:)`.
    @Test func parameterBufferGradient() throws {
        var rng = RandomGenerator(seed: 53)
        let d = MLP([2, 6, 6, 1], hidden: .leakyRelu(slope: 0.2), dtype: .float64, using: &rng)
        let x = Tensor.normal([9, 2], dtype: .float64, using: &rng), y = Tensor.normal([9, 2], dtype: .float64, using: &rng)
        let loss = { (d(Variable(x)).softplus().mean() + d(Variable(y)).squared().mean()) }
        let flat = d.parameters.gradient(of: loss())
        let reference = d.parameters.flatten(gradients(of: loss(), withRespectTo: d.parameters.variables).map(\.value))
        #expect(compareEntrywise(flat, reference, tolerance: 1e-12, label: "ParameterBuffer.gradient") == nil)
        #expect(flat.maxAbs() > 1e-3)
    }

    /// Slices whose cotangents come through rules without sinks (as batch normalization's γ and β
    /// do), beside a direct use of the whole vector (Tikhonov's ‖ω‖²) and overlapping slices: the
    /// first-order sweep into a buffer gives the returning sweep's gradient bit for bit in Float32
    /// — the slices' pieces are summed with the whole terms in the same order on both paths (a
    /// slice's cotangent added into the buffer as it arrives would round differently).
    @Test func slicesWithoutSinkRulesSumInTheReturningSweepsOrder() throws {
        var rng = RandomGenerator(seed: 54)
        let p = Tensor.normal([40], dtype: .float32, using: &rng)
        let (a, b, c) = (Tensor.normal([10], dtype: .float32, using: &rng), Tensor.normal([15], dtype: .float32, using: &rng),
                         Tensor.normal([10], dtype: .float32, using: &rng))
        let losses: [(String, (Variable) -> Variable)] = [
            ("disjoint slices", { v in (v.slice(from: 0, shape: [10]) * Variable(a)).squared().sum() + (v.slice(from: 10, shape: [15]) * Variable(b)).sum() }),
            ("slices and the whole vector", { v in
                (v.slice(from: 0, shape: [10]) * Variable(a)).squared().sum() + (v.slice(from: 10, shape: [15]) * Variable(b)).sum()
                    + v.squared().sum().scaled(by: 0.1) }),
            ("overlapping slices and the whole vector", { v in
                (v.slice(from: 0, shape: [10]) * Variable(a)).squared().sum() + (v.slice(from: 5, shape: [10]) * Variable(c)).squared().squared().sum()
                    + (v.slice(from: 10, shape: [15]) * Variable(b)).sum() + v.squared().sum().scaled(by: 0.1) }),
        ]
        for (label, loss) in losses {
            let v1 = Variable(p, requiresGradient: true), v2 = Variable(p, requiresGradient: true)
            let returned = gradients(of: loss(v1), withRespectTo: [v1])[0].value
            let into = Tensor.filled(7, [40], dtype: .float32)
            gradients(of: loss(v2), withRespectTo: [v2], into: [into])
            let differ = (0..<40).filter { into[$0].bitPattern != returned[$0].bitPattern }
            #expect(differ.isEmpty, "\(label): \(differ.count) of 40 entries differ (first \(differ.first ?? -1))")
        }
    }
}
