import Foundation
import Testing
import Tensors

/// Shape and dtype mismatches in public tensor operations stop the process with a message that
/// names both shapes — never a silent wrong result. (Checked in a child process: Swift Testing's
/// exit tests.)
@Suite("Shape mismatches are caught with a message")
struct ShapeErrorTests {
    static func stderr(_ r: ExitTest.Result) -> String { String(decoding: r.standardErrorContent, as: UTF8.self) }

    @Test func elementwiseShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([3, 2])
        }
        if let r { #expect(Self.stderr(r).contains("shape mismatch [2, 3] vs [3, 2]")) }
    }

    @Test func matmulInnerDimensions() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }
        if let r { #expect(Self.stderr(r).contains("inner dimensions differ: [2, 3] · [4, 5]")) }
    }

    @Test func dtypes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2], dtype: .float32) * Tensor.zeros([2], dtype: .float64)
        }
        if let r { #expect(Self.stderr(r).contains("dtype mismatch float32 vs float64")) }
    }

    @Test func inPlaceUpdate() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            Tensor.zeros([5]).axpy(1, Tensor.zeros([4]))
        }
        if let r { #expect(Self.stderr(r).contains("Tensor.axpy: float32 [4] into float32 [5]")) }
    }

    @Test func scalarsDoNotFillShape() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2, 3], shape: [2, 2])
        }
        if let r { #expect(Self.stderr(r).contains("3 scalars do not fill shape [2, 2]")) }
    }
}
