import ArgumentParser
import CLRuntime
import FastStyle
import Foundation
import StyleEngine

/// `stylize-gpu train --style S --images DIR -o M`: a fast style model trained on the device.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a fast style model (a transform network) for a style on a folder of photos.",
        discussion: """
            Each step takes --batch square crops of --size px from the photos of --images (decoded, \
            resized and cropped on a background thread; the crops of a step depend only on --seed \
            and the step), runs them through the network, measures each result with VGG19's loss \
            (content against its photo, Gram style, total variation, as stylize does; defaults: \
            content relu2_2 weight 10, style relu1_1…relu5_1 weight 3, TV 1e-4) and takes one Adam \
            step. Several --style images train one multi-style model: each step's batch gives \
            every style the same number of photos, and the model's style n is the n-th --style. \
            The model (-o) and a checkpoint beside it (NAME.checkpoint.safetensors) are \
            written atomically every --checkpoint-every steps and at the end; --resume goes on \
            from the checkpoint and ends where an unbroken run would. SIGINT, SIGTERM and SIGHUP \
            stop at the end of the step and write both. scripts/training-photos DIR gathers photos.

            Environment: STYLIZE_GPU_CONV=direct|winograd|winograd4|im2col overrides the VGG \
            loss's convolutions (default: winograd4 on CPUs, winograd elsewhere).
            """)

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(
        name: .customLong("style"),
        help: "The style image; repeat it (--style a.png --style b.png …) for one multi-style model (conditional instance norm) of them all.")
    var style: [String] = []

    @Option(help: "A folder of photos to train on (PNG, JPEG, WebP).")
    var images: String

    @Option(name: [.short, .customLong("output")], help: "The model file to write (.safetensors).")
    var output: String

    @Option(help: "Side of the square training crops, in pixels.")
    var size: Int = 256

    @Option(name: .customLong("style-size"), help: "Longest side of the style image for its targets. (default: --size)")
    var styleSize: Int?

    @Option(help: "Crops per step.")
    var batch: Int = 4

    @Option(help: "Training steps.")
    var steps: Int = 2000

    @Option(name: .customLong("lr"), help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(name: .customLong("content-weight"), help: "Weight of the content loss.")
    var contentWeight: Float = TrainerSettings.defaultLoss.contentWeight

    @Option(name: .customLong("style-weight"), help: "Weight of the style loss.")
    var styleWeight: Float = TrainerSettings.defaultLoss.styleWeight

    @Option(name: .customLong("tv-weight"), help: "Weight of the total variation loss.")
    var tvWeight: Float = TrainerSettings.defaultLoss.totalVariationWeight

    @Option(help: "Seed of the initialization and of the crops.")
    var seed: UInt64 = 0

    @Option(name: .customLong("checkpoint-every"), help: "Write the model and the checkpoint every N steps.")
    var checkpointEvery: Int = 100

    @Flag(help: "Go on from the checkpoint beside -o (the same options).")
    var resume = false

    @Option(name: .customLong("init-model"), help: "Start from this model (fine-tuning) instead of a random network.")
    var initModel: String?

    @Option(
        name: .customLong("held-out"),
        help: "A folder of photos kept out of training, measured every --evaluate-every steps and at the end (SSIM, style similarity, loss).")
    var heldOut: String?

    @Option(name: .customLong("evaluate-every"), help: "Measure the held-out photos every N steps.")
    var evaluateEvery: Int = 100

    @Option(help: "Write a JSON report of the run here (every step's loss parts, the held-out measures).")
    var report: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if style.isEmpty { throw InputError("give --style a style image") }
        if style.count > 64 { throw InputError("at most 64 --style images") }
        if batch % style.count != 0 {
            throw InputError("--batch must be a multiple of the \(style.count) styles (each step takes one photo per style, --batch / \(style.count) times)")
        }
        if !(16...4096).contains(size) { throw InputError("--size must be 16 to 4096") }
        if let styleSize, !(16...8192).contains(styleSize) { throw InputError("--style-size must be 16 to 8192") }
        if !(1...256).contains(batch) { throw InputError("--batch must be 1 to 256") }
        if steps < 1 || steps > 10_000_000 { throw InputError("--steps must be 1 to 10000000") }
        if !(learningRate > 0 && learningRate.isFinite) { throw InputError("--lr must be positive") }
        for (name, value) in [("--content-weight", contentWeight), ("--style-weight", styleWeight), ("--tv-weight", tvWeight)]
        where !(value >= 0 && value.isFinite) {
            throw InputError("\(name) must be 0 or more")
        }
        if checkpointEvery < 1 { throw InputError("--checkpoint-every must be at least 1") }
        if evaluateEvery < 1 { throw InputError("--evaluate-every must be at least 1") }
        if !output.hasSuffix(".safetensors") { throw InputError("-o must name a .safetensors file, not \(output)") }
        if resume && initModel != nil { throw InputError("--resume goes on from the checkpoint: leave out --init-model") }
    }

    var settings: TrainerSettings {
        var settings = TrainerSettings(stylePaths: style, imagesDirectory: images, outputPath: output)
        settings.size = size
        settings.styleSize = styleSize
        settings.batchSize = batch
        settings.steps = steps
        settings.learningRate = learningRate
        settings.loss.contentWeight = contentWeight
        settings.loss.styleWeight = styleWeight
        settings.loss.totalVariationWeight = tvWeight
        settings.seed = seed
        settings.pooling = modelOptions.pooling
        settings.checkpointEvery = checkpointEvery
        settings.initModelPath = initModel
        settings.heldOutDirectory = heldOut
        settings.evaluateEvery = evaluateEvery
        return settings
    }

    func run() throws {
        let settings = settings
        let weightsURL = try modelOptions.weightsURL()
        var inputs = style.map { OutputCheck.Input(role: "a style image", path: $0) }
        inputs.append(.init(role: "the weights file", path: weightsURL.path))
        if let initModel { inputs.append(.init(role: "the --init-model", path: initModel)) }
        var outputs = [OutputCheck.Output(role: "the model", path: output), .init(role: "the checkpoint", path: settings.checkpointPath)]
        if let report { outputs.append(.init(role: "the report", path: report)) }
        try OutputCheck(inputs: inputs, outputs: outputs).run()
        let styleImages = try style.map { try ImageFile.read(path: $0) }
        let initial = try initModel.map { try TransformerModel.load(path: $0) }
        if let initial, initial.isConditional { throw InputError("--init-model is a multi-style model; give a single-style one") }
        let device = try DeviceInventory.device(at: deviceOptions.primary)
        var configuration = try EngineConfiguration.fromEnvironment()
        configuration.convolution = configuration.trainingConvolution(for: device.info)
        Interrupt.install(quiet: quiet)
        let loss = settings.loss
        let session = try EngineSession(
            device: device,
            weights: VGG19Weights.load(
                from: weightsURL, convolutionCount: try VGG19Network.convolutionsNeeded(for: loss.layers)),
            pooling: settings.pooling, configuration: configuration)
        let trainer = try TransformerTrainer(
            settings: settings, session: session, styleImages: styleImages,
            vggWeightsHash: ContentHash.ofFile(weightsURL.path) ?? "unreadable", initialModel: initial)
        let quiet = quiet
        let live = isatty(STDERR_FILENO) != 0
        let result = try trainer.run(
            resume: resume,
            progress: { progress in
                Interrupt.keepsResult.store(true, ordering: .relaxed)
                if quiet { return }
                let line = String(
                    format: "step %d/%d  loss %.4g (content %.4g, style %.4g, TV %.4g)  %.2f steps/s  ETA %@",
                    progress.step, progress.steps, progress.loss.total, progress.loss.content, progress.loss.style,
                    progress.loss.totalVariation, progress.stepsPerSecond, Self.duration(progress.secondsLeft))
                FileHandle.standardError.write(Data(((live ? "\r\u{1B}[K" : "") + line + (live ? "" : "\n")).utf8))
            },
            shouldStop: { Interrupt.wasRequested },
            log: { if !quiet { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } })
        if live && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: URL(fileURLWithPath: report), options: .atomic)
        }
        let last = result.steps.last?.step ?? result.startStep
        if result.interrupted {
            if !quiet { print("interrupted by \(Interrupt.signalName): wrote \(output) and its checkpoint at step \(last)") }
            throw ExitCode(Interrupt.exitStatus)
        }
        if !quiet {
            print(
                String(
                    format: "wrote %@ after %d steps in %.1f s (%.2f s/step) on %@", output, last, result.totalSeconds,
                    result.secondsPerStep, device.info.name))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%dh%02dm", total / 3600, total % 3600 / 60) : String(format: "%dm%02ds", total / 60, total % 60)
    }
}
