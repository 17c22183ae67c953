import Foundation
import Saddle

/// Saddle's conformance walk for a solver — a built-in one or your own (STYLE §2 `checkSolver`):
/// run it on your problem and expect no failures.
///
/// ```swift
/// let failures = SolverConformance.check(NegativeMomentum(stepSize: 0.3, momentum: -0.5), on: BilinearGame.scalar())
/// #expect(failures.isEmpty, "\(failures)")
/// ```
/// It checks, through the library's ``IterationLoop``:
/// 1. the oracle counter matches the declared ``Solver/cost`` at the start and after every step
///    (evaluations of F exactly; Jacobian products exactly, or at most the bound of a varying count);
/// 2. ω and the output stay in S;
/// 3. the same seed gives the same bits, another seed other bits (on a noisy copy of the problem);
/// 4. a checkpoint — ω, the state and the oracle through JSON, and through a ``TensorArchive``
///    (the safetensors route `saddle train` takes) — resumes bit for bit, and
///    ``Solver/validate(_:at:)`` accepts the state it wrote.
public enum SolverConformance {
    public static func check<S: Solver>(_ solver: S, on problem: any VariationalInequality, iterations: Int = 10) -> [String] {
        var failures: [String] = []
        func fail(_ s: String) { failures.append("\(solver.name): \(s)") }
        do {
            // 1, 2.
            var loop = try IterationLoop(solver, on: problem, seed: 1)
            if loop.oracle.counter.oracleCalls != solver.cost.initialization {
                fail("start cost \(loop.oracle.counter.oracleCalls) calls, declared \(solver.cost.initialization)")
            }
            let prices = problem.productCosts
            let watch = EveryIteration { v in
                let k = Double(v.iteration), c = v.counter
                let evaluations = solver.cost.initialization + k * solver.cost.perIteration
                let products = k * solver.cost.products.calls(prices)
                let spent = c.oracleCalls - c.productCalls
                if spent != evaluations { fail("after step \(v.iteration): \(spent) calls of F, declared \(evaluations)") }
                if solver.cost.productsVary ? c.productCalls > products + 1e-9 : c.productCalls != products {
                    fail("after step \(v.iteration): products cost \(c.productCalls) calls, declared \(solver.cost.productsVary ? "at most " : "")\(products)")
                }
                if !problem.domain.contains(v.omega, tolerance: 1e-12) { fail("step \(v.iteration) left S: \(v.omega)") }
                if !problem.domain.contains(v.output, tolerance: 1e-12) { fail("output of step \(v.iteration) is outside S") }
                return .proceed
            }
            try loop.run(until: iterations, observers: [watch])
            // 3.
            let noisy = AdditiveNoise(problem, noiseLevel: 0.1, batchSize: 2)
            func run(_ seed: UInt64) throws -> BlockVector {
                var l = try IterationLoop(solver, on: noisy, seed: seed)
                try l.run(until: iterations)
                return l.omega
            }
            if !(try run(7).isBitIdentical(to: try run(7))) { fail("the same seed gave other bits") }
            if try run(7).isBitIdentical(to: try run(8)) { fail("another seed gave the same bits on a noisy oracle") }
            // 4.
            for archived in [false, true] {
                var a = try IterationLoop(solver, on: noisy, seed: 11)
                try a.run(until: iterations)
                let saved = try roundTrip(solver, a.state, archived: archived)
                let oracle = try JSONDecoder().decode(Oracle.Checkpoint.self, from: JSONEncoder().encode(a.oracle.checkpoint))
                do { try solver.validate(saved, at: a.omega) } catch { fail("validate rejects its own state: \(error)") }
                var restored = Oracle(noisy, seed: 999)
                restored.restore(oracle)
                var b = IterationLoop(solver, iteration: a.iteration, omega: a.omega.copy(), state: saved, oracle: restored)
                try a.run(until: 2 * iterations)
                try b.run(until: 2 * iterations)
                if !b.omega.isBitIdentical(to: a.omega) || !b.output.isBitIdentical(to: a.output) || b.oracle.counter != a.oracle.counter {
                    fail("a checkpoint\(archived ? " through a TensorArchive" : "") did not resume bit for bit")
                }
            }
        } catch {
            fail("threw \(error)")
        }
        return failures
    }

    /// The state through JSON, its vectors inline or in a ``TensorArchive``.
    static func roundTrip<S: Solver>(_ solver: S, _ state: S.State, archived: Bool) throws -> S.State {
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        guard archived else { return try decoder.decode(S.State.self, from: encoder.encode(state)) }
        let archive = TensorArchive(prefix: "solver.")
        encoder.userInfo[.tensorArchive] = archive
        let json = try encoder.encode(state)
        decoder.userInfo[.tensorArchive] = TensorArchive(prefix: "solver.", entries: archive.entries.map { ($0.name, $0.tensor.copy()) })
        return try decoder.decode(S.State.self, from: json)
    }
}
