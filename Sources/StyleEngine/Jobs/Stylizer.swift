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
        let loaded = try VGG19Weights.load(from: weightsURL, convolutionCount: convolutionCount)
        let inputs = try StyleInputs.load(settings: settings) { height, width in
            try checkFits(height: height, width: width, channels: settings.pruning.keptChannels(loaded.channels))
        }
        let weights = try loaded.pruned(settings.pruning) { [device, configuration, settings] in
            try EngineSession.activationScores(
                weights: $0, images: [inputs.content] + inputs.styles, device: device, precision: settings.precision,
                pooling: settings.pooling, configuration: configuration)
        }
        let session = try EngineSession(
            device: device, weights: weights, precision: settings.precision, pooling: settings.pooling,
            configuration: configuration, log: log)
        let styles = StyleSource(
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
        let perScale = ScaleSchedule.iterations(total: settings.iterations, scaleCount: settings.transfer.scaleSizes.count)
        let total = perScale.reduce(0, +)
        hooks.afterUpdate = { [settings] scale, iteration, image in
            let done = perScale[..<scale].reduce(0, +) + iteration
            if settings.saveEvery > 0 && done % settings.saveEvery == 0 && done < total {
                try ImageFile.writePNG(try image(), to: self.numberedPath(done))
            }
        }
        let result = try transfer.run(content: inputs.content, initialization: inputs.initialization, hooks: hooks)
        try ImageFile.writePNG(result.image, to: settings.outputPath)

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
        if let reportPath { try writeJSON(report, to: reportPath) }
        if result.stopReason == .nonFiniteLoss {
            throw StylizeError.nonFiniteLoss(
                iteration: result.scales.last!.losses.count - 1, outputPath: settings.outputPath)
        }
        return report
    }

    /// out.png → out_0100.png for the intermediate image after 100 iterations.
    func numberedPath(_ iteration: Int) -> String {
        let url = URL(fileURLWithPath: settings.outputPath)
        let stem = url.deletingPathExtension().lastPathComponent
        let name = String(format: "%@_%04d.%@", stem, iteration, url.pathExtension)
        return url.deletingLastPathComponent().appending(path: name).path
    }

    private func checkFits(height: Int, width: Int, channels: [Int]) throws {
        let plan = MemoryPlan(
            convolutionCount: channels.count, optimizer: settings.optimizer, historySize: settings.historySize,
            precision: settings.precision, convolution: configuration.convolution(for: device.info), channels: channels)
        let available = Int(device.info.globalMemoryBytes)
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
