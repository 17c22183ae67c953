import Foundation
import Saddle
import Testing
import TestSupport

/// The open core's examples (issue 13, acceptance 1–2): a game with networks of the user's own and
/// a solver of the user's own run through Saddle's public entry points.
@Suite("Examples: your own network and your own solver")
struct ExamplesTests {
    static func example(_ name: String) -> URL { SaddleBinary.url.deletingLastPathComponent().appendingPathComponent(name) }

    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = example(name)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        // stderr to a file (no second pipe to fill up), appended to the output a failure shows.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-example-stderr-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errPath])
        }
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (p.terminationStatus, String(decoding: data, as: UTF8.self) + (p.terminationStatus == 0 ? "" : "\nstderr:\n" + err))
    }

    /// The OPENBLAS_CORETYPE that `executable`, started with `arguments` and without the variable,
    /// runs with one second after it starts (read from /proc/PID/environ, which an execv replaces):
    /// nil when it did not restart itself with the variable (``BLAS/restartWithRequestedCore()``).
    static func coreTypeAfterStart(_ executable: URL, _ arguments: [String]) throws -> String? {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = nil
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }  // saddle's SIGTERM only asks it to stop
        Thread.sleep(forTimeInterval: 1)
        #expect(p.isRunning, "\(executable.lastPathComponent) ended within a second; the check needs it running")
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(p.processIdentifier)/environ"))
        return environ.split(separator: 0).lazy.map { String(decoding: $0, as: UTF8.self) }
            .first { $0.hasPrefix("OPENBLAS_CORETYPE=") }.map { String($0.dropFirst("OPENBLAS_CORETYPE=".count)) }
    }

    /// A program of a user's that calls `BLAS.restartWithRequestedCore()` first (the examples do)
    /// runs the OpenBLAS kernel family `saddle` runs: started without OPENBLAS_CORETYPE, the example
    /// restarts itself with the variable exactly when `saddle` does, naming the same family (on
    /// Intel's model 207 under Debian 12's OpenBLAS, Cooperlake; where OpenBLAS knows the CPU,
    /// neither restarts). Both are read while they run (a W6 benchmark, a long ConvGAN run).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/environ")))
    func examplesRestartWithTheKernelFamilySaddleRuns() throws {
        let saddle = try Self.coreTypeAfterStart(SaddleBinary.url, ["bench", "--workload", "W6", "--iterations", "100000", "--repetitions", "1"])
        let example = try Self.coreTypeAfterStart(Self.example("ExampleConvGAN"), ["100000"])
        #expect(example == saddle, "example: \(example ?? "no restart"), saddle: \(saddle ?? "no restart")")
        if let saddle { #expect(saddle == BLAS.coreForThisCPU) }
    }

    /// Negative momentum on θφ contracts at the spectral radius of its linear map: with
    /// s = (θ_k, φ_k, θ_{k−1}, φ_{k−1}), α = 0.5, β = −0.5, the map below (derived here from the
    /// update, independently of the example); the observed squared-distance factor is ρ². The
    /// training part's resume is bit-identical. Run with `OPENBLAS_NUM_THREADS=2`, the example (a
    /// program of a user's that links Saddle) trains on one OpenBLAS thread all the same, as its run
    /// record says (CKernels' constructor, blas_threads.c).
    @Test func negativeMomentumMatchesItsLinearMapAndResumesBitForBit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("saddle-example-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run("ExampleCustomSolver", [dir], environment: ["OPENBLAS_NUM_THREADS": "2"])
        #expect(r.status == 0, "\(r.output)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/straight/summary.json"))) as? [String: Any]
        #expect(summary?["blasThreads"] as? Int == 1, "\(String(describing: summary?["blasThreads"]))")
        let factorText = try #require(r.output.split(separator: "\n").first { $0.hasPrefix("bilinear") }?.split(separator: " ").last)
        let observed = try #require(Double(factorText))
        let (a, b) = (0.5, -0.5)
        // φ⁺ = φ + αθ + β(φ − φ'); θ⁺ = θ − αφ⁺ + β(θ − θ').
        let m = Tensor([1 - a * a + b, -a * (1 + b), -b, a * b,
                        a, 1 + b, 0, -b,
                        1, 0, 0, 0,
                        0, 1, 0, 0], shape: [4, 4], dtype: .float64)
        let rho = Eigenvalues.general(m).map { ($0.re * $0.re + $0.im * $0.im).squareRoot() }.max()!
        #expect(abs(observed - rho * rho) < 1e-4 * rho * rho, "observed \(observed), ρ² = \(rho * rho)")
        #expect(rho < 1)
        #expect(r.output.contains("resumed run bit-identical to the uninterrupted one: yes"), "\(r.output)")
    }

    /// The convolutional GAN example trains: after 300 iterations its generator's images are
    /// several times more bar-like than at the start (0.007 → 0.156 when written; the data's 0.79).
    @Test func convolutionalGANLearnsBars() throws {
        let r = try Self.run("ExampleConvGAN", ["300"])
        #expect(r.status == 0, "\(r.output)")
        func score(_ prefix: String) -> Double? {
            r.output.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { line in
                line.components(separatedBy: "bar score ").last?.split(separator: ",").first.flatMap { Double($0) }
            }
        }
        let before = try #require(score("generator before")), after = try #require(score("generator after"))
        #expect(after > 0.1 && after > 5 * before, "bar score \(before) → \(after)")
    }

    /// The custom discriminator's R1 field against finite differences of the penalty (Float64).
    @Test func customNetworksR1MatchesFiniteDifferences() throws {
        let r = try Self.run("ExampleCustomGame", ["--check-r1"])
        #expect(r.status == 0 && r.output.contains("max relative error"), "\(r.output)")
    }
}

/// The full example: 10,000 iterations of Past-Extra-Adam + R1 on the ring with the example's own
/// networks covers all 8 modes.
@Suite("Examples, thorough: a GAN of your own networks learns the ring")
struct ExamplesThoroughTests {
    @Test(.enabled(if: Tier.thorough)) func customGameCoversEveryMode() throws {
        let r = try ExamplesTests.run("ExampleCustomGame", ["10000"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("EMA generator: 8/8 modes"), "\(r.output.split(separator: "\n").suffix(3))")
    }
}
