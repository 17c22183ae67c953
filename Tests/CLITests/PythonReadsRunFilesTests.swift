import Foundation
import Testing
import TestSupport

/// The run folders' YAML and JSON as other tools read them: PyYAML (`yaml.safe_load`, a YAML 1.1
/// reader) types every real in config.yaml as a float, every integer as an int and every boolean
/// as a bool, with the values the text states; Python's `json` parses every JSON file and line
/// (summary.json, metrics.jsonl, history.jsonl, the marker) of a `train` and a `solve` run.
@Suite("run files read by PyYAML and Python's json")
struct PythonReadsRunFilesTests {
    static let python: String? = {
        let found = pythonImporting("yaml")
        if found == nil { print("SKIPPED PythonReadsRunFilesTests: no python3 with PyYAML (scripts/test installs it into its venv; set SADDLE_PYTHON)") }
        return found
    }()

    static let script = #"""
        import json, re, sys, yaml
        checked = 0
        for folder in sys.argv[1:]:
            text = open(folder + "/config.yaml").read()
            loaded = yaml.safe_load(text)
            for line in text.splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                key, raw = [p.strip() for p in line.split(":", 1)]
                value = loaded[key]
                if re.fullmatch(r"[-+]?[0-9]+", raw):
                    assert type(value) is int and value == int(raw), (folder, key, raw, value)
                elif raw in ("true", "false"):
                    assert value is (raw == "true"), (folder, key, raw, value)
                elif raw == "null":
                    assert value is None, (folder, key, raw)
                else:
                    try:
                        number = float(raw)
                    except ValueError:
                        number = None
                    if number is not None:
                        assert type(value) is float and value == number, (folder, key, raw, value)
                    else:
                        assert type(value) is str, (folder, key, raw, value)
                checked += 1
            for name in ["summary.json", ".saddle-run.json"]:
                json.load(open(folder + "/" + name))
                checked += 1
            for name in ["metrics.jsonl", "history.jsonl"]:
                try:
                    lines = open(folder + "/" + name).read().splitlines()
                except FileNotFoundError:
                    continue
                for line in lines:
                    json.loads(line)
                    checked += 1
        print(checked)
        """#

    @Test(.enabled(if: PythonReadsRunFilesTests.python != nil))
    func configAndJSONReadAsTyped() throws {
        let dir = try makeScratchFolder("python-reads")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = try SaddleBinary.run(["train", "--out", dir + "/t", "--iterations", "20", "--log-every", "10", "--checkpoint-every", "20",
                                          "--batch-size", "32", "--threads", "1", "--step-size", "1e-5"])
        #expect(train.status == 0, "\(train.stderr)")
        let solve = try SaddleBinary.run(["solve", "--out", dir + "/s", "--iterations", "20", "--step", "2e-5"])
        #expect(solve.status == 0, "\(solve.stderr)")
        // The exponent forms this test is about are present.
        #expect(try String(contentsOfFile: dir + "/t/config.yaml", encoding: .utf8).contains("generator_step_size: 1.0e-05"))
        let (status, printed, failure) = try runPython(Self.python!, script: Self.script, arguments: [dir + "/t", dir + "/s"])
        #expect(status == 0, "\(failure)")
        #expect((Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 60, "\(printed)")
    }
}
