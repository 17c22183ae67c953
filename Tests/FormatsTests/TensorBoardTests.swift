import Foundation
import Formats
import Testing
import TestSupport

/// TensorBoard event files (issue 20, item 3): CRC-32C against published vectors, TFRecord's masked
/// CRCs and framing against values TensorBoard's own Python implementation computes, the protobuf
/// bytes of events against hand-encoded ones, and the event file's writer, reader and trimming.
@Suite("TensorBoard event files")
struct TensorBoardTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = [], chars = Array(s.filter { !$0.isWhitespace })
        while chars.count >= 2 { out.append(UInt8(String(chars[0..<2]), radix: 16)!); chars.removeFirst(2) }
        return out
    }

    /// RFC 3720 §B.4's vectors, and the check value of the CRC catalogue.
    @Test func crc32cMatchesPublishedVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    /// Masked CRCs as `tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c` gives them.
    @Test func maskedCRCMatchesTensorBoards() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(CRC32C.checksum(Array("123456789".utf8))) == 0xC78A_B0E5)
        #expect(CRC32C.masked(CRC32C.checksum([5, 0, 0, 0, 0, 0, 0, 0])) == 0x3E04_B2EA)
        #expect(CRC32C.masked(CRC32C.checksum(Array("hello".utf8))) == 0x191C_1FBB)
    }

    /// A record of "hello": length 5, its masked CRC, the data, the data's masked CRC (little-endian).
    @Test func recordFramingAndRoundTrip() throws {
        let framed = TFRecord.frame(Array("hello".utf8))
        #expect(framed == Self.hex("0500000000000000 eab2043e 68656c6c6f bb1f1c19"))
        let three = framed + TFRecord.frame([]) + TFRecord.frame(Array(repeating: 7, count: 300))
        let records = try TFRecord.records(three, file: "r.tfevents")
        #expect(records.map(Array.init) == [Array("hello".utf8), [], Array(repeating: 7, count: 300)])
        // Cut anywhere inside the last record: the first two stay, and the tail is reported as truncated.
        let lastStart = framed.count + 16
        for cut in lastStart..<three.count {
            let s = TFRecord.scan(Array(three[0..<cut]))
            #expect(s.records.count == 2 && s.intactLength == lastStart)
            #expect(s.damage == (cut == lastStart ? nil : .truncated(offset: lastStart)), "cut at \(cut)")
        }
        // A flipped bit anywhere in a record: the records before it stay, the rest is corrupt.
        for i in 0..<framed.count {
            var bad = three
            bad[framed.count + 16 + i % 16] ^= 0x10   // inside the third record's header or data
            bad[i] ^= 0x01                             // and one in the first record
            let s = TFRecord.scan(bad)
            #expect(s.records.isEmpty && s.intactLength == 0, "byte \(i)")
            guard case .corrupt(0, _)? = s.damage else { Issue.record("byte \(i): \(String(describing: s.damage))"); continue }
            #expect(throws: FormatError.self) { try TFRecord.records(bad, file: "r.tfevents") }
        }
        do { _ = try TFRecord.records(Array(three.dropLast()), file: "r.tfevents"); Issue.record("a truncated file read") } catch {
            #expect("\(error)".hasPrefix("r.tfevents: truncated") && !"\(error)".contains("\n"), "\(error)")
        }
    }

    /// Event bytes encoded by hand from event.proto and summary.proto (the same bytes TensorBoard's
    /// `event_pb2` serializes, with step 0 written where proto3 would leave it out).
    @Test func eventBytesMatchHandEncoding() throws {
        // wall_time 1.5 (field 1, fixed64), step 300 (field 2, varint AC 02), summary (field 5) of one
        // value (field 1): tag "a" (field 1), simple_value 0.5 (field 2, fixed32 0x3F000000).
        let scalar = TensorBoardEvent(wallTime: 1.5, step: 300, .summary([.scalar("a", 0.5)]))
        #expect(scalar.serialized() == Self.hex("09 000000000000f83f 10 ac02 2a 0a 0a 08 0a 01 61 15 0000003f"))
        // session_log (field 7) with status START = 1.
        let start = TensorBoardEvent(wallTime: 2, step: 101, .sessionLog(status: TensorBoardEvent.sessionStart))
        #expect(start.serialized() == Self.hex("09 0000000000000040 10 65 3a 02 08 01"))
        // file_version (field 3), "brain.Event:2".
        let version = TensorBoardEvent(wallTime: 0.25, step: 0, .fileVersion(TensorBoardEvent.fileVersion))
        #expect(version.serialized() == Self.hex("09 000000000000d03f 10 00 1a 0d 627261696e2e4576656e743a32"))
        // A negative int64 is ten bytes; an image (Value field 4) holds height 1, width 2, colorspace 3, bytes 4.
        #expect(TensorBoardEvent(wallTime: 1, step: -1, .other).serialized() == Self.hex("09 000000000000f03f 10 ffffffffffffffffff01"))
        let image = TensorBoardEvent(wallTime: 1, step: 7, .summary([TensorBoardValue(tag: "im", .image(TensorBoardImage(height: 2, width: 3, colorspace: 4, encoded: [0x89, 0x50])))]))
        #expect(image.serialized() == Self.hex("09 000000000000f03f 10 07 2a 12 0a 10 0a 02 696d 22 0a 08 02 10 03 18 04 22 02 8950"))
        for e in [scalar, start, version, image] {
            #expect(try TensorBoardEvent(parsing: e.serialized()[...], file: "f", record: 0) == e)
        }
        // Fields Saddle does not write are skipped (source_metadata 10, Value.metadata 9), and an
        // event of another kind (log_message 6) reads as .other.
        let extra = Self.hex("09 000000000000f03f 10 07 52 00 2a 0c 0a 0a 0a 01 61 4a 00 15 0000803f")
        #expect(try TensorBoardEvent(parsing: extra[...], file: "f", record: 0) == TensorBoardEvent(wallTime: 1, step: 7, .summary([.scalar("a", 1)])))
        #expect(try TensorBoardEvent(parsing: Self.hex("10 05 32 00")[...], file: "f", record: 0).content == .other)
        // Malformed protobuf: a length past the end, a wrong wire type, an unfinished varint, a group.
        for bad in ["2a 05 0a", "11 0000000000000000", "10 ff", "0b", "1a 02 c328"] {
            do { _ = try TensorBoardEvent(parsing: Self.hex(bad)[...], file: "e.tfevents", record: 3); Issue.record("\(bad) read") } catch {
                #expect("\(error)".hasPrefix("e.tfevents: record 3: the event is invalid: "), "\(bad): \(error)")
            }
        }
    }

    static func png(width: UInt32, height: UInt32, colorType: UInt8) -> [UInt8] {
        func big(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32($0))) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + big(13) + Array("IHDR".utf8) + big(width) + big(height) + [8, colorType, 0, 0, 0] + [0, 0, 0, 0]
    }

    @Test func pngImagesReadTheirSizeAndChannels() {
        let rgba = TensorBoardImage(png: Self.png(width: 520, height: 440, colorType: 6))
        #expect(rgba?.width == 520 && rgba?.height == 440 && rgba?.colorspace == 4)
        #expect(TensorBoardImage(png: Self.png(width: 3, height: 2, colorType: 2))?.colorspace == 3)
        #expect(TensorBoardImage(png: Self.png(width: 3, height: 2, colorType: 0))?.colorspace == 1)
        #expect(TensorBoardImage(png: Self.png(width: 0, height: 2, colorType: 2)) == nil)
        #expect(TensorBoardImage(png: Self.png(width: 3, height: 2, colorType: 5)) == nil)
        #expect(TensorBoardImage(png: Array("<svg/>".utf8)) == nil)
    }

    /// The writer's file reads back event by event; trimming keeps steps ≤ k and the file version,
    /// and drops a tail a crash cut short; new names sort after the existing ones.
    @Test func writerTrimAndNames() throws {
        let dir = try makeScratchFolder("tfevents")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + TensorBoardEventWriter.newFileName(existing: [], now: 1_700_000_000.7, host: "h")
        #expect(path.hasSuffix("/events.out.tfevents.1700000000.h"))
        let w = try TensorBoardEventWriter(path: path, wallTime: 1_700_000_000.7)
        let events = (1...5).map { TensorBoardEvent(wallTime: 1_700_000_001 + Double($0), step: Int64(20 * $0), .summary([.scalar("loss", Float($0) / 3)])) }
        try w.append(Array(events[0..<2]))
        try w.append(Array(events[2...]))
        w.close()
        #expect(throws: FormatError.self) { try w.append(events) }
        #expect(throws: FormatError.self) { _ = try TensorBoardEventWriter(path: path, wallTime: 0) }   // never replaces a file
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let read = try TensorBoardEvent.events(bytes, file: path)
        #expect(read == [TensorBoardEvent(wallTime: 1_700_000_000.7, step: 0, .fileVersion("brain.Event:2"))] + events)
        #expect(try TensorBoardEventWriter.trimmed(path, keepingStepsThrough: 100) == nil)
        // A crash in the middle of a record: the tail goes, and so do the steps past 60.
        bytes += TFRecord.frame(events[0].serialized()).prefix(20)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let t = try #require(try TensorBoardEventWriter.trimmed(path, keepingStepsThrough: 60))
        #expect(t.droppedEvents == 2 && t.droppedBytes == 20)
        #expect(try TensorBoardEvent.events(t.bytes, file: path).map(\.step) == [0, 20, 40, 60])
        // Names: a second session within the same second sorts after the first one.
        let names = ["events.out.tfevents.1700000000.h", "events.out.tfevents.1700000001.other-host"]
        #expect(TensorBoardEventWriter.newFileName(existing: names, now: 1_700_000_001.2, host: "h") == "events.out.tfevents.1700000002.h")
        #expect(TensorBoardEventWriter.newFileName(existing: names, now: 1_800_000_000, host: "h") == "events.out.tfevents.1800000000.h")
        #expect(TensorBoardEventWriter.hostName("my host/ä.lan") == "my_host__.lan")
        #expect(TensorBoardEventWriter.hostName("") == "localhost")
    }
}
