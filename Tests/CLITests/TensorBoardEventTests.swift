import Foundation
import Testing
import TestSupport

/// `saddle train`'s TensorBoard event files (issue 20, item 3), read back by the `tensorboard`
/// Python package: every scalar equals its `metrics.jsonl` number at float32 precision, the sample
/// images are PNGs (at the first and the last step, and never twice at one), and a run killed in the middle of an event and resumed shows every step once —
/// both as Saddle leaves tb/ and with the killed session's file left untrimmed, where TensorBoard's
/// own purge at the resumed session's `session_log` START must drop the orphaned steps.
@Suite("TensorBoard event files of saddle train")
struct TensorBoardEventTests {
    static let arguments = ["--iterations", "160", "--log-every", "20", "--checkpoint-every", "50", "--batch-size", "64", "--threads", "1"]

    /// SADDLE_PYTHON (scripts/test's venv) or the system's python3, when it imports tensorboard.
    static let python: String? = pythonImporting("tensorboard.backend.event_processing.event_accumulator")

    /// Reads each (tb folder, metrics.jsonl) pair with EventAccumulator and checks it; reads each
    /// event file with EventFileLoader (TensorBoard's record reader, which checks the CRCs).
    static let script = #"""
    import io, json, math, os, struct, sys
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    TOP = {"lossGenerator": "loss/generator", "lossDiscriminator": "loss/discriminator", "fieldNorm": "field_norm",
           "oracleCalls": "oracle_calls", "wallSeconds": "wall_seconds",
           "stepSizeGenerator": "step_size/generator", "stepSizeDiscriminator": "step_size/discriminator"}
    SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

    def number(v):
        if isinstance(v, bool): return None
        if isinstance(v, (int, float)): return float(v)
        return SPECIAL.get(v) if isinstance(v, str) else None

    def f32(x): return struct.unpack("<f", struct.pack("<f", x))[0]

    def expected_scalars(lines):
        out = {}
        for line in lines:
            pairs = [(t, number(line.get(k))) for k, t in TOP.items()]
            for g in ("last", "ema"):
                pairs += [("metrics/%s/%s" % (g, k), number(v)) for k, v in line[g].items()]
            for tag, v in pairs:
                if v is not None: out.setdefault(tag, []).append((line["iteration"], v))
        return out

    def check(tb, metrics):
        lines = [json.loads(l) for l in open(metrics)]
        steps = [l["iteration"] for l in lines]
        acc = EventAccumulator(tb, size_guidance={"scalars": 0, "images": 0})
        acc.Reload()
        want = expected_scalars(lines)
        got_tags = set(acc.Tags()["scalars"])
        assert got_tags == set(want), "tags differ: only in tb %s, only in metrics.jsonl %s" % (sorted(got_tags - set(want)), sorted(set(want) - got_tags))
        count = 0
        for tag, points in want.items():
            got = [(e.step, e.value) for e in acc.Scalars(tag)]
            assert [s for s, _ in got] == [s for s, _ in points], "%s: steps %s, metrics.jsonl %s" % (tag, [s for s, _ in got], [s for s, _ in points])
            for (s, g), (_, w) in zip(got, points):
                assert g == f32(w) or (math.isnan(g) and math.isnan(w)), "%s at %d: %r in tb, %r in metrics.jsonl" % (tag, s, g, w)
                count += 1
        assert "step_size/generator" in want and "metrics/ema/highQualityPercent" in want and "loss/generator" in want, sorted(want)
        images = 0
        image_steps = {}
        for tag in ("samples/last", "samples/ema"):
            events = acc.Images(tag)
            # Drawn when the run draws its PNGs: the first interval of each session, then at most every
            # 10 s, and the last; each step once.
            s = image_steps[tag] = [e.step for e in events]
            assert s == sorted(set(s)) and set(s) <= set(steps) and s[0] == steps[0] and s[-1] == steps[-1], "%s: steps %s" % (tag, s)
            for e in events:
                png = e.encoded_image_string
                assert png[:8] == b"\x89PNG\r\n\x1a\n", tag
                assert struct.unpack(">II", png[16:24]) == (e.width, e.height), tag
                try:
                    from PIL import Image
                    im = Image.open(io.BytesIO(png)); im.load()
                    assert im.size == (e.width, e.height), (tag, im.size)
                except ImportError:
                    pass
                images += 1
        files = sorted(f for f in os.listdir(tb) if f.startswith("events.out.tfevents."))
        kinds = []
        for f in files:
            events = list(EventFileLoader(os.path.join(tb, f)).Load())
            assert events[0].file_version == "brain.Event:2", f
            kinds.append([e.WhichOneof("what") + ("@%d" % e.step if e.WhichOneof("what") == "session_log" else "") for e in events[1:3]])
        print("%s: %d scalars, %d images at %s, steps %s, files %s" % (tb, count, images, image_steps["samples/ema"], steps, kinds))
        return files, kinds

    whole = check(sys.argv[1] + "/whole/tb", sys.argv[1] + "/whole/metrics.jsonl")
    resumed = check(sys.argv[1] + "/k/tb", sys.argv[1] + "/k/metrics.jsonl")
    check(sys.argv[1] + "/untrimmed", sys.argv[1] + "/k/metrics.jsonl")
    assert len(whole[0]) == 1, whole
    assert len(resumed[0]) == 2 and resumed[1][1][0] == "session_log@101", resumed
    print("ok")
    """#

    /// `--no-tensorboard` writes no tb/ and records `tensorboard: false`; a resume may turn it on,
    /// and history.jsonl records the change.
    @Test func noTensorBoardFlagAndTurningItOnAtResume() throws {
        let dir = try makeScratchFolder("tensorboard-flag")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let off = try SaddleBinary.run(["train", "--out", dir + "/r", "--iterations", "20", "--log-every", "10", "--batch-size", "32", "--threads", "1", "--no-tensorboard"])
        #expect(off.status == 0, "\(off.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/r/tb"))
        #expect(try String(contentsOfFile: dir + "/r/config.yaml", encoding: .utf8).contains("\ntensorboard: false\n"))
        let on = try SaddleBinary.run(["train", "--resume", dir + "/r", "--iterations", "40", "--tensorboard"])
        #expect(on.status == 0, "\(on.stderr)")
        #expect(try String(contentsOfFile: dir + "/r/config.yaml", encoding: .utf8).contains("\ntensorboard: true\n"))
        #expect(try String(contentsOfFile: dir + "/r/history.jsonl", encoding: .utf8).contains("\"tensorboard\":\"false → true\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/r/tb").filter { $0.hasPrefix("events.out.tfevents.") }.count == 1)
        let bad = try SaddleBinary.run(["train", "--resume", dir + "/r", "--iterations", "60", "--tensorboard", "--no-tensorboard", "--seed", "3"])
        #expect(bad.status != 0 && bad.stderr.contains("--seed cannot be combined with --resume"), "\(bad.stderr)")
    }

    @Test func everyScalarMatchesMetricsAndAResumedRunShowsEachStepOnce() throws {
        guard let python = Self.python else {
            print("SKIPPED TensorBoardEventTests: no python with the tensorboard package (scripts/test installs it into its venv; SADDLE_PYTHON names another)")
            return
        }
        let dir = try makeScratchFolder("tensorboard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        // A whole run, its writes recorded: tb/'s are the file version, then one event per log interval.
        let writes = try WriteLog.record(["train", "--out", dir + "/whole"] + Self.arguments)
        let events = writes.filter { $0.kind == "tensorboard" }
        try #require(events.count == 1 + 8, "\(events.count) event-file writes")
        // The same run killed in the middle of the event of iteration 140: the newest checkpoint is
        // 100's, and tb/ holds the event of 120 whole and 140's cut short.
        let span = events[7]
        let killed = try SaddleBinary.run(["train", "--out", dir + "/k"] + Self.arguments + ["--test-faults", "kill-after-bytes=\((span.start + span.end) / 2)"])
        #expect(killed.status != 0)
        let before = try fm.contentsOfDirectory(atPath: dir + "/k/tb")
        #expect(before.count == 1)
        try fm.createDirectory(atPath: dir + "/untrimmed", withIntermediateDirectories: false)
        for name in before { try fm.copyItem(atPath: dir + "/k/tb/" + name, toPath: dir + "/untrimmed/" + name) }
        let resumed = try SaddleBinary.run(["train", "--resume", dir + "/k"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("tb/\(before[0]): dropped 1 event(s) past iteration 100 and "), "\(resumed.stderr)")
        // TensorBoard's purge sees the killed session's file as it was, and the resumed session's.
        for name in try fm.contentsOfDirectory(atPath: dir + "/k/tb") where !before.contains(name) {
            try fm.copyItem(atPath: dir + "/k/tb/" + name, toPath: dir + "/untrimmed/" + name)
        }
        let (status, stdout, stderr) = try runPython(python, script: Self.script, arguments: [dir])
        #expect(status == 0 && stdout.hasSuffix("ok\n"), "\(stdout)\n\(stderr)")
        print(stdout, terminator: "")
    }
}
