import Runs

extension FuzzTarget {
    /// YAML: the flat reader and the training configuration on top of it. A configuration read is
    /// written as `config.yaml` (``TrainingConfiguration/yaml``) and reads back equal, since a
    /// resumed run reads exactly that file.
    static func checkYAML(_ bytes: [UInt8]) -> String? {
        // Config files are read as UTF-8 text; invalid sequences become U+FFFD, as a reader of
        // `String(decoding:)` would see them (apply(configFile:) refuses them with a message).
        let text = String(decoding: bytes, as: UTF8.self)
        do { _ = try FlatYAML.parse(text, file: file) } catch { return checkError(error) }
        var configuration = TrainingConfiguration()
        do { try configuration.apply(yaml: text, file: file) } catch { return checkError(error) }
        var again = TrainingConfiguration()
        do { try again.apply(yaml: configuration.yaml, file: file) } catch {
            return "the resolved config.yaml does not read back: \(error)"
        }
        guard again == configuration else { return "the configuration changed on a write and a second read" }
        // What `saddle train` does next with a configuration; its errors (RunError, SolverError,
        // ConfigError) need only be one line.
        do { try configuration.validate() } catch {
            let text = "\(error)"
            return text.contains("\n") || text.contains("\r") ? "validate() gave a message of several lines: \(text.debugDescription)" : nil
        }
        return nil
    }
}
