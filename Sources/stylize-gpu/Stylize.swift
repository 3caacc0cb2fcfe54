import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

extension OptimizerKind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension ScaleTransition: ExpressibleByArgument {}

/// `stylize-gpu [stylize]`: the main job. Parses, validates, and hands over to StyleEngine.
struct Stylize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stylize a content image (the default command).",
        discussion: """
            Defaults follow neural-style: relu4_2 for content; relu1_1, relu2_1, relu3_1, relu4_1, \
            relu5_1 for style; content weight 5, style weight 100, TV weight 1e-3; 512 px; \
            1000 iterations of L-BFGS. The VGG19 weights come from `scripts/fetch-weights`.

            Coarse to fine (--scales auto; the default for L-BFGS from --init random, where it \
            measured far better in equal time; otherwise the default is off, one scale): the \
            image is optimized first at a small \
            size, then at sizes growing by √2 up to --size, each scale starting from the previous \
            result upsampled. --iterations counts full-size iterations: the last scale runs three \
            quarters of them, the smaller scales share the rest equally in cost (a quarter of the \
            pixels, four times the iterations), so the ladder costs about as much as --iterations at \
            full size. Sizes below 181 px have one scale.

            Outputs: the image (-o), the report (--report) and the numbered images (--save-every) \
            are checked before any work: each must be a file in a writable folder, none may be an \
            input or another output. The format follows -o's extension: .png, .jpg/.jpeg \
            (--jpeg-quality), .webp (lossless). A content image with transparency is stylized on a \
            neutral background and its alpha is put back.

            SIGINT (Ctrl-C), SIGTERM and SIGHUP write the current image and report, then exit \
            with 128 + the signal (130, 143, 129); a second signal exits at once.

            Environment: STYLIZE_GPU_CONV=direct|winograd|winograd4|im2col, STYLIZE_GPU_GEMM=packed|clblast, \
            STYLIZE_GPU_GEMM_TUNING=off|cached|search override the device's defaults.
            """)

    @OptionGroup var deviceOptions: DeviceOptions

    @Option(
        name: .long, parsing: .upToNextOption,
        help: "The photo whose content to keep (PNG, JPEG or WebP; EXIF orientation applied, alpha and ICC profile kept in the result); several files or folders make a batch (--output-dir).")
    var content: [String]

    @OptionGroup var batchOptions: BatchOptions

    @OptionGroup var styleOptions: StyleOptions

    @Option(name: [.short, .customLong("output")], help: "Where to write the result: .png, .jpg/.jpeg or .webp.")
    var output: String = "out.png"

    @OptionGroup var imageIOOptions: ImageIOOptions

    @Option(help: "Longest side of the result, in pixels. (default: 512, or the last of --scales)")
    var size: Int?

    @Option(
        help: ArgumentHelp(
            "Coarse-to-fine sizes: auto (√2 steps from 128 px up to --size), off (one scale), or a list like 256,512,1024. (default: auto for lbfgs from --init random, else off)",
            valueName: "auto|off|N,N,…"))
    var scales: String?

    @Option(help: "Optimization iterations, counted at full size (several scales: see below).")
    var iterations: Int = 1000

    @Option(help: "lbfgs or adam.")
    var optimizer: OptimizerKind = .lbfgs

    @Option(name: .customLong("learning-rate"), help: "Step size. (default: 1 for lbfgs, 10 for adam)")
    var learningRate: Float?

    @Option(name: .customLong("lbfgs-history"), help: "Curvature pairs L-BFGS remembers.")
    var lbfgsHistory: Int = 100

    @Option(
        name: .customLong("optimizer-across-scales"),
        help: "restart: a fresh optimizer at each scale; resample: Adam's moments carried, resampled (L-BFGS always restarts).")
    var optimizerAcrossScales: ScaleTransition = .restart

    @OptionGroup var lossOptions: LossOptions

    @Option(name: .customLong("init"), help: "Start from: content, random, or the path of an image.")
    var initialization: String = "content"

    @Option(help: "Seed of --init random (same seed, same result).")
    var seed: UInt64 = 0

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var compressionOptions: CompressionOptions

    @Flag(name: .customLong("original-colors"), help: "Keep the content's colours (luminance-only transfer).")
    var originalColors = false

    @Option(name: .customLong("print-every"), help: "Print progress every N iterations (0: only the end).")
    var printEvery: Int = 10

    @Option(name: .customLong("save-every"), help: "Also save numbered images every N iterations (0: never).")
    var saveEvery: Int = 0

    @Option(help: "fp32, or fp16 to store activations, weights and L-BFGS history as half floats (about 0.6× the memory).")
    var precision: Precision = .fp32

    @Option(
        name: .customLong("memory-limit"),
        help: ArgumentHelp(
            "The most device memory the engine may take, like 512M or 2G; images larger than one pass allows are optimized in tiles, and only what cannot run even so is refused before any work. (default: what the device reports)",
            valueName: "size"))
    var memoryLimit: String?

    var parsedMemoryLimit: Int? { memoryLimit.flatMap(ByteSize.init(argument:))?.bytes }

    @Option(
        name: .customLong("tile-size"),
        help: ArgumentHelp(
            "Optimize in tiles of about N px a side even where the whole image fits (default: tiles only where it does not, as large as fit).",
            valueName: "px"))
    var tileSize: Int?

    @Option(
        name: .customLong("tile-halo"),
        help: ArgumentHelp(
            "Pixels of context around each tile (default: the deepest layer's receptive field, which makes tiles exact; less is faster and inexact).",
            valueName: "px"))
    var tileHalo: Int?

    @Option(help: "Write a JSON report of the run here (losses of every scale and iteration, quality metrics).")
    var report: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        try validateBatch()
        let schedule = try parsedScales()
        if resultSize < 16 { throw InputError("--size must be at least 16 (VGG19 halves it four times)") }
        if case .sizes(let sizes) = schedule, let size, sizes.last! != size {
            throw InputError("--scales ends at \(sizes.last!) but --size is \(size): the last scale is the result's size")
        }
        if let memoryLimit, ByteSize(argument: memoryLimit) == nil {
            throw InputError("--memory-limit takes a size like 512M or 2G (K, M, G, T: powers of 1024), not \(memoryLimit)")
        }
        if let tileSize, tileSize < 16 || tileSize > Self.maximumSide {
            throw InputError("--tile-size must be 16 to \(Self.maximumSide)")
        }
        if let tileHalo, tileHalo < 0 || tileHalo > 1024 { throw InputError("--tile-halo must be 0 to 1024") }
        if iterations < 0 { throw InputError("--iterations must be 0 or more") }
        if lbfgsHistory < 1 { throw InputError("--lbfgs-history must be at least 1") }
        if let learningRate, !(learningRate > 0) { throw InputError("--learning-rate must be positive") }
        if printEvery < 0 || saveEvery < 0 { throw InputError("--print-every and --save-every must be 0 or more") }
        if ImageFormat(outputPath: output) == nil {
            throw InputError("--output must name a .png, .jpg, .jpeg or .webp file, not \(output)")
        }
        // Limits that keep every size and byte count far from overflowing.
        let maximumSide = Self.maximumSide
        if resultSize > maximumSide { throw InputError("--size must be at most \(maximumSide)") }
        if case .sizes(let sizes) = schedule, let largest = sizes.max(), largest > maximumSide {
            throw InputError("--scales sizes must be at most \(maximumSide)")
        }
        let styleSide = Double(resultSize) * Double(styleOptions.styleScale)
        if styleSide > Double(maximumSide) {
            throw InputError(
                "--style-scale \(styleOptions.styleScale) makes the styles \(String(format: "%.0f", styleSide)) px: at most \(maximumSide)")
        }
        if iterations > 100_000_000 { throw InputError("--iterations must be at most 100000000") }
        if lbfgsHistory > 10_000 { throw InputError("--lbfgs-history must be at most 10000") }
        if let learningRate, !learningRate.isFinite { throw InputError("--learning-rate must be finite") }
    }

    /// The largest --size, scale and style side.
    static let maximumSide = 65536

    /// --scales, else the optimizer's default.
    func parsedScales() throws -> ScaleSchedule {
        guard let scales else {
            return ScaleSchedule.defaultSchedule(for: optimizer, fromNoise: initialization == "random")
        }
        do { return try ScaleSchedule.parse(scales) } catch { throw InputError("\(error)") }
    }

    /// --size, else the last explicit scale, else 512.
    var resultSize: Int {
        if let size { return size }
        if case .sizes(let sizes) = try? parsedScales() { return sizes.last! }
        return 512
    }

    var settings: StylizeSettings {
        var settings = StylizeSettings(contentPath: content.first ?? "", stylePaths: styleOptions.style, outputPath: output)
        settings.styleBlendWeights = styleOptions.styleBlendWeights
        settings.size = resultSize
        settings.scales = (try? parsedScales()) ?? .off
        settings.styleScale = styleOptions.styleScale
        settings.iterations = iterations
        settings.optimizer = optimizer
        settings.learningRate = learningRate
        settings.historySize = lbfgsHistory
        settings.optimizerAcrossScales = optimizerAcrossScales
        settings.loss = lossOptions.settings
        switch initialization {
        case "content": settings.initialization = .content
        case "random": settings.initialization = .random(seed: seed)
        default: settings.initialization = .image(path: initialization)
        }
        settings.pooling = modelOptions.pooling
        settings.originalColors = originalColors
        settings.saveEvery = saveEvery
        settings.precision = precision
        settings.memoryLimit = parsedMemoryLimit
        settings.tiling = TilingSettings(tileSize: tileSize, halo: tileHalo)
        settings.maxImagePixels = imageIOOptions.maxImagePixels
        settings.jpegQuality = imageIOOptions.jpegQuality
        settings.pruning = compressionOptions.settings
        return settings
    }

    func run() throws {
        let configuration = try EngineConfiguration.fromEnvironment()
        let device = try DeviceInventory.device(at: deviceOptions.primary)
        let helperDevices = try deviceOptions.indices.dropFirst().map { try DeviceInventory.device(at: $0) }
        let weightsURL = try modelOptions.weightsURL()
        Interrupt.install(quiet: quiet, batch: isBatch)
        if isBatch {
            return try runBatch(
                device: device, helperDevices: helperDevices, weightsURL: weightsURL, configuration: configuration)
        }
        let printer = ProgressPrinter(printEvery: printEvery, quiet: quiet)
        let pool = SessionPool(
            device: device, helperDevices: helperDevices, weightsURL: weightsURL, configuration: configuration)
        let job = StylizeJob(settings: settings, reportPath: report, styleSource: try storedStyleSource(weightsURL: weightsURL))
        let quiet = quiet
        let result: RunReport
        do {
            result = try job.run(on: pool, hooks: Interrupt.hooks(progress: printer.show, quiet: quiet))
        } catch is StoppedBeforeFirstIteration {
            if !quiet { print("interrupted by \(Interrupt.signalName) before the first iteration: nothing written") }
            throw ExitCode(Interrupt.exitStatus)
        }
        let iterations = result.scales.reduce(0) { $0 + $1.iterations.count - 1 }
        if result.stopReason == .interrupted || Interrupt.wasRequested {
            if !quiet { print("interrupted by \(Interrupt.signalName): wrote \(output) after \(iterations) iterations") }
            throw ExitCode(Interrupt.exitStatus)
        }
        if quiet { return }
        let scaleNote = result.scales.count > 1 ? " over \(result.scales.count) scales" : ""
        print(
            String(
                format: "wrote %@ (%d×%d) after %d iterations%@ in %.1f s, %.3f s/iteration at full size on %@",
                output, result.output.width, result.output.height, iterations, scaleNote, result.totalSeconds,
                result.secondsPerIteration, device.info.name))
        if let metrics = result.metrics {
            print(
                String(
                    format: "quality: SSIM to the content %.4f, style similarity %.4f, loss %.6g",
                    metrics.ssim, metrics.styleSimilarity, metrics.loss.total))
        }
    }
}
