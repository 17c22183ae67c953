import Foundation

// TensorBoard event files, written and read without TensorFlow or a protobuf library:
// - CRC32C: the Castagnoli CRC that TFRecord checksums its records with;
// - TFRecord: the record framing of event files (TensorFlow's tensorflow/core/lib/io/record_writer.cc);
// - TensorBoardEvent: the fields of `tensorboard.Event` (tensorboard/compat/proto/event.proto and
//   summary.proto) that Saddle writes, encoded and decoded by hand in the protobuf wire format;
// - TensorBoardEventWriter: an event file being appended to, safely (a crash leaves at most a
//   truncated last record, which TensorBoard's readers wait on and Saddle's resume drops).

// MARK: CRC-32C

/// CRC-32C, the Castagnoli CRC of iSCSI (RFC 3720 §B.4): reflected polynomial 0x82F63B78, initial
/// value and final XOR 0xFFFFFFFF, computed a byte at a time from a 256-entry table.
/// CRC32C("123456789") = 0xE3069283.
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes`.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The masked CRC that TFRecord stores: the CRC rotated right by 15 bits plus 0xa282ead8
    /// (mod 2³²), so that a CRC over data that itself holds CRCs stays informative.
    public static func masked(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }
}

// MARK: TFRecord

/// The TFRecord framing of TensorBoard's event files (TensorFlow's `record_writer.cc`): each record is
///
///     uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes ·
///     `length` bytes of data · uint32 masked CRC-32C of the data
///
/// with the CRCs masked by ``CRC32C/masked(_:)`` and stored little-endian. A file is records one
/// after another, nothing else.
public enum TFRecord {
    /// Bytes before a record's data (length and its CRC), and after it (the data's CRC).
    public static let headerSize = 12
    public static let footerSize = 4
    /// The largest record Saddle reads: 256 MiB (an event of Saddle's holds two PNGs of a few
    /// hundred KB at most). A length past it is damage, not a record.
    public static let maximumRecordSize = 256 << 20

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(data.count + headerSize + footerSize)
        let length = UInt64(data.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        appendUInt32(&out, CRC32C.masked(CRC32C.checksum(out[0..<8])))
        out += data
        appendUInt32(&out, CRC32C.masked(CRC32C.checksum(data)))
        return out
    }

    static func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
    }

    static func uint32(_ b: [UInt8], at i: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[i + $1]) << (8 * UInt32($1)) }
    }

    /// Why ``scan(_:)`` stopped before the end of its bytes.
    public enum Damage: Equatable, Sendable {
        /// The bytes end inside a record (a write in progress, or one a crash cut short).
        case truncated(offset: Int)
        /// A checksum that does not match, or a length past ``maximumRecordSize``: nothing after
        /// `offset` can be trusted (a record's length is the only way to the next one).
        case corrupt(offset: Int, detail: String)

        public var offset: Int {
            switch self {
            case .truncated(let o), .corrupt(let o, _): return o
            }
        }
    }

    /// What ``scan(_:)`` found: the intact records from the start, and why it stopped early.
    public struct Scan: Sendable {
        /// Each intact record's data, as a range of the scanned bytes, in order.
        public var records: [Range<Int>]
        /// The bytes the intact records take from the start (where a trimmed file would end).
        public var intactLength: Int
        /// nil when the bytes end exactly after the last intact record.
        public var damage: Damage?
    }

    /// Reads records from the start of `bytes` until they end or a record is damaged; never throws.
    public static func scan(_ bytes: [UInt8]) -> Scan {
        var records: [Range<Int>] = [], at = 0
        while at < bytes.count {
            guard bytes.count - at >= headerSize else { return Scan(records: records, intactLength: at, damage: .truncated(offset: at)) }
            let lengthCRC = CRC32C.masked(CRC32C.checksum(bytes[at..<(at + 8)]))
            guard lengthCRC == uint32(bytes, at: at + 8) else {
                return Scan(records: records, intactLength: at, damage: .corrupt(offset: at, detail: "the length's checksum does not match"))
            }
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            guard length <= UInt64(maximumRecordSize) else {
                return Scan(records: records, intactLength: at, damage: .corrupt(offset: at, detail: "a record of \(length) bytes, more than the \(maximumRecordSize) allowed"))
            }
            let start = at + headerSize, end = start + Int(length)
            guard end + footerSize <= bytes.count else { return Scan(records: records, intactLength: at, damage: .truncated(offset: at)) }
            guard CRC32C.masked(CRC32C.checksum(bytes[start..<end])) == uint32(bytes, at: end) else {
                return Scan(records: records, intactLength: at, damage: .corrupt(offset: at, detail: "the data's checksum does not match"))
            }
            records.append(start..<end)
            at = end + footerSize
        }
        return Scan(records: records, intactLength: at, damage: nil)
    }

    /// Every record of `bytes`, or a ``FormatError`` naming `file` when a record is cut short or damaged.
    public static func records(_ bytes: [UInt8], file: String) throws -> [ArraySlice<UInt8>] {
        let s = scan(bytes)
        switch s.damage {
        case nil: return s.records.map { bytes[$0] }
        case .truncated(let offset)?:
            throw FormatError.truncated(file: file, expected: offset + headerSize + footerSize, found: bytes.count)
        case .corrupt(let offset, let detail)?:
            throw FormatError.badValue(file: file, location: "the record at byte \(offset)", value: "damaged", allowed: detail)
        }
    }
}

// MARK: Protocol buffers, by hand

/// A protobuf message being encoded (the wire format of protobuf.dev's "Encoding" guide): each field
/// is a tag, (field number << 3) | wire type, as a varint, then its value — a varint (wire type
/// 0), 8 little-endian bytes (1), a varint length and that many bytes (2), or 4 little-endian bytes (5).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func tag(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }
    /// int64 and int32 fields: the two's-complement bits as a varint (10 bytes when negative).
    mutating func int(_ field: Int, _ v: Int64) { tag(field, 0); varint(UInt64(bitPattern: v)) }
    mutating func double(_ field: Int, _ v: Double) {
        tag(field, 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64(i)))) }
    }
    mutating func float(_ field: Int, _ v: Float) {
        tag(field, 5)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32(i)))) }
    }
    mutating func lengthDelimited(_ field: Int, _ v: [UInt8]) { tag(field, 2); varint(UInt64(v.count)); bytes += v }
    mutating func string(_ field: Int, _ s: String) { lengthDelimited(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ m: ProtoWriter) { lengthDelimited(field, m.bytes) }
}

/// A protobuf message being decoded: its fields in order, unknown ones included (the caller skips
/// them). Throws ``Malformed`` on bytes that are not the wire format; groups (wire types 3, 4),
/// deprecated since proto2, are refused.
struct ProtoReader {
    enum Value { case varint(UInt64), fixed64(UInt64), lengthDelimited(ArraySlice<UInt8>), fixed32(UInt32) }
    struct Malformed: Error { let detail: String }

    let bytes: ArraySlice<UInt8>
    var at: Int
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; at = bytes.startIndex }

    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            guard at < bytes.endIndex else { throw Malformed(detail: "a varint runs past the end of its message") }
            let b = bytes[at]; at += 1
            guard shift < 63 || b & 0x7E == 0 else { throw Malformed(detail: "a varint of more than 64 bits") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
        }
        throw Malformed(detail: "a varint of more than 10 bytes")
    }

    mutating func fixed(_ n: Int) throws -> UInt64 {
        guard bytes.endIndex - at >= n else { throw Malformed(detail: "a \(n)-byte field runs past the end of its message") }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        at += n
        return v
    }

    /// The next field, or nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard at < bytes.endIndex else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        guard field >= 1 && field <= 536_870_911 else { throw Malformed(detail: "field number \(key >> 3)") }
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try fixed(8)))
        case 2:
            let n = try varint()
            guard n <= UInt64(bytes.endIndex - at) else { throw Malformed(detail: "a field of \(n) bytes runs past the end of its message") }
            let slice = bytes[at..<(at + Int(n))]
            at += Int(n)
            return (field, .lengthDelimited(slice))
        case 5: return (field, .fixed32(UInt32(try fixed(4))))
        default: throw Malformed(detail: "wire type \(key & 7) (field \(field))")
        }
    }
}

// MARK: Events

/// A PNG image of a summary (`Summary.Image`): height, width, colour space (channels: 1 grey,
/// 2 grey + alpha, 3 RGB, 4 RGBA) and the encoded file.
public struct TensorBoardImage: Equatable, Sendable {
    public var height: Int32
    public var width: Int32
    public var colorspace: Int32
    public var encoded: [UInt8]

    public init(height: Int32, width: Int32, colorspace: Int32, encoded: [UInt8]) {
        self.height = height; self.width = width; self.colorspace = colorspace; self.encoded = encoded
    }

    /// An image of a PNG file, its size and channels read from the IHDR chunk; nil when `png` is
    /// not a PNG (signature, IHDR, a size of at most 2³¹ − 1, a colour type PNG defines).
    public init?(png: [UInt8]) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard png.count >= 33, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else { return nil }
        func big(_ i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(png[i + $1]) } }
        let w = big(16), h = big(20)
        guard w >= 1, h >= 1, w <= UInt32(Int32.max), h <= UInt32(Int32.max) else { return nil }
        let channels: Int32
        switch png[25] {
        case 0, 3: channels = png[25] == 0 ? 1 : 3   // grey; palette (decoded to RGB)
        case 2: channels = 3
        case 4: channels = 2
        case 6: channels = 4
        default: return nil
        }
        self.init(height: Int32(h), width: Int32(w), colorspace: channels, encoded: png)
    }
}

/// One value of a summary (`Summary.Value`): a tag and a scalar (`simple_value`) or an image.
public struct TensorBoardValue: Equatable, Sendable {
    public enum Content: Equatable, Sendable {
        case scalar(Float)
        case image(TensorBoardImage)
        /// A value of a kind Saddle does not write (histogram, audio, tensor), read back as this.
        case other

        public static func == (a: Content, b: Content) -> Bool {
            switch (a, b) {
            case (.scalar(let x), .scalar(let y)): return x.bitPattern == y.bitPattern
            case (.image(let x), .image(let y)): return x == y
            case (.other, .other): return true
            default: return false
            }
        }
    }
    public var tag: String
    public var content: Content
    public init(tag: String, _ content: Content) { self.tag = tag; self.content = content }
    public static func scalar(_ tag: String, _ v: Float) -> TensorBoardValue { TensorBoardValue(tag: tag, .scalar(v)) }
}

/// One `tensorboard.Event` (tensorboard/compat/proto/event.proto), the fields Saddle writes:
///
///     Event { double wall_time = 1; int64 step = 2;
///             oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 7; … } }
///     Summary { repeated Value value = 1; }
///     Summary.Value { string tag = 1; oneof value { float simple_value = 2; Image image = 4; … } }
///     Summary.Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
///     SessionLog { SessionStatus status = 1; … }   // START = 1
///
/// (field numbers as in TensorBoard 2.21's `event_pb2` and `summary_pb2`). A file starts with a
/// `file_version` event, "brain.Event:2"; a `session_log` START at step s tells TensorBoard that a
/// restarted job continues from there, and its readers drop the events of earlier files at steps ≥ s.
public struct TensorBoardEvent: Equatable, Sendable {
    public static let fileVersion = "brain.Event:2"
    /// `SessionLog.SessionStatus.START`.
    public static let sessionStart = 1

    public enum Content: Equatable, Sendable {
        case fileVersion(String)
        case summary([TensorBoardValue])
        /// `session_log` with this status (``TensorBoardEvent/sessionStart``).
        case sessionLog(status: Int)
        /// An event of a kind Saddle does not write (a graph, a log message, …), read back as this.
        case other
    }

    public var wallTime: Double
    public var step: Int64
    public var content: Content

    public init(wallTime: Double, step: Int64, _ content: Content) {
        self.wallTime = wallTime; self.step = step; self.content = content
    }

    public static func == (a: TensorBoardEvent, b: TensorBoardEvent) -> Bool {
        a.wallTime.bitPattern == b.wallTime.bitPattern && a.step == b.step && a.content == b.content
    }

    /// The protobuf encoding (wall_time and step always written, then the one field of `what`).
    public func serialized() -> [UInt8] {
        var e = ProtoWriter()
        e.double(1, wallTime)
        e.int(2, step)
        switch content {
        case .fileVersion(let v): e.string(3, v)
        case .summary(let values):
            var s = ProtoWriter()
            for v in values {
                var m = ProtoWriter()
                m.string(1, v.tag)
                switch v.content {
                case .scalar(let x): m.float(2, x)
                case .image(let i):
                    var im = ProtoWriter()
                    im.int(1, Int64(i.height)); im.int(2, Int64(i.width)); im.int(3, Int64(i.colorspace))
                    im.lengthDelimited(4, i.encoded)
                    m.message(4, im)
                case .other: break
                }
                s.message(1, m)
            }
            e.message(5, s)
        case .sessionLog(let status):
            var l = ProtoWriter()
            l.int(1, Int64(status))
            e.message(7, l)
        case .other: break
        }
        return e.bytes
    }

    /// Decodes an event; `file` and `record` name it in errors (``FormatError/badValue(file:location:value:allowed:)``).
    public init(parsing bytes: ArraySlice<UInt8>, file: String, record: Int) throws {
        do { try self.init(parsing: bytes) } catch let e as ProtoReader.Malformed {
            throw FormatError.badValue(file: file, location: "record \(record)", value: "the event", allowed: e.detail)
        }
    }

    init(parsing bytes: ArraySlice<UInt8>) throws {
        typealias Malformed = ProtoReader.Malformed
        func text(_ s: ArraySlice<UInt8>, _ what: String) throws -> String {
            guard let t = String(validating: s, as: UTF8.self) else { throw Malformed(detail: "\(what) is not UTF-8") }
            return t
        }
        func int32(_ v: UInt64, _ what: String) throws -> Int32 {
            // int32 fields are sign-extended to 64 bits on the wire.
            guard let x = Int32(exactly: Int64(bitPattern: v)) else { throw Malformed(detail: "\(what) \(Int64(bitPattern: v)) is not an int32") }
            return x
        }
        func wrongType(_ what: String) -> Malformed { Malformed(detail: "\(what) has the wrong wire type") }
        wallTime = 0; step = 0; content = .other
        var r = ProtoReader(bytes)
        while let (field, value) = try r.next() {
            switch (field, value) {
            case (1, .fixed64(let v)): wallTime = Double(bitPattern: v)
            case (2, .varint(let v)): step = Int64(bitPattern: v)
            case (3, .lengthDelimited(let s)): content = .fileVersion(try text(s, "file_version"))
            case (5, .lengthDelimited(let s)):
                var values: [TensorBoardValue] = []
                var sr = ProtoReader(s)
                while let (f, v) = try sr.next() {
                    guard f == 1 else { continue }
                    guard case .lengthDelimited(let vs) = v else { throw wrongType("Summary.value") }
                    var value = TensorBoardValue(tag: "", .other)
                    var vr = ProtoReader(vs)
                    while let (vf, vv) = try vr.next() {
                        switch (vf, vv) {
                        case (1, .lengthDelimited(let t)): value.tag = try text(t, "a tag")
                        case (2, .fixed32(let x)): value.content = .scalar(Float(bitPattern: x))
                        case (4, .lengthDelimited(let ims)):
                            var image = TensorBoardImage(height: 0, width: 0, colorspace: 0, encoded: [])
                            var ir = ProtoReader(ims)
                            while let (imf, imv) = try ir.next() {
                                switch (imf, imv) {
                                case (1, .varint(let x)): image.height = try int32(x, "Image.height")
                                case (2, .varint(let x)): image.width = try int32(x, "Image.width")
                                case (3, .varint(let x)): image.colorspace = try int32(x, "Image.colorspace")
                                case (4, .lengthDelimited(let b)): image.encoded = Array(b)
                                case (1...4, _): throw wrongType("Summary.Image field \(imf)")
                                default: break
                                }
                            }
                            value.content = .image(image)
                        case (1, _), (2, _), (4, _): throw wrongType("Summary.Value field \(vf)")
                        case (3, _), (5, _), (6, _), (8, _): value.content = .other   // another kind of the oneof
                        default: break
                        }
                    }
                    values.append(value)
                }
                content = .summary(values)
            case (7, .lengthDelimited(let s)):
                var status = 0
                var lr = ProtoReader(s)
                while let (f, v) = try lr.next() {
                    switch (f, v) {
                    case (1, .varint(let x)): status = Int(try int32(x, "SessionLog.status"))
                    case (1, _): throw wrongType("SessionLog.status")
                    default: break
                    }
                }
                content = .sessionLog(status: status)
            case (1, _), (2, _), (3, _), (5, _), (7, _): throw wrongType("Event field \(field)")
            case (4, _), (6, _), (8...9, _): content = .other   // another kind of the oneof
            default: break
            }
        }
    }

    /// Every event of an event file's bytes, or a ``FormatError`` naming `file` (a record cut short
    /// or damaged, or one that is not an event).
    public static func events(_ bytes: [UInt8], file: String) throws -> [TensorBoardEvent] {
        try TFRecord.records(bytes, file: file).enumerated().map { try TensorBoardEvent(parsing: $0.element, file: file, record: $0.offset) }
    }
}

// MARK: Event files

/// An event file being written: `events.out.tfevents.<seconds>.<host>` (TensorBoard's naming; its
/// readers take the files of a folder in name order), created new — never replacing a file — with
/// its first event, the file version.
///
/// ``append(_:)`` writes its events as records in one write and flushes them with fsync(2): a
/// failed write (a full disk) is truncated back and thrown, like ``appendRecord(_:to:kind:)``, and
/// only a crash in the middle of a write leaves a truncated last record, which TensorBoard's
/// readers treat as not yet written and ``trimmed(_:keepingStepsThrough:)`` drops.
public final class TensorBoardEventWriter {
    public static let namePrefix = "events.out.tfevents."
    public let path: String
    private var descriptor: Int32

    /// Creates the file at `path` (it must not exist) and writes the file-version event at `wallTime`.
    public init(path: String, wallTime: Double) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
        self.path = path
        descriptor = fd
        do { try append([TensorBoardEvent(wallTime: wallTime, step: 0, .fileVersion(TensorBoardEvent.fileVersion))]) } catch {
            close()
            unlink(path)
            throw error
        }
    }

    deinit { close() }

    public func close() {
        if descriptor >= 0 { closeDescriptor(descriptor); descriptor = -1 }
    }

    /// Appends the events, each as one record, whole or not at all (see the type's notes).
    public func append(_ events: [TensorBoardEvent]) throws {
        guard descriptor >= 0 else { throw FormatError.unwritable(file: path, reason: "the event file is closed") }
        var bytes: [UInt8] = []
        for e in events { bytes += TFRecord.frame(e.serialized()) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
        do {
            try bytes.withUnsafeBytes { try writeAll(descriptor, $0, kind: .tensorboard, path: path) }
            guard fsync(descriptor) == 0 else { throw FormatError.unwritable(file: path, reason: String(cString: strerror(errno))) }
        } catch {
            _ = ftruncate(descriptor, info.st_size)
            throw error
        }
    }

    /// A host name fit for a file name: letters, digits, `.`, `-` and `_` (others become `_`), at
    /// most 64 characters; `localhost` when there is none.
    public static func hostName(_ raw: String = ProcessInfo.processInfo.hostName) -> String {
        let kept = String(raw.unicodeScalars.prefix(64).map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "." || s == "-" || s == "_") ? Character(s) : "_"
        })
        return kept.isEmpty || kept.allSatisfy({ $0 == "." }) ? "localhost" : kept
    }

    /// The name of a new event file in a folder holding `existing` names: the seconds of `now`, or
    /// one more than the latest event file's when that is not earlier (two sessions within one
    /// second), ten digits as TensorBoard writes them, so that names sort in the order the files
    /// were started, the order TensorBoard reads them in.
    public static func newFileName(existing: [String], now: Double, host: String) -> String {
        var seconds = max(0, Int(now.rounded(.down)))
        for name in existing where name.hasPrefix(namePrefix) {
            let digits = name.dropFirst(namePrefix.count).prefix { $0.isASCII && $0.isNumber }
            if let s = Int(digits), s >= seconds { seconds = s + 1 }
        }
        return namePrefix + String(format: "%010d", seconds) + "." + host
    }

    /// The largest event file ``trimmed(_:keepingStepsThrough:)`` reads: 4 GiB.
    public static let maximumFileByteCount = 4 << 30

    /// The file at `path` cut to the events of steps up to `step` (the file version kept), and
    /// without a truncated or damaged tail: its new bytes and how many events and damaged bytes
    /// went, or nil when nothing goes. A record that is not an event is kept as it is.
    public static func trimmed(_ path: String, keepingStepsThrough step: Int64) throws -> (bytes: [UInt8], droppedEvents: Int, droppedBytes: Int)? {
        let bytes = try readFileBytes(path, limit: maximumFileByteCount)
        let scan = TFRecord.scan(bytes)
        var kept: [UInt8] = [], dropped = 0
        for r in scan.records {
            if let e = try? TensorBoardEvent(parsing: bytes[r]), e.step > step, !isFileVersion(e) {
                dropped += 1
                continue
            }
            kept += bytes[(r.lowerBound - TFRecord.headerSize)..<(r.upperBound + TFRecord.footerSize)]
        }
        let damaged = bytes.count - scan.intactLength
        guard dropped > 0 || damaged > 0 else { return nil }
        return (kept, dropped, damaged)
    }

    static func isFileVersion(_ e: TensorBoardEvent) -> Bool {
        if case .fileVersion = e.content { return true }
        return false
    }
}

/// close(2), out of the reach of ``TensorBoardEventWriter/close()``'s name.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
