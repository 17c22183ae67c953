import Dispatch

/// Runs `a` and `b`, on two threads when `concurrent`, and returns when both are done.
///
/// Used where a game step has two independent halves (the two players' gradients at one point).
/// Each half runs entirely on one thread, so its arithmetic is the same as in a serial run and the
/// results are bit-identical; the tensor pool is locked and gradient recording is per thread.
package func runConcurrently(_ concurrent: Bool, _ a: () -> Void, _ b: () -> Void) {
    guard concurrent else { a(); b(); return }
    withoutActuallyEscaping(a) { a in
        withoutActuallyEscaping(b) { b in
            DispatchQueue.concurrentPerform(iterations: 2) { i in if i == 0 { a() } else { b() } }
        }
    }
}
