import ArgumentParser
import Saddle

/// `saddle train` (placeholder until the GAN training command lands).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a GAN (not available yet).")
    func run() throws { throw ValidationError("saddle train is not available yet") }
}
