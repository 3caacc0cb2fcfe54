import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

extension OptimizerKind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}

/// `stylize-gpu [stylize]`: the main job. Parses, validates, and hands over to StyleEngine.
struct Stylize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a content image (the default command).",
        discussion: """
            Defaults follow neural-style: relu4_2 for content; relu1_1, relu2_1, relu3_1, relu4_1, \
            relu5_1 for style; content weight 5, style weight 100, TV weight 1e-3; 512 px; \
            1000 iterations of L-BFGS. The VGG19 weights come from `scripts/fetch-weights`.
            """)

    @OptionGroup var deviceOptions: DeviceOptions

    @Option(name: .long, help: "The photo whose content to keep (PNG or JPEG).")
    var content: String

    @Option(
        name: .long, parsing: .upToNextOption,
        help: "One or more paintings whose style to take (PNG or JPEG).")
    var style: [String]

    @Option(
        name: .customLong("style-blend-weights"), parsing: .upToNextOption,
        help: "One weight per style image; normalised to sum to 1. (default: equal)")
    var styleBlendWeights: [Float] = []

    @Option(name: [.short, .customLong("output")], help: "Where to write the result (PNG).")
    var output: String = "out.png"

    @Option(help: "Longest side of the result, in pixels.")
    var size: Int = 512

    @Option(name: .customLong("style-scale"), help: "Style images are resized to this × --size.")
    var styleScale: Float = 1

    @Option(help: "Optimization iterations.")
    var iterations: Int = 1000

    @Option(help: "lbfgs or adam.")
    var optimizer: OptimizerKind = .lbfgs

    @Option(name: .customLong("learning-rate"), help: "Step size. (default: 1 for lbfgs, 10 for adam)")
    var learningRate: Float?

    @Option(name: .customLong("lbfgs-history"), help: "Curvature pairs L-BFGS remembers.")
    var lbfgsHistory: Int = 100

    @Option(name: .customLong("content-weight"), help: "Weight of the content loss.")
    var contentWeight: Float = 5

    @Option(name: .customLong("style-weight"), help: "Weight of the style loss.")
    var styleWeight: Float = 100

    @Option(name: .customLong("tv-weight"), help: "Weight of the total-variation (smoothness) loss.")
    var tvWeight: Float = 1e-3

    @Option(name: .customLong("content-layers"), help: "Comma-separated layers for the content loss.")
    var contentLayers: String = "relu4_2"

    @Option(name: .customLong("style-layers"), help: "Comma-separated layers for the style loss.")
    var styleLayers: String = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    @Option(name: .customLong("init"), help: "Start from: content, random, or the path of an image.")
    var initialization: String = "content"

    @Option(help: "Seed of --init random (same seed, same result).")
    var seed: UInt64 = 0

    @Option(help: "max or avg pooling in VGG19.")
    var pooling: Pooling = .max

    @Flag(name: .customLong("original-colors"), help: "Keep the content's colours (luminance-only transfer).")
    var originalColors = false

    @Option(name: .customLong("print-every"), help: "Print progress every N iterations (0: only the end).")
    var printEvery: Int = 10

    @Option(name: .customLong("save-every"), help: "Also save numbered images every N iterations (0: never).")
    var saveEvery: Int = 0

    @Option(help: "fp32, or fp16 to store activations, weights and L-BFGS history as half floats (about 0.6× the memory).")
    var precision: Precision = .fp32

    @Option(help: "Write a JSON report of the run here.")
    var report: String?

    @Option(help: "VGG19 weights file. (default: $STYLIZE_GPU_WEIGHTS, then the cache)")
    var weights: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if style.isEmpty { throw InputError("give at least one --style image") }
        if !styleBlendWeights.isEmpty && styleBlendWeights.count != style.count {
            throw InputError(
                "--style-blend-weights has \(styleBlendWeights.count) values for \(style.count) style images")
        }
        if styleBlendWeights.contains(where: { !($0 >= 0) }) || (!styleBlendWeights.isEmpty && styleBlendWeights.reduce(0, +) <= 0) {
            throw InputError("--style-blend-weights must be non-negative with a positive sum")
        }
        if size < 16 { throw InputError("--size must be at least 16 (VGG19 halves it four times)") }
        if !(styleScale > 0) { throw InputError("--style-scale must be positive") }
        if iterations < 0 { throw InputError("--iterations must be 0 or more") }
        if lbfgsHistory < 1 { throw InputError("--lbfgs-history must be at least 1") }
        if let learningRate, !(learningRate > 0) { throw InputError("--learning-rate must be positive") }
        for (name, value) in [("--content-weight", contentWeight), ("--style-weight", styleWeight), ("--tv-weight", tvWeight)]
        where !(value >= 0 && value.isFinite) {
            throw InputError("\(name) must be a finite number ≥ 0")
        }
        if printEvery < 0 || saveEvery < 0 { throw InputError("--print-every and --save-every must be 0 or more") }
        do {
            try VGG19Layers.validate(parsedContentLayers + parsedStyleLayers)
        } catch { throw InputError("\(error)") }
        if !output.lowercased().hasSuffix(".png") { throw InputError("--output must name a .png file") }
    }

    var parsedContentLayers: [String] { contentLayers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    var parsedStyleLayers: [String] { styleLayers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    var settings: StylizeSettings {
        var settings = StylizeSettings(contentPath: content, stylePaths: style, outputPath: output)
        settings.styleBlendWeights = styleBlendWeights
        settings.size = size
        settings.styleScale = styleScale
        settings.iterations = iterations
        settings.optimizer = optimizer
        settings.learningRate = learningRate
        settings.historySize = lbfgsHistory
        settings.loss.contentLayers = parsedContentLayers
        settings.loss.styleLayers = parsedStyleLayers
        settings.loss.contentWeight = contentWeight
        settings.loss.styleWeight = styleWeight
        settings.loss.totalVariationWeight = tvWeight
        switch initialization {
        case "content": settings.initialization = .content
        case "random": settings.initialization = .random(seed: seed)
        default: settings.initialization = .image(path: initialization)
        }
        settings.pooling = pooling
        settings.originalColors = originalColors
        settings.saveEvery = saveEvery
        settings.precision = precision
        return settings
    }

    func run() throws {
        let device = try DeviceInventory.device(at: deviceOptions.device ?? 0)
        let weightsURL = try VGG19Weights.locate(explicitPath: weights)
        Interrupt.install()
        let printer = ProgressPrinter(printEvery: printEvery, quiet: quiet)
        let stylizer = Stylizer(settings: settings, device: device, weightsURL: weightsURL, reportPath: report)
        let result = try stylizer.run(
            progress: printer.show, shouldStop: { Interrupt.wasRequested },
            log: { message in if !quiet { FileHandle.standardError.write(Data((message + "\n").utf8)) } })
        if result.stopReason == "interrupted" {
            if !quiet { print("interrupted: wrote \(output) after \(result.iterations.count - 1) iterations") }
            throw ExitCode(130)
        }
        if !quiet {
            let stopped = result.stopReason == "interrupted" ? " (interrupted)" : ""
            print(
                String(
                    format: "wrote %@ (%d×%d) after %d iterations%@, %.3f s/iteration on %@",
                    output, result.output.width, result.output.height, result.iterations.count - 1, stopped,
                    result.secondsPerIteration, device.info.name))
        }
    }
}
