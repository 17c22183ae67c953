import Foundation
import Formats
import Games
import Solvers
import Tensors

/// YAML configs and presets for `saddle train`: every field of ``TrainingConfiguration``
/// under its snake_case key. Later layers override earlier ones: defaults, then `--preset`, then
/// `--config FILE`, then flags.
extension TrainingConfiguration {
    /// The format of `config.yaml`: 2 since the keys `shards` and `format_version` (2026-12-03), 3
    /// since `lookahead_steps`, `lookahead_alpha`, `max_oracle_calls` and the newer methods' keys, 4
    /// since `tensorboard`, 5 since `architecture` and `spectral_norm`, 6 since `ema_debias`; a config
    /// without the key is format 1. Older formats read the same (the later keys take their defaults).
    public static let formatVersion = 6

    /// The keys a config file may set, in the order `config.yaml` lists them.
    public static let yamlKeys = ["dataset", "data_file", "iterations", "max_oracle_calls", "batch_size", "latent", "hidden", "architecture", "spectral_norm", "loss", "method",
                                  "generator_step_size", "discriminator_step_size", "step_size_decay_start", "step_size_decay_end",
                                  "step_size_decay_final", "beta1", "beta2", "relaxation", "lookahead_steps", "lookahead_alpha", "sga_adjustment", "cgd_linear_solver",
                                  "cgd_max_inner_products", "anderson_memory", "agraal_phi", "sgld_steps", "thermal_noise", "damping", "preconditioned",
                                  "regularizer", "regularizer_weight", "ema_decay", "ema_debias", "seed", "shards", "threads",
                                  "evaluation_samples", "log_every", "checkpoint_every", "tensorboard"]

    /// The keys whose values are YAML booleans, `true` or `false`.
    static let booleanKeys: Set<String> = ["preconditioned", "tensorboard", "spectral_norm", "ema_debias"]

    /// Methods that train a GAN: every ``SolverKind`` but the simplex-only mirror methods and EAG-V,
    /// whose step recursion needs the Lipschitz constant of F (``untrainableReason(_:)`` says why).
    public static var trainableMethods: [SolverKind] { SolverKind.allCases.filter { untrainableReason($0) == nil } }

    /// The `method` that is consensus optimization (Mescheder et al. 2017): forward–backward on
    /// F + γJᵀF, i.e. `method: fb` with `regularizer: consensus` (γ = `regularizer_weight`).
    public static let consensusOptimization = "consensus-optimization"

    /// Every name `method` takes — in a config file, a sweep file and `saddle train --method` alike:
    /// each trainable method's name and its aliases (``SolverRegistry``), then consensus-optimization.
    public static var methodNames: [String] {
        SolverRegistry.builtIn.entries.filter { trainableMethods.contains($0.kind) }.flatMap { [$0.name] + $0.aliases } + [consensusOptimization]
    }

    /// What a `method` name selects: a solver, or consensus optimization (fb with the consensus regularizer).
    public enum MethodChoice: Equatable, Sendable {
        case kind(SolverKind)
        case consensusOptimization
    }

    /// The method called `name` (a name or alias of ``methodNames``); otherwise why not, as the
    /// allowed-values text of an error: a method that cannot train says why, an unknown name lists
    /// ``methodNames``.
    public static func method(named name: String) -> Result<MethodChoice, MethodNameError> {
        if name == consensusOptimization { return .success(.consensusOptimization) }
        if let e = SolverRegistry.builtIn.entry(named: name) {
            if let reason = untrainableReason(e.kind) { return .failure(MethodNameError(allowed: "\(name) \(reason)")) }
            return .success(.kind(e.kind))
        }
        return .failure(MethodNameError(allowed: "one of " + methodNames.joined(separator: ", ")))
    }

    /// Why a `method` name was refused (``method(named:)``).
    public struct MethodNameError: Error, Sendable, CustomStringConvertible {
        public let allowed: String
        public var description: String { allowed }
    }

    /// Why `kind` cannot train a GAN, or nil.
    public static func untrainableReason(_ kind: SolverKind) -> String? {
        switch kind {
        case .mirrorDescent, .mirrorProx: return "plays mixed strategies on the simplex, not a network's parameters: use it with `saddle solve --game matrix-game`"
        case .eagV: return "needs the Lipschitz constant L of F for its step recursion, which a GAN does not know: use eag-c or feg"
        default: return nil
        }
    }

    /// Named starting points (`--preset NAME`), themselves YAML.
    public static let presets: [String: String] = [
        "ring": "# ring of 8 Gaussians: the defaults\ndataset: ring\n",
        "grid": """
            # grid of 25 Gaussians (std 0.05): R1 scales like γ/σ², so γ = 1 here against 0.1 on the
            # ring (std 0.02); longer, with the decay over 10k–35k (docs/training.md's sweep)
            dataset: grid
            iterations: 50000
            regularizer_weight: 1
            step_size_decay_start: 10000
            step_size_decay_end: 35000
            """,
        "mnist": """
            # MNIST-5k (4,000 training images; run scripts/fetch-mnist5k first): W2's networks.
            # Measured at seed 0 (docs/training.md): 10/10 classes, class KL 0.007 and Fréchet 5.6
            # (EMA) at 5,000 iterations, against 1,136 for the untrained generator.
            dataset: mnist
            hidden: 256
            batch_size: 64
            iterations: 5000
            generator_step_size: 0.002
            discriminator_step_size: 0.002
            beta2: 0.9
            step_size_decay_final: 1
            regularizer: r1
            regularizer_weight: 1
            log_every: 1000
            """,
        "mnist-dcgan": """
            # MNIST-5k with the DCGAN networks (docs/convolutional.md): G 64 → 128·7·7 → BN, ReLU →
            # ConvT 128→64 → BN, ReLU → ConvT 64→1 → sigmoid; D Conv 1→64 → Conv 64→128 → dense.
            # α and γ from sweeps on seed 100 (not an evaluation seed), 800 iterations each, chosen
            # by the last generator's Fréchet distance: α ∈ {2e-4, 5e-4, 1e-3} × γ ∈ {1, 10}, then
            # past that grid's best corner (α 1e-3, γ 1) α ∈ {1e-3, 2e-3, 4e-3} × γ ∈ {0.01, 0.1, 1}
            # (docs/convolutional.md).
            dataset: mnist
            architecture: dcgan
            hidden: 64
            batch_size: 64
            iterations: 2000
            generator_step_size: 0.002
            discriminator_step_size: 0.002
            beta2: 0.99
            step_size_decay_final: 1
            regularizer: r1
            regularizer_weight: 0.1
            log_every: 500
            """,
    ]

    /// Applies a YAML document; `file` names it in errors. Each value is type- and range-checked.
    public mutating func apply(yaml text: String, file: String) throws {
        let entries = try FlatYAML.parse(text, file: file).entries
        for e in entries { try set(e.key, e.value, file: file, line: e.line) }
        // A config.yaml that Saddle wrote before `ema_debias` existed (it states its format, 2 to 5)
        // described a plain EMA: it reads as one, so its run resumes as it began.
        if let stated = entries.last(where: { $0.key == "format_version" }).flatMap({ Int($0.value) }), stated < 6,
           !entries.contains(where: { $0.key == "ema_debias" }) {
            emaDebias = false
        }
        // consensus-optimization is fb with the consensus regularizer: a file that names it and
        // another regularizer asks for two things at once.
        if entries.last(where: { $0.key == "method" })?.value == Self.consensusOptimization, regularizer != .consensus {
            throw ConfigError.outOfRange(file: file, key: "regularizer", value: regularizer.rawValue,
                                         allowed: "method \(Self.consensusOptimization) is fb with regularizer consensus; drop the regularizer key or use method fb")
        }
    }

    /// The largest config file Saddle reads: 1 MiB. A resolved `config.yaml` (every key, with a
    /// comment line) is under 1 KB, so this leaves room for any amount of comments while keeping a
    /// mistaken `--config` (a data file, `/dev/zero`) from being read whole.
    public static let maximumConfigFileByteCount = 1 << 20

    /// Applies a config file of at most ``maximumConfigFileByteCount`` bytes of UTF-8 text.
    public mutating func apply(configFile path: String) throws {
        let bytes: [UInt8]
        do { bytes = try readFileBytes(path, limit: Self.maximumConfigFileByteCount) } catch let e as Formats.FormatError {
            switch e {
            case .unreadable(_, let reason): throw ConfigError.syntax(file: path, line: 0, detail: reason)
            case .tooLarge(_, let detail, let limit): throw ConfigError.syntax(file: path, line: 0, detail: "too large for a config file: \(detail); the limit is \(limit)")
            default: throw ConfigError.syntax(file: path, line: 0, detail: "\(e)")
            }
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ConfigError.syntax(file: path, line: 0, detail: "cannot read the file as UTF-8 text")
        }
        try apply(yaml: text, file: path)
    }

    /// Sets one key from its YAML text.
    public mutating func set(_ key: String, _ value: String, file: String, line: Int = 0) throws {
        func int(min: Int, max: Int = Int.max) throws -> Int {
            guard let v = Int(value) else { throw ConfigError.wrongType(file: file, key: key, value: value, expected: "an integer") }
            guard v >= min else { throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: "must be at least \(min)") }
            guard v <= max else { throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: "must be at most \(max)") }
            return v
        }
        func real(_ ok: (Double) -> Bool, _ allowed: String) throws -> Double {
            // Finite, not just spelled without "nan"/"inf": Double("1e999") and Double("-nan") parse
            // to ±infinity and NaN, which config.yaml would write back as text that reads as an error.
            guard let v = Double(value), v.isFinite else {
                throw ConfigError.wrongType(file: file, key: key, value: value, expected: "a number")
            }
            guard ok(v) else { throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: allowed) }
            return v
        }
        func choice<T: RawRepresentable>(_ cases: [T]) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: value), cases.contains(where: { $0.rawValue == value }) else {
                throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: "one of " + cases.map(\.rawValue).joined(separator: ", "))
            }
            return v
        }
        switch key {
        case "format_version":
            // Configs written before the key existed (format 1) read the same: every later key has a default.
            guard let v = Int(value), (1...Self.formatVersion).contains(v), value == "\(v)" else {
                throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: "1 to \(Self.formatVersion) (this Saddle's); a newer Saddle wrote it")
            }
        case "dataset":
            guard ["ring", "grid", "mnist"].contains(value) else { throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: "one of ring, grid, mnist") }
            dataset = value
        case "data_file": dataFile = value
        case "loss": loss = try choice(NeuralGAN.Loss.allCases)
        case "method":
            switch Self.method(named: value) {
            case .success(.kind(let kind)): method = kind
            case .success(.consensusOptimization):
                method = .fb
                regularizer = .consensus
            case .failure(let e): throw ConfigError.outOfRange(file: file, key: key, value: value, allowed: e.allowed)
            }
        case "regularizer": regularizer = try choice(TrainingRegularizer.allCases)
        case "regularizer_weight": regularizerWeight = try real({ $0 >= 0 }, "must be ≥ 0")
        case "relaxation": relaxation = try real({ $0 > 0 && $0 <= 1 }, "must lie in (0, 1]")
        case "lookahead_steps": lookaheadSteps = try int(min: 0, max: Self.maximumIterations)
        case "lookahead_alpha": lookaheadAlpha = try real({ $0 > 0 && $0 <= 1 }, "must lie in (0, 1]")
        case "sga_adjustment": sgaAdjustment = try real({ $0 > 0 && $0 <= 1e6 }, "must lie in (0, 1e6]")
        case "cgd_linear_solver": cgdLinearSolver = try choice(CompetitiveGradient.LinearSolver.allCases)
        case "cgd_max_inner_products": cgdMaxInnerProducts = try int(min: 1, max: 100_000)
        case "anderson_memory": andersonMemory = try int(min: 1, max: 100)
        case "agraal_phi": agraalPhi = try real({ $0 > 1 && $0 <= 1.618034 }, "must lie in (1, 1.618034]")
        case "iterations": iterations = try int(min: 1, max: Self.maximumIterations)
        case "max_oracle_calls": maxOracleCalls = try real({ $0 >= 0 && $0 <= 1e15 }, "must lie in [0, 1e15] (0: no budget)")
        // Upper bounds keep a typo from becoming an out-of-memory crash: a step holds ~20
        // activations of batch × hidden floats.
        case "batch_size": batchSize = try int(min: 1, max: Self.maximumBatchSize)
        case "latent": latent = try int(min: 1, max: Self.maximumWidth)
        case "hidden": hidden = try int(min: 1, max: Self.maximumWidth)
        case "generator_step_size": generatorStepSize = try real({ $0 > 0 }, "must be positive")
        case "discriminator_step_size": discriminatorStepSize = try real({ $0 > 0 }, "must be positive")
        case "sgld_steps": sgldSteps = try int(min: 1, max: 1_000_000)
        case "thermal_noise": thermalNoise = try real({ $0 >= 0 }, "must be ≥ 0")
        case "damping": damping = try real({ $0 > 0 && $0 <= 1 }, "must lie in (0, 1]")
        case "preconditioned":
            guard ["true", "false"].contains(value) else { throw ConfigError.wrongType(file: file, key: key, value: value, expected: "true or false") }
            preconditioned = value == "true"
        case "tensorboard", "spectral_norm", "ema_debias":
            guard ["true", "false"].contains(value) else { throw ConfigError.wrongType(file: file, key: key, value: value, expected: "true or false") }
            switch key {
            case "tensorboard": tensorboard = value == "true"
            case "spectral_norm": spectralNorm = value == "true"
            default: emaDebias = value == "true"
            }
        case "architecture": architecture = try choice(Architecture.allCases)
        case "step_size_decay_start": stepSizeDecayStart = try int(min: 0, max: Self.maximumIterations)
        case "step_size_decay_end": stepSizeDecayEnd = try int(min: 0, max: Self.maximumIterations)
        case "step_size_decay_final": stepSizeDecayFinal = try real({ $0 > 0 && $0 <= 1 }, "must lie in (0, 1]")
        case "beta1": beta1 = try real({ $0 >= 0 && $0 < 1 }, "must lie in [0, 1)")
        case "beta2": beta2 = try real({ $0 >= 0 && $0 < 1 }, "must lie in [0, 1)")
        case "ema_decay": emaDecay = try real({ $0 >= 0 && $0 < 1 }, "must lie in [0, 1)")
        case "seed":
            guard let v = UInt64(value) else { throw ConfigError.wrongType(file: file, key: key, value: value, expected: "an integer in 0…2⁶⁴−1") }
            seed = v
        case "threads": threads = try int(min: 1, max: Self.maximumThreads)
        case "shards": shards = try int(min: 1, max: Self.maximumShards)
        case "evaluation_samples": evaluationSamples = try int(min: 1, max: Self.maximumEvaluationSamples)
        case "log_every": logEvery = try int(min: 1, max: Self.maximumIterations)
        case "checkpoint_every": checkpointEvery = try int(min: 0, max: Self.maximumIterations)
        default:
            throw ConfigError.unknownKey(file: file, line: line, key: key, allowed: ["format_version"] + Self.yamlKeys)
        }
    }

    /// The keys whose values differ from `other`'s: (key, this value, the other's).
    public func differences(from other: TrainingConfiguration) -> [(key: String, value: String, other: String)] {
        func values(_ c: TrainingConfiguration) -> [String: String] {
            var v: [String: String] = [:]
            for line in c.yaml.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                v[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return v
        }
        let a = values(self), b = values(other)
        return Self.yamlKeys.compactMap { k in a[k] == b[k] ? nil : (k, a[k] ?? "?", b[k] ?? "?") }
    }

    static func yamlReal(_ x: Double) -> String { FlatYAML.real(x) }

    /// The resolved configuration as YAML (every key; reads back to the same configuration).
    public var yaml: String {
        var s = "# saddle train: resolved configuration (Saddle \(SaddleVersion.string))\nformat_version: \(Self.formatVersion)\n"
        let values: [String: String] = [
            "dataset": dataset, "data_file": dataFile, "loss": loss.rawValue, "method": method.rawValue,
            "relaxation": Self.yamlReal(relaxation), "lookahead_steps": "\(lookaheadSteps)", "lookahead_alpha": Self.yamlReal(lookaheadAlpha),
            "sga_adjustment": Self.yamlReal(sgaAdjustment), "cgd_linear_solver": cgdLinearSolver.rawValue,
            "cgd_max_inner_products": "\(cgdMaxInnerProducts)", "anderson_memory": "\(andersonMemory)", "agraal_phi": Self.yamlReal(agraalPhi),
            "regularizer": regularizer.rawValue, "regularizer_weight": Self.yamlReal(regularizerWeight),
            "iterations": "\(iterations)", "max_oracle_calls": Self.yamlReal(maxOracleCalls), "batch_size": "\(batchSize)", "latent": "\(latent)",
            "hidden": "\(hidden)", "generator_step_size": Self.yamlReal(generatorStepSize), "discriminator_step_size": Self.yamlReal(discriminatorStepSize),
            "step_size_decay_start": "\(stepSizeDecayStart)", "step_size_decay_end": "\(stepSizeDecayEnd)",
            "step_size_decay_final": Self.yamlReal(stepSizeDecayFinal), "sgld_steps": "\(sgldSteps)", "thermal_noise": Self.yamlReal(thermalNoise),
            "damping": Self.yamlReal(damping), "preconditioned": "\(preconditioned)",
            "beta1": Self.yamlReal(beta1), "beta2": Self.yamlReal(beta2), "ema_decay": Self.yamlReal(emaDecay), "ema_debias": "\(emaDebias)", "seed": "\(seed)",
            "shards": "\(shards)", "threads": "\(threads)", "evaluation_samples": "\(evaluationSamples)", "log_every": "\(logEvery)",
            "checkpoint_every": "\(checkpointEvery)", "tensorboard": "\(tensorboard)",
            "architecture": architecture.rawValue, "spectral_norm": "\(spectralNorm)",
        ]
        // A boolean is written plain (YAML's true/false); strings that read as one are quoted.
        for k in Self.yamlKeys { s += "\(k): \(Self.booleanKeys.contains(k) ? values[k]! : FlatYAML.scalar(values[k]!))\n" }
        return s
    }
}
