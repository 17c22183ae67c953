import Autodiff
import Formats
import Foundation
import Metrics
import Tensors

/// Rebuilding a training from one checkpoint file, for `saddle sample` and `saddle eval`.
extension GANTraining {
    /// The ``GANTraining`` a checkpoint was written by, and the checkpoint's state.
    ///
    /// The configuration comes from the checkpoint's `configuration` metadata (so a lone
    /// checkpoint file works); a file without it falls back to the run folder's `config.yaml`
    /// (`RUN/checkpoints/FILE` → `RUN/config.yaml`). A missing, truncated or corrupt file, or one
    /// that is not a Saddle checkpoint, is an error naming it.
    public static func restore(checkpoint path: String) throws -> (training: GANTraining, state: State) {
        try restore(checkpoint: path, dataFile: nil)
    }

    /// ``restore(checkpoint:)`` with `dataFile` (when not nil) in place of the data file's path the
    /// run was trained with (MNIST checkpoints read their data set; a relative path is relative to
    /// the working directory).
    public static func restore(checkpoint path: String, dataFile: String?) throws -> (training: GANTraining, state: State) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RunError.runFolder(path: path, problem: "no such checkpoint file")
        }
        let file = try SafeTensors.read(path)
        return try restore(file, path: path, dataFile: dataFile)
    }

    /// ``restore(checkpoint:dataFile:)`` on a file already read; `path` names it in errors and
    /// locates `config.yaml` when the metadata has no configuration.
    public static func restore(_ file: SafeTensors, path: String, dataFile: String?,
                               building: (TrainingConfiguration) throws -> GANTraining = { try GANTraining($0) }) throws -> (training: GANTraining, state: State) {
        guard file.metadata["format"] == "saddle-checkpoint" else {
            throw FormatError.corruptHeader(file: path, detail: "metadata format is not saddle-checkpoint (not a Saddle checkpoint?)")
        }
        var configuration: TrainingConfiguration
        if let json = file.metadata["configuration"] {
            do { configuration = try TrainingConfiguration.decode(json: Foundation.Data(json.utf8)) } catch {
                throw FormatError.corruptHeader(file: path, detail: "metadata configuration is not valid (\(error))")
            }
        } else {
            let run = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: run + "/config.yaml") else {
                throw FormatError.corruptHeader(file: path, detail: "metadata lacks configuration and there is no \(run)/config.yaml")
            }
            configuration = TrainingConfiguration()
            try configuration.apply(configFile: run + "/config.yaml")
        }
        if let dataFile { configuration.dataFile = dataFile }
        // Decoded JSON skips the config file's range checks: run them before anything is built
        // from it (they bound every size).
        do { try configuration.validate() } catch { throw FormatError.corruptHeader(file: path, detail: "metadata configuration: \(error)") }
        let training = try building(configuration)
        return (training, try training.load(file, file: path))
    }

    /// `count` samples ([count, width]) of the generator with parameters `theta`: from the fixed
    /// evaluation noise when `seed` is nil (bit for bit the first `count` rows of the batch the
    /// metrics score, ``evaluationSamples(of:count:standingStatistics:)``), or from standard normal
    /// noise drawn with `seed`. `standingStatistics` for the EMA generator, as training samples it
    /// (``samples(of:count:standingStatistics:)``).
    public func samples(of theta: Tensor, count: Int, seed: UInt64?, standingStatistics: Bool = false) -> Tensor {
        guard let seed else { return evaluationSamples(of: theta, count: count, standingStatistics: standingStatistics) }
        var rng = RandomGenerator(seed: seed)
        let z = Tensor.normal([count, configuration.latent], using: &rng)
        return generate(z, parameters: theta, standingStatistics: standingStatistics)
    }

    /// The first `count` rows of the evaluation samples, bit for bit the rows the training metrics
    /// score: the generator runs on the whole evaluation noise (E = `evaluationSamples` rows) in
    /// one product, as training does, since a product over fewer rows may round differently in the
    /// last bits (BLAS kernels block by row count). Beyond E, rows E..<count come from the same noise
    /// stream in a second product.
    public func evaluationSamples(of theta: Tensor, count: Int, standingStatistics: Bool = false) -> Tensor {
        let e = configuration.evaluationSamples
        let all = samples(of: theta, count: max(count, e), standingStatistics: standingStatistics)
        guard count > e else { return all.view(from: 0, shape: Shape([count, all.shape.dims[1]])).copy() }
        let head = samples(of: theta, count: e, standingStatistics: standingStatistics)
        let width = all.shape.dims[1]
        all.address.copyMemory(from: head.address, byteCount: e * width * all.dtype.byteSize)
        return all
    }

    /// The metrics of `count` samples (default `evaluationSamples`, the number training scores) of
    /// the generator with parameters `theta`, from the evaluation noise: for the final
    /// checkpoint's θ and EMA (with `standingStatistics`, as training scores the EMA) they equal
    /// `summary.json`'s `last` and `ema`.
    public func metrics(of theta: Tensor, count: Int? = nil, standingStatistics: Bool = false) -> GeneratorMetrics {
        data.score(samples(of: theta, count: count ?? configuration.evaluationSamples, standingStatistics: standingStatistics))
    }
}
