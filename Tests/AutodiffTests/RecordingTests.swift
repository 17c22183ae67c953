import Testing
import Autodiff
import Tensors

@Suite("Recording on and off")
struct RecordingTests {
    /// Without recording nothing is differentiable (gradients are zeros); withRecording turns it
    /// back on inside such a region.
    @Test func withRecordingOverridesWithoutRecording() {
        let x = Variable(Tensor([1, 2, 3], shape: [3]), requiresGradient: true)
        let off = GradientRecording.withoutRecording { gradients(of: x.squared().sum(), withRespectTo: [x])[0] }
        #expect(off.value.scalars == [0, 0, 0])
        let on = GradientRecording.withoutRecording {
            GradientRecording.withRecording { gradients(of: x.squared().sum(), withRespectTo: [x])[0] }
        }
        #expect(on.value.scalars == [2, 4, 6])
        #expect(GradientRecording.isEnabled)
    }
}
