import CKernels
import Dispatch
import Foundation
import Synchronization

/// Runs `a` and `b`, on two threads when `concurrent`, and returns when both are done.
///
/// Used where a step has two independent halves (the two halves of a minibatch, the two players'
/// gradients at one point). Each half runs entirely on one thread, so its arithmetic is the same
/// as in a serial run and the results are reproducible; the tensor pool is locked and gradient
/// recording is per thread.
///
/// `a` runs on the calling thread and `b` on ``SpinningHelper/shared``, a thread that polls for
/// work for a while after each job instead of sleeping at once. Why: on this project's 2-vCPU
/// virtual machines, waking a sleeping thread (what `DispatchQueue.concurrentPerform` does) took
/// about 50 µs — two 86 µs halves ran in 137–145 µs through Dispatch and in 92 µs through the
/// spinning helper (measured 2026-11-30) — which was 4% of a 1.3 ms GAN step. When the helper is
/// busy (a nested or a concurrent call) the pair runs through Dispatch as before.
package func runConcurrently(_ concurrent: Bool, _ a: () -> Void, _ b: () -> Void) {
    guard concurrent else { a(); b(); return }
    withoutActuallyEscaping(b) { b in
        if SpinningHelper.shared.tryRun(b, whileCalling: a) { return }
        withoutActuallyEscaping(a) { a in
            DispatchQueue.concurrentPerform(iterations: 2) { i in if i == 0 { a() } else { b() } }
        }
    }
}

/// One helper thread that takes a job, runs it, and then polls for the next one for up to
/// ``spinSeconds`` before it blocks on a semaphore (as OpenMP runtimes spin before sleeping).
/// Polling keeps its core awake between the steps of a training loop, so handing it a job costs
/// a store and a load instead of a wake-up through the kernel and the hypervisor.
final class SpinningHelper: @unchecked Sendable {
    static let shared = SpinningHelper()
    /// How long the helper polls after a job before it sleeps: longer than the serial work
    /// between two concurrent sections of a training step (an update, a minibatch draw).
    static let spinSeconds = 0.002

    /// Whether a caller owns the helper (one job at a time).
    private let taken = Atomic<Bool>(false)
    /// Incremented for each job; the helper runs a job when it sees a new value.
    private let posted = Atomic<Int>(0)
    /// The number of the last job the helper finished.
    private let finished = Atomic<Int>(0)
    private let asleep = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// The job; written by the owner before `posted` is incremented, read by the helper after.
    private var job: (() -> Void)?

    private init() {
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "saddle-helper"
        thread.start()
    }

    /// Runs `b` on the helper while the caller runs `a`, and returns true when both are done;
    /// returns false at once (running nothing) when the helper is busy or this is the helper.
    func tryRun(_ b: @escaping () -> Void, whileCalling a: () -> Void) -> Bool {
        guard !Thread.current.isSaddleHelper,
              taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        job = b
        let ticket = posted.add(1, ordering: .sequentiallyConsistent).newValue
        if asleep.load(ordering: .sequentiallyConsistent) { wake.signal() }
        a()
        while finished.load(ordering: .acquiring) != ticket { sk_cpu_relax() }
        job = nil
        taken.store(false, ordering: .releasing)
        return true
    }

    private func serve() {
        Thread.current.isSaddleHelper = true
        var seen = 0
        while true {
            var polls = 0
            var deadline = 0.0
            while posted.load(ordering: .acquiring) == seen {
                sk_cpu_relax()
                polls += 1
                guard polls & 1023 == 0 else { continue }
                let now = ProcessInfo.processInfo.systemUptime
                if deadline == 0 { deadline = now + Self.spinSeconds; continue }
                if now < deadline { continue }
                // Sleep; the owner signals when it posts a job and sees `asleep` (sequentially
                // consistent, so one of the two sees the other's store and no job is missed).
                asleep.store(true, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                asleep.store(false, ordering: .sequentiallyConsistent)
                deadline = 0
            }
            seen = posted.load(ordering: .acquiring)
            job!()
            finished.store(seen, ordering: .releasing)
        }
    }
}

extension Thread {
    /// Whether this thread is the spinning helper (which must not hand work to itself).
    fileprivate var isSaddleHelper: Bool {
        get { threadDictionary["saddle.helper"] != nil }
        set { threadDictionary["saddle.helper"] = newValue ? true : nil }
    }
}

/// A one-shot flag one thread raises and another waits for by polling — for a hand-off inside a
/// ``runConcurrently(_:_:_:)`` pair, where both threads are running and a semaphore's wake-up
/// (tens of µs on a virtual machine) would cost more than the wait.
package final class SpinSignal: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    package init() {}
    package func signal() { raised.store(true, ordering: .releasing) }
    package func wait() { while !raised.load(ordering: .acquiring) { sk_cpu_relax() } }
}
