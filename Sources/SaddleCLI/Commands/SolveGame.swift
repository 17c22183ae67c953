import ArgumentParser
import Foundation
import Saddle

/// The closed-form problems `saddle solve` knows.
enum SolveGameChoice: String, CaseIterable, ExpressibleByArgument {
    case bilinear
    case bilinearMatrix = "bilinear-matrix"
    case quadratic
    case diracGAN = "dirac-gan"
    case gaussianLocation = "gaussian-location"
    case aviPSD = "avi-psd"
    case avi
    case matrixGame = "matrix-game"
    case finiteSumBilinear = "finite-sum-bilinear"
}

extension SolverKind: ExpressibleByArgument {}
extension DiracGAN.Loss: ExpressibleByArgument {}
extension OptimisticFirstStep: ExpressibleByArgument {}
extension Adam.PreviousMoments: ExpressibleByArgument {}
extension CompetitiveGradient.LinearSolver: ExpressibleByArgument {}
extension ExtrapolationFirstStep: ExpressibleByArgument {}

/// Parses a choice, failing with one line that lists every valid value (ArgumentParser's own message
/// becomes a bulleted list beyond five values).
func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String, as: T.Type, what: String) throws -> T where T.RawValue == String {
    if let v = T(rawValue: text) { return v }
    throw ValidationError("unknown \(what) '\(text)'; valid choices: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
}

/// Why `path` cannot be read as a file (a folder, a device, missing), or nil when it is a regular file.
func notARegularFile(_ path: String) -> String? {
    var info = stat()
    guard stat(path, &info) == 0 else { return errno == ENOENT ? nil : String(cString: strerror(errno)) }   // missing: the reader says so
    switch info.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "is a folder, not a file"
    default: return "not a regular file"
    }
}

/// A method named on the command line, resolved through ``SolverRegistry`` (names and aliases).
func parseMethod(_ text: String, listing: [SolverKind]? = nil) throws -> SolverKind {
    let allowed = listing ?? SolverKind.allCases
    let names = SolverRegistry.builtIn.entries.filter { allowed.contains($0.kind) }.flatMap { [$0.name] + $0.aliases }
    if let e = SolverRegistry.builtIn.entry(named: text) {
        if allowed.contains(e.kind) { return e.kind }
        let reason = TrainingConfiguration.untrainableReason(e.kind) ?? "is not available here"
        throw ValidationError("--method \(text) (\(e.summary)) \(reason); this command takes \(names.joined(separator: ", "))")
    }
    throw ValidationError("unknown method '\(text)'; valid choices: \(names.joined(separator: ", "))")
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    static var choiceList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

enum AveragingChoice: String, CaseIterable, ExpressibleByArgument { case none, uniform, ema }

/// Game parameters of `saddle solve`.
struct SolveGameOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The problem: \(SolveGameChoice.choiceList). (default: bilinear)", valueName: "game"),
            transform: { try parseChoice($0, as: SolveGameChoice.self, what: "game") })
    var game: SolveGameChoice = .bilinear

    @Option(parsing: .unconditional, help: "Dimension n: per player for bilinear-matrix and quadratic, total for avi-psd (default 200), strategies per player for matrix-game (default 50).")
    var dimension: Int?

    @Option(parsing: .unconditional, help: "Start point as comma-separated values, θ first then φ (default: the game's own, e.g. 2,0.5 for bilinear).")
    var start: String?

    @Option(parsing: .unconditional, help: "Confine both players to the box [-c, c] (avi-psd defaults to 1; use 0 for none).")
    var box: Double?

    @Option(help: "Dirac-GAN loss.")
    var loss: DiracGAN.Loss = .standard

    @Option(parsing: .unconditional, help: "Discriminator-only penalty weight γ ≥ 0 (Dirac-GAN: Tikhonov/R1; Gaussian-location: SGP).")
    var penalty: Double = 0

    @Option(parsing: .unconditional, help: "Mean m of the Gaussian-location game's data.")
    var mean: Double = 1

    @Option(parsing: .unconditional, help: "Quadratic game: generator curvature a > 0.")
    var generatorCurvature: Double = 1

    @Option(parsing: .unconditional, help: "Quadratic game: discriminator curvature b > 0.")
    var discriminatorCurvature: Double = 1

    @Option(parsing: .unconditional, help: "Quadratic game: coupling scale.")
    var coupling: Double = 1

    @Option(help: "avi: the matrix M (CSV or NPY '<f8'/'<f4', C order).")
    var matrix: String?

    @Option(help: "avi: the offset q (CSV or NPY).")
    var offset: String?

    @Option(parsing: .unconditional, help: "finite-sum-bilinear: number of terms n (minibatches draw term indices).")
    var terms: Int = 100

    @Option(parsing: .unconditional, help: "Additive noise σ ≥ 0 on every oracle call (makes the oracle stochastic; SPEC §6).")
    var noise: Double = 0

    @Option(parsing: .unconditional, help: "Minibatch size N for a stochastic oracle (noise averages over N draws).")
    var batchSize: Int = 1

    func validateRanges() throws {
        for (flag, value) in [("--box", box), ("--penalty", penalty), ("--mean", mean), ("--generator-curvature", generatorCurvature),
                              ("--discriminator-curvature", discriminatorCurvature), ("--coupling", coupling), ("--noise", noise)] {
            if let v = value, !v.isFinite { throw ValidationError("\(flag) must be a finite number, got \(v)") }
        }
        if let n = dimension {
            let least = game == .aviPSD ? 2 : 1
            if n < least { throw ValidationError("--dimension must be at least \(least) for \(game.rawValue), got \(n)") }
        }
        // The dense matrices these games hold, in Float64, checked before they are drawn.
        let n = Double(dimension ?? 0)
        let matrices: Double? = switch game {
        case .bilinearMatrix, .matrixGame: n * n
        case .aviPSD: 2 * n * n
        case .quadratic: 3 * n * n
        case .finiteSumBilinear: Double(terms) * n * n
        default: nil
        }
        if let entries = matrices {
            do { try MemoryBudget.require(entries * 8 * 2, for: "--dimension \(dimension ?? 0)\(game == .finiteSumBilinear ? " --terms \(terms)" : "") (\(game.rawValue): its matrices in Float64)") } catch {
                throw ValidationError("\(error)")
            }
        }
        if let b = box, b < 0 { throw ValidationError("--box must be ≥ 0, got \(b)") }
        if penalty < 0 { throw ValidationError("--penalty must be ≥ 0, got \(penalty)") }
        if noise < 0 { throw ValidationError("--noise must be ≥ 0, got \(noise)") }
        if terms < 1 { throw ValidationError("--terms must be at least 1, got \(terms)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if game == .quadratic, !(generatorCurvature > 0 && discriminatorCurvature > 0) {
            throw ValidationError("--generator-curvature and --discriminator-curvature must be > 0")
        }
        if game == .avi && (matrix == nil || offset == nil) {
            throw ValidationError("--game avi needs --matrix FILE and --offset FILE (CSV or NPY)")
        }
    }

    func startPoint(_ sizes: PerPlayer<Int>) throws -> BlockVector? {
        guard let s = start else { return nil }
        let values = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.allSatisfy({ $0 != nil && $0!.isFinite }), values.count == sizes.generator + sizes.discriminator else {
            throw ValidationError("--start needs \(sizes.generator + sizes.discriminator) comma-separated finite numbers (θ then φ), got '\(s)'")
        }
        let v = values.map { $0! }
        return BlockVector(generator: Array(v[0..<sizes.generator]), discriminator: Array(v[sizes.generator...]))
    }

    /// The problem, and the resolved game parameters for the config.
    func make(seed: UInt64) throws -> (problem: any VariationalInequality, entries: [(String, String)]) {
        try validateRanges()
        let boxOrNil = box.flatMap { $0 > 0 ? $0 : nil }
        var entries: [(String, String)] = [("game", game.rawValue)]
        var problem: any VariationalInequality
        switch game {
        case .bilinear:
            problem = BilinearGame.scalar(box: boxOrNil)
            entries.append(("box", boxOrNil.map { "\($0)" } ?? "none"))
        case .bilinearMatrix:
            let n = dimension ?? 10
            problem = BilinearGame.random(dimension: n, seed: seed, box: boxOrNil)
            entries += [("dimension", "\(n)"), ("box", boxOrNil.map { "\($0)" } ?? "none")]
        case .quadratic:
            let n = dimension ?? 1
            problem = QuadraticGame(dimension: n, generatorCurvature: generatorCurvature, discriminatorCurvature: discriminatorCurvature,
                                    coupling: coupling, seed: seed)
            entries += [("dimension", "\(n)"), ("generator_curvature", "\(generatorCurvature)"),
                        ("discriminator_curvature", "\(discriminatorCurvature)"), ("coupling", "\(coupling)")]
        case .diracGAN:
            problem = DiracGAN(loss: loss, penaltyWeight: penalty, clip: boxOrNil)
            entries += [("loss", loss.rawValue), ("penalty", "\(penalty)"), ("clip", boxOrNil.map { "\($0)" } ?? "none")]
        case .gaussianLocation:
            problem = GaussianLocationGame(mean: mean, penaltyWeight: penalty)
            entries += [("mean", "\(mean)"), ("penalty", "\(penalty)"), ("penalty_real_weight", "1.0"), ("penalty_fake_weight", "1.0")]
        case .aviPSD:
            let n = dimension ?? 200
            let c = box.map { $0 > 0 ? $0 : nil } ?? 1
            problem = AffineVariationalInequality.psd(dimension: n, seed: seed, box: c)
            entries += [("dimension", "\(n)"), ("box", c.map { "\($0)" } ?? "none")]
        case .avi:
            guard let m = matrix, let q = offset else {
                throw ValidationError("--game avi needs --matrix FILE and --offset FILE (CSV or NPY)")
            }
            for (flag, path) in [("--matrix", m), ("--offset", q)] {
                if !FileManager.default.fileExists(atPath: path) { throw CLIError("\(flag) \(path): no such file") }
                if let problem = notARegularFile(path) { throw CLIError("\(flag) \(path): \(problem); give a CSV or NPY file") }
            }
            problem = try AffineVariationalInequality.load(matrix: m, offset: q, box: boxOrNil)
            entries += [("matrix", m), ("offset", q), ("box", boxOrNil.map { "\($0)" } ?? "none")]
        case .matrixGame:
            let n = dimension ?? 50
            problem = MatrixGame.random(rows: n, columns: n, seed: seed)
            entries.append(("dimension", "\(n)"))
        case .finiteSumBilinear:
            let d = dimension ?? 10
            problem = FiniteSumBilinearGame(terms: terms, dimension: d, batchSize: batchSize, seed: seed)
            entries += [("dimension", "\(d)"), ("terms", "\(terms)"), ("batch_size", "\(batchSize)"), ("box", "1.0")]
        }
        entries.append(("lipschitz", problem.lipschitzConstant.map { "\($0)" } ?? "unknown"))
        if noise > 0 {
            problem = AdditiveNoise(problem, noiseLevel: noise, batchSize: batchSize)
            entries += [("noise", "\(noise)"), ("batch_size", "\(batchSize)")]
        }
        return (problem, entries)
    }
}
