import ArgumentParser
import Foundation
import StyleEngine

/// The network a command runs: its weights file and pooling.
struct ModelOptions: ParsableArguments {
    @Option(help: "VGG19 weights file. (default: $STYLIZE_GPU_WEIGHTS, then the cache)")
    var weights: String?

    @Option(help: "max or avg pooling in VGG19.")
    var pooling: Pooling = .max

    func weightsURL() throws -> URL { try VGG19Weights.locate(explicitPath: weights) }
}
