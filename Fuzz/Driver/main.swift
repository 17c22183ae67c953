// The libFuzzer driver, built only by scripts/fuzz (SADDLE_FUZZ=1, -sanitize=fuzzer,address).
// SwiftPM gives every executable a `main`, so libFuzzer's own is not linked; this one hands
// control to libFuzzer's driver with the target that SADDLE_FUZZ_TARGET names. libFuzzer reads
// the command line (corpus folders, -runs=N, -max_total_time=S, …) as it always does.
import CLibFuzzer
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var target = FuzzTarget.npy

let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
guard let name = getenv("SADDLE_FUZZ_TARGET").map({ String(cString: $0) }), let chosen = FuzzTarget(rawValue: name) else {
    fputs("saddle-fuzz: set SADDLE_FUZZ_TARGET to one of: \(names)\n", stderr)
    exit(2)
}
target = chosen

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let problem = target.check(bytes) {
        // A broken promise is a finding like a crash: libFuzzer saves the input and stops.
        fatalError("\(target.rawValue): \(problem)")
    }
    return 0
})
