// A solver written outside Saddle (NegativeMomentum.swift) run through the library's own entry
// points: `solve` on the bilinear game θφ, and a short GAN training on the ring with a checkpoint
// and a resume, which must give the bits of the uninterrupted run.
//   swift run -c release ExampleCustomSolver [scratch folder]
import Foundation
import Saddle

// Where OpenBLAS does not know this CPU and fell back to generic kernels, run again with the
// kernels (and so the bits) of its family, as `saddle` does (README, "Reproducibility").
if let failure = BLAS.restartWithRequestedCore() { print("warning: \(failure)") }

let method = NegativeMomentum(stepSize: 0.5, momentum: -0.5)
let run = try solve(BilinearGame.scalar(), with: method, stopping: StoppingRule(iterations: 400))
let rate = run.observedRate(equilibriumNorm: 0, epsilon: 1e-16)!
print("bilinear θφ: ‖ω‖ \(run.initial.distance!) → \(run.final.distance!); observed \(rate.of) factor \(rate.factor)")

// The ring GAN, 200 iterations, a checkpoint every 50: once straight through, once stopped at 100 and resumed.
var c = TrainingConfiguration()
c.iterations = 200
c.checkpointEvery = 50
c.logEvery = 100
c.stepSizeDecayFinal = 1
let scratch = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : NSTemporaryDirectory() + "negative-momentum-\(getpid())"
func train(_ folder: String, to iterations: Int, resume: Bool) throws -> GANTraining.State {
    var config = c
    config.iterations = iterations
    let training = try GANTraining(config, method: NegativeMomentum(stepSize: 1e-3, momentum: -0.3))
    let dir = resume ? try RunDirectory(resuming: folder) : try RunDirectory(creating: folder, defaultPrefix: "nm", force: false)
    var state = try (resume ? training.resumableState(in: dir) : nil) ?? training.initialState()
    _ = try training.run(from: &state, TrainingSession(runDirectory: dir))
    return state
}
let straight = try train(scratch + "/straight", to: 200, resume: false)
_ = try train(scratch + "/stopped", to: 100, resume: false)
let resumed = try train(scratch + "/stopped", to: 200, resume: true)
print("ring GAN, 200 iterations: resumed run bit-identical to the uninterrupted one: \(resumed.omega.isBitIdentical(to: straight.omega) ? "yes" : "no")")
