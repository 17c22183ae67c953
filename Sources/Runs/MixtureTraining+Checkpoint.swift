import Formats
import Foundation
import Games
import Solvers
import Tensors

/// Checkpoints of ``MixtureTraining`` in the safetensors format (format version 1).
///
/// Tensors (Float32, rank 1; θ and φ are the players' parameter buffers, layer by layer, each
/// layer's weight [out, in] row-major, as in PyTorch, and then its bias):
/// - `generator` [nθ], `discriminator` [nφ]: the iterate ω_k;
/// - `generator_ema` [nθ]: the exponential moving average of θ;
/// - `solver.previous_field.generator` [nθ], `solver.previous_field.discriminator` [nφ]: EFTP's
///   stored g_{k−1};
/// - `solver.adam.first_moment.{generator,discriminator}`, `solver.adam.second_moment.{…}`: Adam's m, v.
/// Metadata (strings): `format` = `saddle-checkpoint`, `format_version` = `1`, `iteration`,
/// `adam_count` (Adam's clock), `oracle` (JSON: oracle-call counter, batch size and the minibatch
/// generator's Philox state), `configuration` (JSON), `solver`, `saddle_version`, `wall_seconds`.
extension MixtureTraining {
    public static let checkpointFormatVersion = "1"

    public func serialize(_ s: State) throws -> SafeTensors {
        var f = SafeTensors()
        f.add("generator", s.omega[.generator].copy())
        f.add("discriminator", s.omega[.discriminator].copy())
        f.add("generator_ema", s.ema.copy())
        if let g = s.solver.previousField {
            f.add("solver.previous_field.generator", g[.generator].copy())
            f.add("solver.previous_field.discriminator", g[.discriminator].copy())
        }
        for (name, m) in [("first_moment", s.solver.rule.firstMoment), ("second_moment", s.solver.rule.secondMoment)] {
            f.add("solver.adam.\(name).generator", m[.generator].copy())
            f.add("solver.adam.\(name).discriminator", m[.discriminator].copy())
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        f.metadata = [
            "format": "saddle-checkpoint",
            "format_version": Self.checkpointFormatVersion,
            "iteration": "\(s.iteration)",
            "adam_count": "\(s.solver.rule.count)",
            "oracle": String(decoding: try encoder.encode(s.oracle), as: UTF8.self),
            "configuration": String(decoding: try encoder.encode(configuration), as: UTF8.self),
            "solver": solver.kind.rawValue,
            "saddle_version": SaddleVersion.string,
            "wall_seconds": "\(s.wallSeconds)",
        ]
        return f
    }

    /// Reads a checkpoint written for this configuration (iterations may differ).
    public func load(_ path: String) throws -> State {
        let f = try SafeTensors.read(path)
        func meta(_ key: String) throws -> String {
            guard let v = f.metadata[key] else { throw FormatError.corruptHeader(file: path, detail: "metadata lacks \(key) (not a Saddle checkpoint?)") }
            return v
        }
        guard try meta("format") == "saddle-checkpoint" else { throw FormatError.corruptHeader(file: path, detail: "metadata format is not saddle-checkpoint") }
        let version = try meta("format_version")
        guard version == Self.checkpointFormatVersion else {
            throw FormatError.badValue(file: path, location: "format_version", value: version, allowed: Self.checkpointFormatVersion)
        }
        let decoder = JSONDecoder()
        var saved: MixtureTrainingConfiguration
        do { saved = try decoder.decode(MixtureTrainingConfiguration.self, from: Foundation.Data(try meta("configuration").utf8)) } catch let e as Formats.FormatError { throw e } catch {
            throw FormatError.corruptHeader(file: path, detail: "metadata configuration is not valid")
        }
        saved.iterations = configuration.iterations
        saved.logEvery = configuration.logEvery
        saved.checkpointEvery = configuration.checkpointEvery
        guard saved == configuration else {
            throw RunError.runFolder(path: path, problem: "the checkpoint was written with another configuration than config.yaml")
        }
        let oracle: Oracle.Checkpoint
        do { oracle = try decoder.decode(Oracle.Checkpoint.self, from: Foundation.Data(try meta("oracle").utf8)) } catch let e as Formats.FormatError { throw e } catch {
            throw FormatError.corruptHeader(file: path, detail: "metadata oracle is not valid")
        }
        guard let iteration = Int(try meta("iteration")), iteration >= 0, let count = Int(try meta("adam_count")), count >= 0 else {
            throw FormatError.corruptHeader(file: path, detail: "metadata iteration or adam_count is not a non-negative integer")
        }
        let n = sizes
        func pair(_ prefix: String) throws -> BlockVector {
            let g = try f.tensor(prefix + "generator", file: path, shape: [n.generator])
            let d = try f.tensor(prefix + "discriminator", file: path, shape: [n.discriminator])
            guard g.dtype == .float32, d.dtype == .float32 else { throw FormatError.unsupportedType(file: path, type: "F64 (\(prefix)…)", allowed: "F32") }
            return BlockVector(generator: g, discriminator: d)
        }
        let omega = try pair("")
        guard omega.isFinite else { throw FormatError.nonFinite(file: path, location: "generator/discriminator") }
        let ema = try f.tensor("generator_ema", file: path, shape: [n.generator])
        let previous = f["solver.previous_field.generator"] == nil ? nil : try pair("solver.previous_field.")
        // The states' memberwise initializers are internal to Solvers: build a fresh state (on a
        // scratch oracle) and overwrite every field.
        var scratch = Oracle(game, seed: 0)
        var solverState = try solver.makeState(at: omega, &scratch)
        solverState.previousField = previous
        solverState.rule.firstMoment = try pair("solver.adam.first_moment.")
        solverState.rule.secondMoment = try pair("solver.adam.second_moment.")
        solverState.rule.count = count
        return State(iteration: iteration, omega: omega, ema: ema.copy(), solver: solverState, oracle: oracle,
                     wallSeconds: Double(try meta("wall_seconds")) ?? 0)
    }
}
