import Formats

extension FuzzTarget {
    /// TensorBoard event files (TFRecord records of `tensorboard.Event`): the lenient scan a resume
    /// trims with never traps, and the events read are written again (each framed anew) and read
    /// back equal.
    static func checkTFEvents(_ bytes: [UInt8]) -> String? {
        let scan = TFRecord.scan(bytes)
        guard scan.intactLength <= bytes.count, scan.records.allSatisfy({ $0.upperBound <= scan.intactLength }) else {
            return "the scan reports records past the intact length"
        }
        let events: [TensorBoardEvent]
        do { events = try TensorBoardEvent.events(bytes, file: file) } catch { return checkError(error) }
        guard scan.damage == nil else { return "the strict reader accepted bytes the scan found damaged" }
        do {
            let again = try TensorBoardEvent.events(events.flatMap { TFRecord.frame($0.serialized()) }, file: file)
            return again == events ? nil : "the events changed on a write and a second read"
        } catch {
            return "events Saddle read and wrote do not read back: \(error)"
        }
    }
}
