import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

/// `stylize-gpu evaluate`: quality metrics of finished images against a content and styles.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure images against a content photo and style paintings.",
        usage: "stylize-gpu evaluate IMAGE… --content C --style S… [--json] [options]",
        discussion: """
            For each IMAGE, at its own size (the content is resized to it; styles to --style-scale × \
            its longest side): SSIM to the content (Wang et al. 2004, 11×11 Gaussian window, σ 1.5, \
            on luminance), style similarity (mean over the style layers of the cosine similarity of \
            the image's and the styles' Gram matrices), and the loss parts of the run's objective.
            """)

    @OptionGroup var deviceOptions: DeviceOptions

    @Option(name: .long, help: "The content photo the images were made from.")
    var content: String

    @OptionGroup var styleOptions: StyleOptions
    @OptionGroup var lossOptions: LossOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "fp32 or fp16 storage, as the run used.")
    var precision: Precision = .fp32

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Argument(help: "The images to measure (PNG, JPEG or WebP), before the options or after `--` (--style takes every name up to the next option).")
    var images: [String] = []

    func validate() throws {
        if images.isEmpty {
            throw InputError("name the images to measure first: stylize-gpu evaluate IMAGE… --content C --style S…")
        }
    }

    /// One image's row of the output.
    struct Record: Codable {
        let image: String
        let width: Int
        let height: Int
        let metrics: QualityMetrics
    }

    func run() throws {
        let configuration = try EngineConfiguration.fromEnvironment()
        let device = try DeviceInventory.device(at: deviceOptions.primary)
        let loss = lossOptions.settings
        let contentImage = try ImageFile.read(path: content)
        let measured = try images.map { path in (path, try ImageFile.read(path: path)) }
        var transfer = TransferSettings()
        transfer.styleScale = styleOptions.styleScale
        let styles = try styleOptions.source(
            layers: loss.styleLayers, pooling: modelOptions.pooling, precision: precision,
            weightsURL: modelOptions.weightsURL(),
            sides: measured.map { transfer.styleSide(forSize: max($0.1.width, $0.1.height)) })
        let convolutionCount = try VGG19Network.convolutionsNeeded(for: loss.layers)
        let session = try EngineSession(
            device: device, weights: VGG19Weights.load(from: modelOptions.weightsURL(), convolutionCount: convolutionCount),
            precision: precision, pooling: modelOptions.pooling, configuration: configuration)
        let scratchLimit = TransferSettings.defaultScratchLimit(for: precision)
        let records = try measured.map { path, image in
            try session.scalars.scoped {
                let targets = try styles.targets(
                    session: session, side: transfer.styleSide(forSize: max(image.width, image.height)),
                    scratchLimit: scratchLimit)
                let evaluator = try QualityEvaluator(
                    session: session, targets: targets,
                    content: contentImage.resized(width: image.width, height: image.height), settings: loss,
                    scratchLimit: scratchLimit)
                return Record(image: path, width: image.width, height: image.height, metrics: try evaluator.evaluate(image))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(records), as: UTF8.self))
            return
        }
        printTable(
            header: ["image", "size", "SSIM", "style similarity", "loss", "content", "style", "tv"],
            rows: records.map { record in
                let metrics = record.metrics
                return [
                    record.image, "\(record.width)×\(record.height)", String(format: "%.4f", metrics.ssim),
                    String(format: "%.4f", metrics.styleSimilarity), String(format: "%.6g", metrics.loss.total),
                    String(format: "%.4g", metrics.loss.content), String(format: "%.4g", metrics.loss.style),
                    String(format: "%.4g", metrics.loss.totalVariation),
                ]
            })
    }
}
