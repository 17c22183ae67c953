import ArgumentParser
import Foundation
import Saddle

/// What `saddle eval`'s shared options say.
enum EvalHelp: SharedOptionsHelp {
    static let json = "Print one JSON object: checkpoint, classifier (MNIST), dataset, iteration, samples, last, ema."
}

extension MNISTClassifier.Architecture: ExpressibleByArgument {}

/// `saddle eval CHECKPOINT`: the metrics of a checkpoint's last and EMA generator.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a checkpoint's last and EMA generator with the training metrics.",
        discussion: """
        Draws the run's evaluation samples (the same noise as training, so for a run's final \
        checkpoint the numbers equal summary.json's `last` and `ema`) and scores them: for the \
        mixtures modes covered, % high-quality samples, KL to uniform and the smallest mode's share \
        (SPEC §6); image metrics for MNIST when the metrics module provides them.

        MNIST checkpoints are scored by the classifier of every run's metrics (an MLP) unless         --classifier convolutional asks for the small convolutional classifier's features         (docs/metrics.md): the way to compare a convolutional generator with a dense one by         features that see strokes and edges. It is trained once (about a minute on one core) and         cached beside the data file.

        Examples:
          saddle eval runs/a/checkpoints/iteration-00010000.safetensors
          saddle eval runs/a/checkpoints/iteration-00010000.safetensors --samples 10000 --json
          saddle eval runs/mnist/checkpoints/iteration-00002000.safetensors --classifier convolutional
        """)

    @Argument(help: "A checkpoint written by `saddle train`.")
    var checkpoint: String
    @Option(parsing: .unconditional, help: ArgumentHelp("Samples to score. (default: the run's evaluation_samples, \(grouped(TrainingConfiguration().evaluationSamples)) unless the run set it)", valueName: "n"))
    var samples: Int?
    @OptionGroup var jsonOption: JSONOption<EvalHelp>
    var json: Bool { jsonOption.json }
    @Option(help: "MNIST checkpoints: the data file, when it is not where the run read it (data_file of its configuration).")
    var dataFile: String?
    @Option(help: ArgumentHelp("MNIST checkpoints: the classifier whose features and classes score the images: \(MNISTClassifier.Architecture.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "classifier"))
    var classifier: MNISTClassifier.Architecture = .mlp

    func validate() throws {
        if let n = samples, n < 2 || n > TrainingConfiguration.maximumEvaluationSamples {
            throw ValidationError("--samples must lie in 2…\(TrainingConfiguration.maximumEvaluationSamples), got \(n)")
        }
    }

    func run() throws {
        let (training, state) = try loadCheckpoint(checkpoint, dataFile: dataFile)
        let n = samples ?? training.configuration.evaluationSamples
        try requireActivationMemory(training, samples: n, flag: "--samples \(n)")
        var last = training.metrics(of: state.omega[.generator], count: n)
        var ema = training.metrics(of: state.ema, count: n, standingStatistics: true)
        if classifier != .mlp {
            guard training.data.images != nil else {
                throw CLIError("--classifier \(classifier): \(checkpoint) is a \(training.configuration.dataset) run; only MNIST runs are scored by a classifier")
            }
            let other = try MNISTClassifier.loadOrTrain(dataFile: training.configuration.dataFile, architecture: classifier) { Console.error($0) }
            last.images = other.metrics(of: training.samples(of: state.omega[.generator], count: n))
            ema.images = other.metrics(of: training.samples(of: state.ema, count: n, standingStatistics: true))
        }
        let lastJSON = try JSONValueEncoder().encode(last), emaJSON = try JSONValueEncoder().encode(ema)
        if json {
            var fields: [(String, JSONValue)] = [("checkpoint", .string(checkpoint))]
            if training.data.images != nil { fields.append(("classifier", .string(classifier.rawValue))) }
            fields += [("dataset", .string(training.configuration.dataset)), ("ema", emaJSON),
                       ("iteration", .integer(Int64(state.iteration))), ("last", lastJSON), ("samples", .integer(Int64(n)))]
            print(JSONValue.object(fields).text(sortedKeys: true))
            return
        }
        let objects = [lastJSON, emaJSON].map { (try? JSONSerialization.jsonObject(with: Data($0.text().utf8)) as? [String: Any]) ?? [:] }
        print("\(checkpoint): \(training.configuration.dataset), iteration \(state.iteration), \(n) samples"
              + (training.data.images != nil ? ", \(classifier) classifier" : ""))
        let keys = RunPlots.metricKeys(objects)
        guard !keys.isEmpty else { print("(no metrics for this data set)"); return }
        let labels = keys.map(RunPlots.label)
        let w = max(10, labels.map(\.count).max()!)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        print("metric".padding(toLength: w, withPad: " ", startingAt: 0) + pad("last", 12) + pad("EMA", 12))
        for (key, label) in zip(keys, labels) {
            print(label.padding(toLength: w, withPad: " ", startingAt: 0)
                  + pad(RunPlots.format(key, in: objects[0]), 12) + pad(RunPlots.format(key, in: objects[1]), 12))
        }
    }
}
