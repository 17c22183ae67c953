import CKernels
import Dispatch
import Foundation
import Synchronization

/// Runs `a` and `b`, on two threads when `concurrent`, and returns when both are done.
///
/// Used where a step has two independent halves (the two players' blocks, the two halves of a
/// matrix–vector product). Each runs entirely on one thread, so its arithmetic is the same as in a
/// serial run and the results are reproducible; the tensor pool is locked and gradient recording
/// is per thread. See ``forEachConcurrently(_:threads:_:)``.
package func runConcurrently(_ concurrent: Bool, _ a: () -> Void, _ b: () -> Void) {
    guard concurrent else { a(); b(); return }
    forEachConcurrently(2, threads: 2) { i in if i == 0 { a() } else { b() } }
}

/// Calls `body(i)` for every i in 0..<`count` on up to `threads` threads and returns when all are
/// done. Index i runs on worker i mod w (w = min(threads, count)), each worker's indices in
/// increasing order, so which thread computes what — and, when each body is serial arithmetic,
/// every bit of the results — depends only on `count`, never on scheduling.
///
/// Worker 0 is the calling thread; the others are ``SpinningHelper``s, threads that poll for work
/// for a while after each job instead of sleeping at once. Why: on this project's 2-vCPU virtual
/// machines, waking a sleeping thread (what `DispatchQueue.concurrentPerform` does) took about
/// 50 µs — two 86 µs halves ran in 137–145 µs through Dispatch and in 92 µs through a spinning
/// helper (measured 2026-11-30) — which was 4% of a 1.3 ms GAN step. When the helpers are busy (a
/// nested or a concurrent call) the workers run through Dispatch instead.
package func forEachConcurrently(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = min(max(threads, 1), count)
    guard workers >= 2 else { for i in 0..<count { body(i) }; return }
    withoutActuallyEscaping(body) { body in
        let work: (Int) -> Void = { w in
            var i = w
            while i < count { body(i); i += workers }
        }
        if let helpers = SpinningHelper.take(workers - 1) {
            for (k, h) in helpers.enumerated() { h.post { work(k + 1) } }
            work(0)
            for h in helpers { h.waitAndRelease() }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { work($0) }
    }
}

/// A helper thread that takes a job, runs it, and then polls for the next one for up to
/// ``spinSeconds`` before it blocks on a semaphore (as OpenMP runtimes spin before sleeping).
/// Polling keeps its core awake between the steps of a training loop, so handing it a job costs
/// a store and a load instead of a wake-up through the kernel and the hypervisor. Helpers are made
/// on first use and live as long as the process; ``take(_:)`` lends several at once.
final class SpinningHelper: @unchecked Sendable {
    /// How long a helper polls after a job before it sleeps: longer than the serial work between
    /// two concurrent sections of a training step (an update, a minibatch draw).
    static let spinSeconds = 0.002
    /// At most this many helpers (more threads than that run through Dispatch).
    static let maximumCount = 255

    private static let poolLock = NSLock()
    nonisolated(unsafe) private static var pool: [SpinningHelper] = []

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
    private var ticket = 0

    private init(index: Int) {
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "saddle-helper-\(index)"
        thread.start()
    }

    /// `count` idle helpers, owned by the caller until ``waitAndRelease()``; nil (taking none)
    /// when the caller is a helper itself or not enough helpers are idle.
    static func take(_ count: Int) -> [SpinningHelper]? {
        guard count <= maximumCount, !Thread.current.isSaddleHelper else { return nil }
        poolLock.lock()
        defer { poolLock.unlock() }
        while pool.count < count { pool.append(SpinningHelper(index: pool.count)) }
        var taken: [SpinningHelper] = []
        for h in pool where taken.count < count {
            if h.taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { taken.append(h) }
        }
        guard taken.count == count else {
            for h in taken { h.taken.store(false, ordering: .releasing) }
            return nil
        }
        return taken
    }

    /// Hands the helper its job (the caller owns it).
    func post(_ b: @escaping () -> Void) {
        job = b
        ticket = posted.add(1, ordering: .sequentiallyConsistent).newValue
        if asleep.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Waits for the posted job and gives the helper back.
    func waitAndRelease() {
        while finished.load(ordering: .acquiring) != ticket { sk_cpu_relax() }
        job = nil
        taken.store(false, ordering: .releasing)
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
