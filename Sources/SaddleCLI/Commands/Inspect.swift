import ArgumentParser
import Foundation
import Saddle

/// `saddle inspect FILE…`: reads data and checkpoint files and prints what they hold — a check
/// that a file is readable before a run uses it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read safetensors, NPY, IDX or CSV files and print their tensors' names, types, shapes and ranges.",
        discussion: """
        The format comes from the file name: .safetensors, .npy, .csv[.gz], or IDX \
        (…-ubyte[.gz]). A truncated, mis-shaped or corrupt file, or NaN/infinity in the data, is a \
        one-line error naming the file, and the exit status is 1.

        Examples:
          saddle inspect runs/a/checkpoints/iteration-00010000.safetensors
          saddle inspect data/mnist_5k.csv.gz
        """)

    @Argument(help: "Files to read.")
    var files: [String]

    func run() throws {
        do {
            for f in files { try inspect(f) }
        } catch {
            Console.errorRaw("Error: \(error)\n")
            throw ExitCode.failure
        }
    }

    func describe(_ name: String, _ t: Tensor, file: String) throws {
        try requireFinite(t, file: file, name: name)
        let s = t.scalars
        print("\(name)  \(t.dtype)  \(t.shape)  min \(s.min() ?? 0)  max \(s.max() ?? 0)  mean \(t.count > 0 ? t.mean() : 0)")
    }

    /// What `inspect` cannot read, told by the path before reading: a folder, a device, a name of no
    /// known kind.
    struct Unreadable: Error, CustomStringConvertible { let description: String }

    func inspect(_ file: String) throws {
        let base = file.hasSuffix(".gz") ? String(file.dropLast(3)) : file
        if let problem = notARegularFile(file) { throw Unreadable(description: "\(file): \(problem); inspect reads data and checkpoint files") }
        let known = [".safetensors", ".npy", ".csv", "ubyte", ".idx"].contains { base.lowercased().hasSuffix($0) }
        if !known && FileManager.default.fileExists(atPath: file) {
            throw Unreadable(description: "\(file): unknown kind of file (by its name); inspect reads .safetensors, .npy, .csv[.gz] and IDX (…-ubyte[.gz]) files")
        }
        print("\(file):")
        if base.hasSuffix(".safetensors") {
            let st = try SafeTensors.read(file)
            for (k, v) in st.metadata.sorted(by: { $0.key < $1.key }) where v.count <= 80 { print("  metadata \(k) = \(v)") }
            for e in st.entries { try describe("  " + e.name, e.tensor, file: file) }
        } else if base.hasSuffix(".npy") {
            try describe("  array", try NPY.read(file), file: file)
        } else if base.hasSuffix(".csv") {
            let t = try CSV.readNumeric(file)
            print("  table  \(t.rows) rows × \(t.columns) columns  min \(t.values.min() ?? 0)  max \(t.values.max() ?? 0)")
        } else {   // IDX: …-ubyte or .idx, gzipped or not
            let idx = try IDX.read(file)
            print("  idx  uint8  \(idx.dimensions)  min \(idx.bytes.min() ?? 0)  max \(idx.bytes.max() ?? 0)")
        }
    }
}
