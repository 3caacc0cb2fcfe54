import CLRuntime
import Foundation

/// The single-image job: files in, a session on the device, the transfer, an image (and a
/// report) out. Paths end here; below it the engine takes and gives pixels.
public final class Stylizer {
    public let settings: StylizeSettings
    public let device: Device
    public let weightsURL: URL
    public let configuration: EngineConfiguration
    public let reportPath: String?
    /// The styles, when not the files of `settings.stylePaths` (a stored style).
    public var styleSource: StyleSource?

    public init(
        settings: StylizeSettings, device: Device, weightsURL: URL, configuration: EngineConfiguration = .init(),
        reportPath: String? = nil
    ) {
        self.settings = settings
        self.device = device
        self.weightsURL = weightsURL
        self.configuration = configuration
        self.reportPath = reportPath
    }

    /// Runs the whole job. `shouldStop` is polled once per iteration (a signal): the current
    /// image and report are then written as at the end.
    @discardableResult
    public func run(
        progress: @escaping (TransferProgress) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false },
        log: (String) -> Void = { _ in }
    ) throws -> RunReport {
        let start = Date()
        let convolutionCount = try VGG19Network.convolutionsNeeded(for: settings.loss.layers)
        let perScale = ScaleSchedule.iterations(total: settings.iterations, sizes: settings.transfer.scaleSizes)
        let total = perScale.reduce(0, +)
        try outputCheck(totalIterations: total).run()
        let loaded = try VGG19Weights.load(from: weightsURL, convolutionCount: convolutionCount)
        let channels = settings.pruning.keptChannels(loaded.channels)
        var loading = settings
        if styleSource != nil { loading.stylePaths = [] }
        let inputs = try StyleInputs.load(settings: loading) { height, width in
            try checkFits(height: height, width: width, channels: channels)
        }
        try checkStylesFit(inputs.styles, channels: channels)
        let outputFormat = ImageFormat(outputPath: settings.outputPath) ?? .png
        let outputAlpha = inputs.contentFile.alpha(width: inputs.width, height: inputs.height)
        let writeOutput = { [settings] (image: RGBImage, path: String) in
            try ImageFile.write(
                image, alpha: outputAlpha, iccProfile: inputs.contentFile.iccProfile, to: path, format: outputFormat,
                quality: settings.jpegQuality)
        }
        let weights = try loaded.pruned(settings.pruning) { [device, configuration, settings] in
            try EngineSession.activationScores(
                weights: $0, images: [inputs.content] + inputs.styles, device: device, precision: settings.precision,
                pooling: settings.pooling, configuration: configuration)
        }
        let session = try EngineSession(
            device: device, weights: weights, precision: settings.precision, pooling: settings.pooling,
            configuration: configuration, memoryLimit: settings.memoryLimit, log: log)
        let styles = styleSource ?? StyleSource(
            images: inputs.styles, blendWeights: settings.styleBlendWeights, layers: settings.loss.styleLayers)
        let transfer = StyleTransfer(session: session, settings: settings.transfer, styles: styles)
        let styleSide = settings.transfer.styleSide(forSize: settings.size)
        var report = RunReport(
            device: device.info, precision: settings.precision, settings: settings,
            content: .init(path: settings.contentPath, width: inputs.width, height: inputs.height),
            styles: zip(settings.stylePaths, styles.resized(side: styleSide)).map {
                .init(path: $0, width: $1.width, height: $1.height)
            },
            output: .init(path: settings.outputPath, width: inputs.width, height: inputs.height))
        report.setupSeconds = Date().timeIntervalSince(start)

        var hooks = StyleTransfer.Hooks()
        hooks.progress = progress
        hooks.shouldStop = shouldStop
        hooks.afterUpdate = { [settings] scale, iteration, image in
            let done = perScale[..<scale].reduce(0, +) + iteration
            if settings.saveEvery > 0 && done % settings.saveEvery == 0 && done < total {
                try writeOutput(try image(), self.numberedPath(done))
            }
        }
        let result = try transfer.run(content: inputs.content, initialization: inputs.initialization, hooks: hooks)
        try writeOutput(result.image, settings.outputPath)

        report.scales = RunReport.scales(result)
        report.iterations = report.scales.last!.iterations
        report.secondsPerIteration = report.scales.last!.secondsPerIteration
        report.stopReason = result.stopReason
        if result.stopReason != .interrupted {
            report.metrics = try session.scalars.scoped {
                let evaluator = try QualityEvaluator(
                    session: session,
                    targets: styles.targets(session: session, side: styleSide, scratchLimit: settings.scratchLimit),
                    content: inputs.content.resized(longestSide: settings.size), settings: settings.loss,
                    scratchLimit: settings.scratchLimit)
                return try evaluator.evaluate(result.image)
            }
        }
        report.peakDeviceBytes = session.peakAllocatedBytes
        report.totalSeconds = Date().timeIntervalSince(start)
        if let reportPath {
            do { try writeJSON(report, to: reportPath) } catch {
                throw StylizeError.cannotWriteReport(path: reportPath, reason: Self.reason(error))
            }
        }
        if result.stopReason == .nonFiniteLoss {
            throw StylizeError.nonFiniteLoss(
                iteration: result.scales.last!.losses.count - 1, outputPath: settings.outputPath)
        }
        return report
    }

    /// Device memory the run may take: the device's, or less under `--memory-limit`.
    var availableBytes: Int { min(Int(device.info.globalMemoryBytes), settings.memoryLimit ?? .max) }

    /// out.png → out_0100.png for the intermediate image after 100 iterations.
    func numberedPath(_ iteration: Int) -> String {
        let url = URL(fileURLWithPath: settings.outputPath)
        let stem = url.deletingPathExtension().lastPathComponent
        let name = String(format: "%@_%04d.%@", stem, iteration, url.pathExtension)
        return url.deletingLastPathComponent().appending(path: name).path
    }

    /// Every file the run will write, against every file it reads.
    func outputCheck(totalIterations: Int) -> OutputCheck {
        var inputs = [OutputCheck.Input(role: "the content image", path: settings.contentPath)]
        inputs += settings.stylePaths.map { OutputCheck.Input(role: "a style image", path: $0) }
        if case .image(let path) = settings.initialization {
            inputs.append(OutputCheck.Input(role: "the --init image", path: path))
        }
        inputs.append(OutputCheck.Input(role: "the weights file", path: weightsURL.path))
        var outputs = [OutputCheck.Output(role: "the output image", path: settings.outputPath)]
        if let reportPath { outputs.append(OutputCheck.Output(role: "the report", path: reportPath)) }
        let numbered =
            settings.saveEvery > 0
            ? OutputCheck.NumberedSaves(every: settings.saveEvery, total: totalIterations, path: numberedPath) : nil
        return OutputCheck(inputs: inputs, outputs: outputs, numbered: numbered)
    }

    /// A one-line reason from a Foundation error (its POSIX cause where there is one).
    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription.replacingOccurrences(of: "\n", with: " ")
    }

    /// The style images pass through the network at --style-scale × the result's size:
    /// each must fit the device as the result does.
    private func checkStylesFit(_ styles: [RGBImage], channels: [Int]) throws {
        let plan = memoryPlan(channels: channels)
        let available = availableBytes
        let side = settings.transfer.styleSide(forSize: settings.size)
        for (path, style) in zip(settings.stylePaths, styles) {
            let size = StyleInputs.fittedSize(width: style.width, height: style.height, longestSide: side)
            let needed = plan.forwardBytes(height: size.height, width: size.width, scratchLimit: settings.scratchLimit)
            if needed <= available { continue }
            var scale = settings.styleScale
            var fits: Float?
            while scale * Float(settings.size) >= 16 {
                scale *= 15 / 16
                let trial = StyleInputs.fittedSize(
                    width: style.width, height: style.height, longestSide: max(1, Int((Float(settings.size) * scale).rounded())))
                if plan.forwardBytes(height: trial.height, width: trial.width, scratchLimit: settings.scratchLimit) <= available {
                    fits = scale
                    break
                }
            }
            throw StylizeError.styleTooLarge(
                path: path, width: size.width, height: size.height, neededBytes: needed, availableBytes: available,
                styleScale: settings.styleScale, largestStyleScale: fits)
        }
    }

    /// The memory plan of a run whose convolutions have these output channels.
    private func memoryPlan(channels: [Int]) -> MemoryPlan {
        MemoryPlan(
            convolutionCount: channels.count, optimizer: settings.optimizer, historySize: settings.historySize,
            precision: settings.precision, convolution: configuration.convolution(for: device.info), channels: channels)
    }

    private func checkFits(height: Int, width: Int, channels: [Int]) throws {
        let plan = memoryPlan(channels: channels)
        let available = availableBytes
        let needed = plan.bytes(height: height, width: width, scratchLimit: settings.scratchLimit)
        if needed <= available { return }
        var fitting = settings.size
        while fitting >= 16 {
            let scale = Double(fitting) / Double(max(height, width))
            let h = max(1, Int((Double(height) * scale).rounded()))
            let w = max(1, Int((Double(width) * scale).rounded()))
            if plan.bytes(height: h, width: w, scratchLimit: settings.scratchLimit) <= available { break }
            fitting = fitting * 15 / 16
        }
        throw StylizeError.imageTooLarge(neededBytes: needed, availableBytes: available, largestSize: fitting)
    }
}

/// Writes `value` as pretty JSON, atomically.
func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
}
