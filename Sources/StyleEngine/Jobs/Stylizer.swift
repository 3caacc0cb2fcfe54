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
    /// Other devices that take a share of the tiles (`--device 0,1`), each with a session.
    public var helperDevices: [Device] = []

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
        let planner = TilePlanner(
            memory: memoryPlan(channels: channels), availableBytes: availableBytes, loss: settings.loss,
            settings: settings.tiling, scratchLimit: settings.scratchLimit, devices: helperDevices.count + 1,
            maxBufferBytes: ([device] + helperDevices).map { Int(clamping: $0.info.maxAllocationBytes) }.min()!)
        let inputs = try StyleInputs.load(settings: loading) { height, width in
            try checkFits(height: height, width: width, planner: planner)
        }
        try checkStylesFit(inputs.styles, planner: planner)
        // The plan of every scale, told before any work when it is more than one pass each.
        let plans = settings.transfer.scaleSizes.compactMap { side -> ScalePlan? in
            let size = StyleInputs.fittedSize(width: inputs.width, height: inputs.height, longestSide: side)
            return planner.plan(height: size.height, width: size.width)
        }
        if plans.contains(where: { $0.tiling != nil || $0.historyShrunk }) {
            for plan in plans { log("plan " + plan.summary) }
        }
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
        let helpers = try helperDevices.map {
            try EngineSession(
                device: $0, weights: weights, precision: settings.precision, pooling: settings.pooling,
                configuration: configuration, memoryLimit: settings.memoryLimit, log: log)
        }
        let transfer = StyleTransfer(session: session, settings: settings.transfer, styles: styles, helpers: helpers)
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
                let content = inputs.content.resized(longestSide: settings.size)
                let grid = planner.plan(height: content.height, width: content.width)?.grid
                let evaluator = try QualityEvaluator(
                    session: session,
                    targets: styles.targets(
                        session: session, side: styleSide, scratchLimit: settings.scratchLimit, planner: planner),
                    content: content, settings: settings.loss, scratchLimit: settings.scratchLimit, grid: grid)
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

    /// Device memory the run may take on each device: the smallest device's, or less under
    /// `--memory-limit`.
    var availableBytes: Int {
        ([device] + helperDevices).map { min(Int(clamping: $0.info.globalMemoryBytes), settings.memoryLimit ?? .max) }.min()!
    }

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

    /// The style images pass through the network at --style-scale × the result's size, in
    /// tiles if need be: refused only when even tiles do not fit.
    private func checkStylesFit(_ styles: [RGBImage], planner: TilePlanner) throws {
        let side = settings.transfer.styleSide(forSize: settings.size)
        for (path, style) in zip(settings.stylePaths, styles) {
            let size = StyleInputs.fittedSize(width: style.width, height: style.height, longestSide: side)
            if planner.forwardFits(height: size.height, width: size.width) { continue }
            var scale = settings.styleScale
            var fits: Float?
            while scale * Float(settings.size) >= 16 {
                scale *= 15 / 16
                let trial = StyleInputs.fittedSize(
                    width: style.width, height: style.height, longestSide: max(1, Int((Float(settings.size) * scale).rounded())))
                if planner.forwardFits(height: trial.height, width: trial.width) {
                    fits = scale
                    break
                }
            }
            throw StylizeError.styleTooLarge(
                path: path, width: size.width, height: size.height,
                neededBytes: planner.memory.forwardBytes(
                    height: size.height, width: size.width, scratchLimit: settings.scratchLimit),
                availableBytes: planner.availableBytes, styleScale: settings.styleScale, largestStyleScale: fits)
        }
    }

    /// The memory plan of a run whose convolutions have these output channels.
    private func memoryPlan(channels: [Int]) -> MemoryPlan {
        MemoryPlan(
            convolutionCount: channels.count, optimizer: settings.optimizer, historySize: settings.historySize,
            precision: settings.precision, convolution: configuration.convolution(for: device.info), channels: channels)
    }

    /// Refuses, before any work, a result that cannot run even in the smallest tiles with the
    /// shortest history, naming a size that would.
    private func checkFits(height: Int, width: Int, planner: TilePlanner) throws {
        if planner.plan(height: height, width: width) != nil { return }
        var fitting = settings.size
        while fitting >= 16 {
            let scale = Double(fitting) / Double(max(height, width))
            let h = max(1, Int((Double(height) * scale).rounded()))
            let w = max(1, Int((Double(width) * scale).rounded()))
            if planner.plan(height: h, width: w) != nil { break }
            fitting = fitting * 15 / 16
        }
        throw StylizeError.imageTooLarge(
            neededBytes: planner.minimumBytes(height: height, width: width), availableBytes: planner.availableBytes,
            largestSize: fitting)
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
