import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

extension PruningCriterion: ExpressibleByArgument {}
extension QuantizationMethod: ExpressibleByArgument {}

/// `--prune R --prune-by l1|activation`: a smaller VGG19 for the run (`ChannelPruning`).
struct CompressionOptions: ParsableArguments {
    @Option(help: "Remove this fraction (0 ≤ R < 1) of every convolution's output channels (0: the whole network).")
    var prune: Double = 0

    @Option(
        name: .customLong("prune-by"),
        help: "Rank channels by the L1 norm of their filters (l1) or their mean activation energy on the run's images (activation).")
    var pruneBy: PruningCriterion = .l1

    func validate() throws {
        if !(prune >= 0 && prune < 1) { throw InputError("--prune must be at least 0 and below 1, not \(prune)") }
    }

    var settings: PruningSettings { PruningSettings(ratio: prune, criterion: pruneBy) }
}

/// `stylize-gpu prune`: writes a pruned copy of the weights, loadable with --weights.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a channel-pruned VGG19 weights file (use it with --weights).",
        discussion: """
            Every convolution keeps ⌈(1 − R)·C⌉ of its output channels, rounded up to a multiple \
            of 4, ranked by the L1 norm of their filters (--prune-by l1) or by their mean \
            activation energy after the ReLU on --content and --style (--prune-by activation, \
            a forward pass on the device, images at most 256 px); the next convolution loses the \
            matching inputs. Weights keep their 8-bit codes exactly.
            """)

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var compressionOptions: CompressionOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "Content image (scores of --prune-by activation).")
    var content: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Style images (scores of --prune-by activation).")
    var style: [String] = []

    @Option(name: [.short, .customLong("output")], help: "Where to write the pruned weights (safetensors).")
    var output: String

    func validate() throws {
        if compressionOptions.pruneBy == .activation && content == nil && style.isEmpty {
            throw InputError("--prune-by activation needs images: give --content and/or --style")
        }
    }

    func run() throws {
        let weights = try VGG19Weights.load(from: modelOptions.weightsURL())
        let settings = compressionOptions.settings
        let pruned = try weights.pruned(settings) { weights in
            let images = try ((content.map { [$0] } ?? []) + style).map { try ImageFile.read(path: $0) }
            return try EngineSession.activationScores(
                weights: weights, images: images, device: DeviceInventory.device(at: deviceOptions.primary),
                pooling: modelOptions.pooling, configuration: EngineConfiguration.fromEnvironment())
        }
        try pruned.write(
            to: URL(fileURLWithPath: output),
            metadata: ["pruning": "\(settings.ratio) \(settings.criterion.rawValue)"])
        print(
            "wrote \(output): channels \(pruned.channels.map(String.init).joined(separator: ",")), "
                + "\(pruned.storedBytes) bytes of weights (\(weights.storedBytes) before)")
    }
}

/// `stylize-gpu quantize`: the weights re-encoded in 8 bits by another method.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the weights quantized by another 8-bit method (use it with --weights).",
        discussion: """
            From the dequantized float weights of --weights: kmeans (256 centroids per layer, \
            Lloyd's 1-D k-means), int8-tensor (symmetric, one scale per layer), int8-channel \
            (symmetric, one scale per output channel), int8-asym (one scale and zero point per \
            layer). Format: docs/weights.md.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "kmeans, int8-tensor, int8-channel or int8-asym.")
    var method: QuantizationMethod

    @Option(name: [.short, .customLong("output")], help: "Where to write the quantized weights (safetensors).")
    var output: String

    func run() throws {
        let weights = try VGG19Weights.load(from: modelOptions.weightsURL())
        let quantized = weights.quantized(method)
        try quantized.write(to: URL(fileURLWithPath: output))
        var worst: Float = 0
        for (a, b) in zip(weights.layers, quantized.layers) {
            worst = max(worst, zip(a.dequantized(), b.dequantized()).reduce(0) { max($0, abs($1.0 - $1.1)) })
        }
        print("wrote \(output) (\(method.rawValue), \(quantized.storedBytes) bytes of weights); largest weight change \(worst)")
    }
}
