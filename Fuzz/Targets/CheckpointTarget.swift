import Formats
import Runs
import Tensors

extension FuzzTarget {
    /// Checkpoint loading, as `saddle sample`, `eval` and `train --resume` do it: the bytes are
    /// read as a safetensors file and given to ``GANTraining/restore(_:path:dataFile:building:)``
    /// (the configuration from the metadata, validated, the networks built, every tensor and the
    /// solver state checked), then to `load(forResuming: true)`. A checkpoint accepted is written
    /// again (``GANTraining/serialize(_:)``) and must load to the same iteration, ω, EMA and oracle.
    ///
    /// Configurations are built only when small (hidden ≤ 16, latent ≤ 8, batch ≤ 64, evaluation
    /// samples ≤ 256, a 2-D data set), and cached: building the networks of a valid but large
    /// configuration is not the reader's work, and the config limits are the `yaml` target's.
    static func checkCheckpoint(_ bytes: [UInt8]) -> String? {
        let f: SafeTensors
        do { f = try SafeTensors.parse(bytes, file: file) } catch { return checkError(error) }
        let restored: (training: GANTraining, state: GANTraining.State)
        do {
            restored = try GANTraining.restore(f, path: file, dataFile: nil, building: smallTraining)
        } catch is TooLargeToFuzz { return nil } catch { return checkError(error) }
        do { _ = try restored.training.load(f, file: file, forResuming: true) } catch { return checkError(error) }
        let again: GANTraining.State
        do {
            let written = try restored.training.serialize(restored.state).serialized()
            again = try restored.training.load(try SafeTensors.parse(written, file: file), file: file, forResuming: true)
        } catch { return "a checkpoint Saddle loaded and wrote does not load: \(error)" }
        let a = restored.state, b = again
        guard a.iteration == b.iteration, a.oracle == b.oracle, a.wallSeconds == b.wallSeconds else {
            return "iteration, oracle or wall seconds changed on a write and a second read"
        }
        for (name, x, y) in [("generator", a.omega[.generator], b.omega[.generator]), ("discriminator", a.omega[.discriminator], b.omega[.discriminator]),
                             ("generator_ema", a.ema, b.ema)] {
            if let problem = compare(x, y, name) { return problem }
        }
        return nil
    }

    struct TooLargeToFuzz: Error {}

    nonisolated(unsafe) private static var trainings: [(TrainingConfiguration, GANTraining)] = []

    static func smallTraining(_ c: TrainingConfiguration) throws -> GANTraining {
        guard c.hidden <= 16, c.latent <= 8, c.batchSize <= 64, c.evaluationSamples <= 256, c.dataset != "mnist" else { throw TooLargeToFuzz() }
        if let t = trainings.first(where: { $0.0 == c })?.1 { return t }
        let t = try GANTraining(c)
        if trainings.count == 16 { trainings.removeFirst() }
        trainings.append((c, t))
        return t
    }
}
