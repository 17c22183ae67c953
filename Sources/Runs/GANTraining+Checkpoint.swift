import Formats
import Foundation
import Games
import Solvers
import Tensors

/// Checkpoints of ``GANTraining`` in the safetensors format (format version 3).
///
/// Tensors (rank 1, the players' dtype — Float32 for `saddle train`; θ and φ are the players'
/// parameter vectors, layer by layer, each layer's weight [out, in] row-major as in PyTorch, then
/// its bias):
/// - `generator` [nθ], `discriminator` [nφ]: the iterate ω_k;
/// - `generator_ema` [nθ]: the EMA generator (a copy of `solver.average.generator`, for readers);
/// - `solver.<field>.generator` / `solver.<field>.discriminator`: every vector of the solver's state,
///   named by its field path — the averaging wrapper's `solver.average.*`, and inside it the
///   schedule's and the method's: for Past-Extra-Adam `solver.base.base.previousField.*` (EFTP's
///   stored g_{k−1}), `solver.base.base.rule.firstMoment.*` and `solver.base.base.rule.secondMoment.*`
///   (Adam's m and v);
/// - `network.generator.<name>`, `network.discriminator.<name>`: the networks' non-trainable state
///   (none for MLPs).
/// Metadata (strings): `format` = `saddle-checkpoint`, `format_version` = `3`, `iteration`,
/// `solver` (the method), `solver_state` (JSON of the state's scalars, with the tensors' names in
/// place of the vectors), `oracle` (JSON: oracle-call counter, batch size, the minibatch
/// generator's Philox state, the last minibatch), `configuration` (JSON), `saddle_version`,
/// `wall_seconds`.
///
/// **Format 2** (Saddle before 2026-12-03: no wrappers, whole minibatches split in halves) is read
/// for `saddle sample`, `eval`, `report` and `analyze` — ω and `generator_ema` — but not resumed:
/// minibatches are now drawn per shard, so such a run could not continue as it would have.
extension GANTraining {
    public static let checkpointFormatVersion = "3"
    static let legacyFormatVersion = "2"

    public func serialize(_ s: State) throws -> SafeTensors {
        var f = SafeTensors()
        f.add("generator", s.omega[.generator].copy())
        f.add("discriminator", s.omega[.discriminator].copy())
        f.add("generator_ema", s.ema.copy())
        for (player, network) in [("generator", gan.generator), ("discriminator", gan.discriminator)] {
            for t in network.nonTrainableState { f.add("network.\(player).\(t.name)", t.tensor.copy()) }
        }
        let archive = TensorArchive(prefix: "solver.")
        let solverJSON = try JSON.text(AnyEncodable(s.solver), userInfo: [.tensorArchive: archive])
        for e in archive.entries { f.add(e.name, e.tensor) }
        f.metadata = [
            "format": "saddle-checkpoint",
            "format_version": Self.checkpointFormatVersion,
            "iteration": "\(s.iteration)",
            "solver": solver.name,
            "solver_state": solverJSON,
            "oracle": try JSON.text(s.oracle),
            "configuration": try JSON.text(configuration),
            "saddle_version": SaddleVersion.string,
            "wall_seconds": "\(s.wallSeconds)",
        ]
        return f
    }

    /// Reads and checks a checkpoint written for this configuration (iterations, logging and
    /// checkpoint intervals, TensorBoard logging, and the data file's path, may differ). Format 2 is read only when
    /// not `forResuming` (see the extension's notes); its solver state is then a fresh one.
    public func load(_ path: String, forResuming: Bool = false) throws -> State {
        try load(try SafeTensors.read(path), file: path, forResuming: forResuming)
    }

    /// ``load(_:forResuming:)`` on a file already read; `path` names it in errors.
    public func load(_ f: SafeTensors, file path: String, forResuming: Bool = false) throws -> State {
        func meta(_ key: String) throws -> String {
            guard let v = f.metadata[key] else { throw FormatError.corruptHeader(file: path, detail: "metadata lacks \(key) (not a Saddle checkpoint?)") }
            return v
        }
        guard try meta("format") == "saddle-checkpoint" else { throw FormatError.corruptHeader(file: path, detail: "metadata format is not saddle-checkpoint") }
        let version = try meta("format_version")
        let legacy = version == Self.legacyFormatVersion
        guard version == Self.checkpointFormatVersion || legacy else {
            throw FormatError.badValue(file: path, location: "format_version", value: String(version.prefix(20)),
                                       allowed: "\(Self.checkpointFormatVersion) (or \(Self.legacyFormatVersion), read but not resumed)")
        }
        if legacy && forResuming {
            throw RunError.runFolder(path: path, problem: "written by an earlier Saddle (checkpoint format 2), whose minibatches were split in halves; minibatches are now drawn per shard, so the run cannot continue as it would have. saddle sample, eval and analyze still read it")
        }
        let decoder = JSON.decoder
        func decode<T: Decodable>(_ type: T.Type, _ key: String, with d: JSONDecoder = decoder) throws -> T {
            do { return try d.decode(T.self, from: Foundation.Data(try meta(key).utf8)) } catch let e as Formats.FormatError { throw e } catch {
                throw FormatError.corruptHeader(file: path, detail: "metadata \(key) is not valid (\(error))")
            }
        }
        var saved: TrainingConfiguration
        do { saved = try TrainingConfiguration.decode(json: Foundation.Data(try meta("configuration").utf8)) } catch let e as Formats.FormatError { throw e } catch {
            throw FormatError.corruptHeader(file: path, detail: "metadata configuration is not valid (\(error))")
        }
        // Decoded JSON skips the config file's range checks: run them (they bound every size).
        do { try saved.validate() } catch { throw FormatError.corruptHeader(file: path, detail: "metadata configuration: \(error)") }
        saved.iterations = configuration.iterations
        saved.logEvery = configuration.logEvery
        saved.checkpointEvery = configuration.checkpointEvery
        // TensorBoard logging does not change the training either (and older checkpoints lack the key).
        saved.tensorboard = configuration.tensorboard
        // The data file may have moved (or be read from another working directory): the data set's
        // name decides what the checkpoint fits, not the path.
        saved.dataFile = configuration.dataFile
        // Threads do not change results (shards do), so a run may resume on another count.
        saved.threads = configuration.threads
        if legacy { saved.shards = configuration.shards }
        guard saved == configuration else {
            throw RunError.runFolder(path: path, problem: "the checkpoint was written with another configuration than config.yaml ("
                                     + saved.differences(from: configuration).prefix(3).map { "\($0.key) \($0.value) here, \($0.other) in config.yaml" }.joined(separator: "; ") + ")")
        }
        let method = try meta("solver")
        guard method == solver.name else {
            throw RunError.runFolder(path: path, problem: "the checkpoint was written by \(String(method.prefix(40))), this training runs \(solver.name)")
        }
        let oracle = try decode(Oracle.Checkpoint.self, "oracle")
        guard oracle.batchSize >= 1, oracle.batchSize <= TrainingConfiguration.maximumBatchSize,
              oracle.counter.blockEvaluations >= 0, oracle.counter.samples >= 0, oracle.counter.productCalls >= 0 else {
            throw FormatError.badValue(file: path, location: "metadata oracle", value: "batch \(oracle.batchSize), counts \(oracle.counter.blockEvaluations), \(oracle.counter.samples)",
                                       allowed: "a batch size in 1…\(TrainingConfiguration.maximumBatchSize) and non-negative counts")
        }
        let iterationText = try meta("iteration")
        guard let iteration = Int(iterationText), iteration >= 0, iteration <= TrainingConfiguration.maximumIterations else {
            throw FormatError.badValue(file: path, location: "metadata iteration", value: String(iterationText.prefix(40)),
                                       allowed: "an integer in 0…\(TrainingConfiguration.maximumIterations)")
        }
        let secondsText = try meta("wall_seconds")
        guard let seconds = Double(secondsText), seconds.isFinite, seconds >= 0 else {
            throw FormatError.badValue(file: path, location: "metadata wall_seconds", value: String(secondsText.prefix(40)), allowed: "a finite number ≥ 0")
        }
        let n = sizes
        let g = try f.tensor("generator", file: path, shape: [n.generator])
        let d = try f.tensor("discriminator", file: path, shape: [n.discriminator])
        let ema = try f.tensor("generator_ema", file: path, shape: [n.generator])
        for (name, t) in [("generator", g), ("discriminator", d), ("generator_ema", ema)] {
            guard t.dtype == game.dtype else { throw FormatError.unsupportedType(file: path, type: "\(t.dtype) (tensor \(name))", allowed: "\(game.dtype)") }
            try requireFinite(t, file: path, name: name)
        }
        let omega = BlockVector(generator: g, discriminator: d)
        for (player, network) in [("generator", gan.generator), ("discriminator", gan.discriminator)] {
            let prefix = "network.\(player)."
            var tensors: [String: Tensor] = [:]
            for e in f.entries where e.name.hasPrefix(prefix) {
                try requireFinite(e.tensor, file: path, name: e.name)
                tensors[String(e.name.dropFirst(prefix.count))] = e.tensor.copy()
            }
            do { try network.restoreNonTrainableState(tensors) } catch { throw FormatError.badValue(file: path, location: "network.\(player)", value: "\(error)", allowed: "this configuration's network state") }
        }
        let solverState: any Sendable & Codable
        if legacy {
            solverState = try initialState().solver
        } else {
            let stateDecoder = JSON.decoder
            stateDecoder.userInfo[.tensorArchive] = TensorArchive(prefix: "solver.", entries: f.entries.filter { $0.name.hasPrefix("solver.") }.map { ($0.name, $0.tensor) })
            solverState = try decodeState(solver, with: stateDecoder, path: path, json: try meta("solver_state"), at: omega)
        }
        return State(iteration: iteration, omega: omega, ema: ema.copy(), solver: solverState, oracle: oracle, wallSeconds: seconds)
    }

    /// Decodes the solver's state and checks it against ω (``Solver/validate(_:at:)``).
    func decodeState<S: Solver>(_ solver: S, with decoder: JSONDecoder, path: String, json: String, at omega: BlockVector) throws -> any Sendable & Codable {
        let state: S.State
        do { state = try decoder.decode(S.State.self, from: Foundation.Data(json.utf8)) } catch {
            throw FormatError.corruptHeader(file: path, detail: "the solver state does not match \(solver.name) (\(error))")
        }
        do { try solver.validate(state, at: omega) } catch {
            throw FormatError.badValue(file: path, location: "metadata solver_state", value: "\(error)", allowed: "a state of \(solver.name) for this configuration")
        }
        return state
    }
}

/// Encodes an existential `Encodable` through its own `encode(to:)`, keeping the coding path
/// empty so tensor names start at the state's fields.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
