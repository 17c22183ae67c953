#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time consumed, in seconds: what a busy host does not inflate, unlike wall time. The one
/// reader of these clocks (the machine probe's rates, the benchmark's efficiency by CPU time, the
/// studies' curves against CPU seconds).
public enum CPUTime {
    /// Every thread of this process (`CLOCK_PROCESS_CPUTIME_ID`).
    public static var process: Double { read(CLOCK_PROCESS_CPUTIME_ID) }
    /// The calling thread (`CLOCK_THREAD_CPUTIME_ID`).
    public static var thread: Double { read(CLOCK_THREAD_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
