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

/// Game parameters of `saddle solve` and `saddle analyze`. The games' own parameters are optional
/// here, so that one given to a game that does not read it is told apart from its default (and
/// warned about, ``warnIgnored(_:)``); ``Defaults`` holds the values used when they are not given.
struct SolveGameOptions: ParsableArguments {
    /// The values a game parameter takes when not given (the help states them).
    enum Defaults {
        static let game = SolveGameChoice.bilinear
        static let dimension: [SolveGameChoice: Int] = [.bilinearMatrix: 10, .quadratic: 1, .aviPSD: 200, .matrixGame: 50, .finiteSumBilinear: 10]
        static let aviPSDBox = 1.0
        static let loss = DiracGAN.Loss.standard
        static let penalty = 0.0, mean = 1.0, curvature = 1.0, coupling = 1.0, noise = 0.0
        static let terms = 100, batchSize = 1
    }

    @Option(name: .customLong("game"), help: ArgumentHelp("The problem: \(SolveGameChoice.choiceList). (default: \(Defaults.game.rawValue))", valueName: "game"),
            transform: { try parseChoice($0, as: SolveGameChoice.self, what: "game") })
    var gameChoice: SolveGameChoice?
    var game: SolveGameChoice { gameChoice ?? Defaults.game }

    @Option(parsing: .unconditional, help: ArgumentHelp("Dimension n: per player for bilinear-matrix (default: \(Defaults.dimension[.bilinearMatrix]!)), quadratic (default: \(Defaults.dimension[.quadratic]!)) and finite-sum-bilinear (default: \(Defaults.dimension[.finiteSumBilinear]!)), total for avi-psd (default: \(Defaults.dimension[.aviPSD]!)), strategies per player for matrix-game (default: \(Defaults.dimension[.matrixGame]!)).", valueName: "n"))
    var dimension: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Start point as comma-separated values, θ first then φ. (default: the game's own, e.g. 2,0.5 for bilinear)", valueName: "values"))
    var start: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("bilinear, bilinear-matrix, dirac-gan (its clip), avi-psd, avi: confine both players to the box [-c, c]; 0: none. (default: none; avi-psd: \(Defaults.aviPSDBox))", valueName: "c"))
    var box: Double?

    @Option(help: ArgumentHelp("dirac-gan: the loss. (default: \(Defaults.loss.rawValue))", valueName: "loss"))
    var loss: DiracGAN.Loss?

    @Option(parsing: .unconditional, help: ArgumentHelp("dirac-gan, gaussian-location: discriminator-only penalty weight γ ≥ 0 (Dirac-GAN: Tikhonov/R1; Gaussian-location: SGP). (default: \(Defaults.penalty))", valueName: "gamma"))
    var penalty: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("gaussian-location: the mean m of the data. (default: \(Defaults.mean))", valueName: "m"))
    var mean: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("quadratic: generator curvature a > 0. (default: \(Defaults.curvature))", valueName: "a"))
    var generatorCurvature: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("quadratic: discriminator curvature b > 0. (default: \(Defaults.curvature))", valueName: "b"))
    var discriminatorCurvature: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("quadratic: coupling scale. (default: \(Defaults.coupling))", valueName: "scale"))
    var coupling: Double?

    @Option(help: ArgumentHelp("avi: the matrix M (CSV or NPY '<f8'/'<f4', C order).", valueName: "file"))
    var matrix: String?

    @Option(help: ArgumentHelp("avi: the offset q (CSV or NPY).", valueName: "file"))
    var offset: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("finite-sum-bilinear: number of terms n (minibatches draw term indices). (default: \(Defaults.terms))", valueName: "n"))
    var terms: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Additive noise σ ≥ 0 on every oracle call (makes the oracle stochastic; SPEC §6). (default: \(Defaults.noise))", valueName: "sigma"))
    var noise: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("finite-sum-bilinear, or any game with --noise: the minibatch size N (noise averages over N draws). (default: \(Defaults.batchSize))", valueName: "n"))
    var batchSize: Int?

    /// Each game parameter given, and whether `game` reads it.
    var givenParameters: [(flag: String, given: Bool, readers: [SolveGameChoice])] {
        let noiseOn = (noise ?? 0) > 0
        return [
            ("--dimension", dimension != nil, Array(Defaults.dimension.keys).sorted { $0.rawValue < $1.rawValue }),
            ("--box", box != nil, [.bilinear, .bilinearMatrix, .diracGAN, .aviPSD, .avi]),
            ("--loss", loss != nil, [.diracGAN]),
            ("--penalty", penalty != nil, [.diracGAN, .gaussianLocation]),
            ("--mean", mean != nil, [.gaussianLocation]),
            ("--generator-curvature", generatorCurvature != nil, [.quadratic]),
            ("--discriminator-curvature", discriminatorCurvature != nil, [.quadratic]),
            ("--coupling", coupling != nil, [.quadratic]),
            ("--matrix", matrix != nil, [.avi]),
            ("--offset", offset != nil, [.avi]),
            ("--terms", terms != nil, [.finiteSumBilinear]),
            ("--batch-size", batchSize != nil, noiseOn ? SolveGameChoice.allCases : [.finiteSumBilinear]),
        ]
    }

    /// One warning line per game parameter given that the game does not read; `instead` names what
    /// is analyzed instead of `--game` (analyze's --neural-gan, --checkpoint), when something is.
    func warnIgnored(instead: String? = nil) {
        for p in givenParameters + [("--game", gameChoice != nil, []), ("--start", start != nil, []), ("--noise", noise != nil, [])] where p.given {
            if let instead {
                Console.error("warning: \(p.flag) is ignored: \(instead) analyzes another game than --game's")
            } else if !p.readers.isEmpty, !p.readers.contains(game) {
                SaddleCLI.warnIgnored(p.flag, by: "--game \(game.rawValue)", usedBy: p.readers.map(\.rawValue).joined(separator: ", ") + (p.flag == "--batch-size" ? " (and any game with --noise)" : ""))
            }
        }
    }

    func validateRanges() throws {
        for (flag, value) in [("--box", box), ("--penalty", penalty), ("--mean", mean), ("--generator-curvature", generatorCurvature),
                              ("--discriminator-curvature", discriminatorCurvature), ("--coupling", coupling), ("--noise", noise)] {
            if let v = value, !v.isFinite { throw ValidationError("\(flag) must be a finite number, got \(v)") }
        }
        if let n = dimension {
            let least = game == .aviPSD ? 2 : 1
            if n < least { throw ValidationError("--dimension must be at least \(least) for \(game.rawValue), got \(n)") }
        }
        let terms = self.terms ?? Defaults.terms
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
        if let p = penalty, p < 0 { throw ValidationError("--penalty must be ≥ 0, got \(p)") }
        if let s = noise, s < 0 { throw ValidationError("--noise must be ≥ 0, got \(s)") }
        if terms < 1 { throw ValidationError("--terms must be at least 1, got \(terms)") }
        if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be at least 1, got \(b)") }
        if game == .quadratic, !((generatorCurvature ?? Defaults.curvature) > 0 && (discriminatorCurvature ?? Defaults.curvature) > 0) {
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
        let (loss, penalty, mean) = (self.loss ?? Defaults.loss, self.penalty ?? Defaults.penalty, self.mean ?? Defaults.mean)
        let (generatorCurvature, discriminatorCurvature) = (self.generatorCurvature ?? Defaults.curvature, self.discriminatorCurvature ?? Defaults.curvature)
        let (coupling, terms, noise, batchSize) = (self.coupling ?? Defaults.coupling, self.terms ?? Defaults.terms, self.noise ?? Defaults.noise, self.batchSize ?? Defaults.batchSize)
        let boxOrNil = box.flatMap { $0 > 0 ? $0 : nil }
        var entries: [(String, String)] = [("game", game.rawValue)]
        var problem: any VariationalInequality
        switch game {
        case .bilinear:
            problem = BilinearGame.scalar(box: boxOrNil)
            entries.append(("box", boxOrNil.map { "\($0)" } ?? "none"))
        case .bilinearMatrix:
            let n = dimension ?? Defaults.dimension[.bilinearMatrix]!
            problem = BilinearGame.random(dimension: n, seed: seed, box: boxOrNil)
            entries += [("dimension", "\(n)"), ("box", boxOrNil.map { "\($0)" } ?? "none")]
        case .quadratic:
            let n = dimension ?? Defaults.dimension[.quadratic]!
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
            let n = dimension ?? Defaults.dimension[.aviPSD]!
            let c = box.map { $0 > 0 ? $0 : nil } ?? Defaults.aviPSDBox
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
            let n = dimension ?? Defaults.dimension[.matrixGame]!
            problem = MatrixGame.random(rows: n, columns: n, seed: seed)
            entries.append(("dimension", "\(n)"))
        case .finiteSumBilinear:
            let d = dimension ?? Defaults.dimension[.finiteSumBilinear]!
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
