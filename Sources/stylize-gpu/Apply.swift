import ArgumentParser
import CLRuntime
import FastStyle
import Foundation
import StyleEngine

/// `stylize-gpu apply --model M --content IN -o OUT`: a trained transform network applied to a
/// photo in one pass.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a photo in one pass with a trained fast style model.",
        discussion: """
            The model is a transform network (pytorch/examples' fast_neural_style TransformerNet) \
            in the engine's safetensors file: one made by `stylize-gpu train`, or a PyTorch .pth \
            converted by scripts/import-torch-model. A multi-style model (conditional instance \
            norm) applies one style (--style-index, --style NAME) or a blend of several \
            (--blend NAME:0.7,NAME:0.3: their norms' scales and shifts mixed, weights normalised \
            to sum to 1).

            The result has the photo's size (or --size on its longest side), in the format of -o's \
            extension, with the photo's alpha and ICC profile; written to a temporary file, then \
            renamed. Values are clamped to 0–255 and rounded.

            Several photos or folders with --output-dir make a batch as stylize's: results named             after their inputs, a manifest.jsonl record per image, images done with the same             settings and model skipped on a rerun (--force redoes them), --shard I/N.
            """)

    @OptionGroup var deviceOptions: DeviceOptions

    @Option(help: "The model file (.safetensors).")
    var model: String

    @Option(
        parsing: .upToNextOption,
        help: "The photo (PNG, JPEG or WebP); several files or folders make a batch (--output-dir).")
    var content: [String]

    @OptionGroup var batchOptions: BatchOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the result: .png, .jpg/.jpeg or .webp.")
    var output: String = "out.png"

    @Option(help: "Longest side of the result, in pixels. (default: the photo's size)")
    var size: Int?

    @Option(name: .customLong("style-index"), help: "A multi-style model's style, by number (from 0).")
    var styleIndex: Int?

    @Option(help: "A multi-style model's style, by the name stored in the model.")
    var style: String?

    @Option(
        help: ArgumentHelp(
            "A blend of a multi-style model's styles, by name or number, with weights.", valueName: "NAME:W,NAME:W,…"))
    var blend: String?

    @Option(help: "fp32, or fp16 to store activations as half floats.")
    var precision: Precision = .fp32

    @Option(
        name: .customLong("memory-limit"),
        help: ArgumentHelp("The most device memory to take, like 512M or 2G. (default: the device's)", valueName: "size"))
    var memoryLimit: String?

    @Option(
        name: .customLong("tile-size"),
        help: ArgumentHelp(
            "Apply in bands of at most N output rows, layer by layer with exact instance norms. (default: tiles only when the photo does not fit the device)",
            valueName: "N"))
    var tileSize: Int?

    @OptionGroup var imageIOOptions: ImageIOOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        try batchOptions.validate(content: content)
        if [styleIndex != nil, style != nil, blend != nil].filter({ $0 }).count > 1 {
            throw InputError("give one of --style-index, --style and --blend")
        }
        if let styleIndex, styleIndex < 0 { throw InputError("--style-index must be 0 or more") }
        if let size, size < ApplyJob.minimumSide || size > 65536 {
            throw InputError("--size must be \(ApplyJob.minimumSide) to 65536")
        }
        if ImageFormat(outputPath: output) == nil {
            throw InputError("--output must name a .png, .jpg, .jpeg or .webp file, not \(output)")
        }
        if let tileSize, tileSize < 1 { throw InputError("--tile-size must be 1 or more") }
        if let memoryLimit, ByteSize(argument: memoryLimit) == nil {
            throw InputError("--memory-limit takes a size like 512M or 2G (K, M, G, T: powers of 1024), not \(memoryLimit)")
        }
        _ = try styleChoice()
    }

    /// --style-index, --style or --blend; style 0 when none.
    func styleChoice() throws -> StyleChoice {
        if let styleIndex { return .index(styleIndex) }
        if let style { return .named(style) }
        guard let blend else { return .index(0) }
        let parts = try blend.split(separator: ",").map { part -> StyleChoice.BlendPart in
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2, !pieces[0].isEmpty, let weight = Float(pieces[1]), weight.isFinite, weight >= 0 else {
                throw InputError("--blend takes NAME:WEIGHT pairs like candy:0.7,mosaic:0.3 (weights 0 or more), not \(blend)")
            }
            return StyleChoice.BlendPart(style: String(pieces[0]), weight: weight)
        }
        if parts.isEmpty { throw InputError("--blend names no style") }
        return .blend(parts)
    }

    func run() throws {
        let device = try DeviceInventory.device(at: deviceOptions.primary)
        let loaded = try TransformerModel.load(path: model)
        var settings = ApplySettings(contentPath: content[0], outputPath: output, modelPath: model)
        settings.size = size
        settings.style = try styleChoice()
        settings.precision = precision
        settings.memoryLimit = memoryLimit.flatMap(ByteSize.init(argument:))?.bytes
        settings.maxImagePixels = imageIOOptions.maxImagePixels
        settings.tileRows = tileSize
        settings.jpegQuality = imageIOOptions.jpegQuality
        _ = try settings.style.selection(in: loaded)  // a style the model lacks: refused before the device
        let modelHash = ContentHash.ofFile(model) ?? model
        let session = try TransformerSession(device: device, precision: precision, memoryLimit: settings.memoryLimit)
        if batchOptions.isBatch(content: content) {
            return try runBatch(settings: settings, model: loaded, modelHash: modelHash, session: session)
        }
        let quiet = quiet
        let report = try ApplyJob(settings: settings, model: loaded, modelKey: modelHash).run(on: session) { line in
            if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if !quiet {
            print(
                String(
                    format: "wrote %@ (%d×%d) in %.2f s on %@, peak device memory %@", output, report.width,
                    report.height, report.seconds, device.info.name, megabytes(report.peakDeviceBytes)))
        }
    }

    /// Every photo of the batch through the one `ApplyJob`, on one session (the model uploaded once).
    func runBatch(settings: ApplySettings, model: TransformerModel, modelHash: String, session: TransformerSession) throws {
        Interrupt.install(quiet: quiet, batch: true)
        var identity = settings
        identity.contentPath = ""
        identity.outputPath = ""
        identity.modelPath = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let fingerprint = ContentHash.of(
            string: String(decoding: try encoder.encode(identity), as: UTF8.self) + "|model " + modelHash + "|format "
                + batchOptions.format.rawValue)
        let loop = try batchOptions.loop(content: content, fingerprint: fingerprint)
        let quiet = quiet
        let summary = try loop.run(log: { if !quiet { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } }) { item in
            var one = settings
            one.contentPath = item.input
            one.outputPath = item.output
            let report = try ApplyJob(settings: one, model: model, modelKey: modelHash).run(on: session) { line in
                if !quiet { FileHandle.standardError.write(Data((item.input + ": " + line + "\n").utf8)) }
            }
            return .done(.init(width: report.width, height: report.height))
        }
        if !quiet {
            print(
                String(
                    format: "apply%@: %d images, %d done, %d skipped, %d failed in %.1f s",
                    loop.shard.map { " shard \($0)" } ?? "", summary.total, summary.done, summary.skipped,
                    summary.failed, summary.seconds))
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
