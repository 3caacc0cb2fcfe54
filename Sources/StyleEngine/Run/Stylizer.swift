import CLRuntime
import Foundation

/// One stylization run: images in, the optimization loop on the device, an image out.
public final class Stylizer {
    public let settings: StylizeSettings
    public let device: Device
    public let weightsURL: URL
    public let reportPath: String?

    public init(settings: StylizeSettings, device: Device, weightsURL: URL, reportPath: String? = nil) {
        self.settings = settings
        self.device = device
        self.weightsURL = weightsURL
        self.reportPath = reportPath
    }

    /// Runs the whole job. `shouldStop` is polled once per iteration (Ctrl-C): the current
    /// image and report are then written as at the end.
    @discardableResult
    public func run(
        progress: (OptimizationLoop.Progress) -> Void = { _ in }, shouldStop: () -> Bool = { false },
        log: (String) -> Void = { _ in }
    ) throws -> RunReport {
        let setupStart = Date()
        let convolutionCount = try VGG19Network.convolutionsNeeded(for: settings.loss.layers)
        let inputs = try StyleInputs.load(settings: settings) { height, width in
            try checkFits(height: height, width: width, convolutionCount: convolutionCount)
        }
        let gpu = try ComputeDevice(device: device)
        // Only CLBlast needs tuning; CPU devices multiply with the engine's own kernels.
        if GEMMBackend.fromEnvironment(for: device.info) == .clblast {
            try GEMMTuning.prepare(gpu: gpu, mode: GEMMTuning.modeFromEnvironment(default: .search), log: log)
        }
        let loop = try OptimizationLoop(gpu: gpu, weightsURL: weightsURL, settings: settings, images: inputs.prepared)
        let (height, width) = (loop.height, loop.width)
        var report = RunReport(
            device: device.info, precision: settings.precision, settings: settings,
            content: .init(path: settings.contentPath, width: width, height: height),
            styles: zip(settings.stylePaths, inputs.styles).map { .init(path: $0, width: $1.width, height: $1.height) },
            output: .init(path: settings.outputPath, width: width, height: height))
        report.setupSeconds = Date().timeIntervalSince(setupStart)

        let result = try loop.run(progress: progress, shouldStop: shouldStop) { iteration in
            if settings.saveEvery > 0 && iteration % settings.saveEvery == 0 && iteration < settings.iterations {
                try writeImage(loop.image, inputs: inputs, gpu: gpu, to: numberedPath(iteration))
            }
        }
        report.iterations = zip(result.losses, result.elapsed).enumerated().map { iteration, pair in
            .init(
                iteration: iteration, loss: pair.0.total, content: pair.0.content, style: pair.0.style,
                totalVariation: pair.0.totalVariation, elapsedSeconds: pair.1)
        }
        report.stopReason = result.stopReason.rawValue
        report.secondsPerIteration = OptimizationLoop.medianIterationSeconds(result.elapsed)
        report.peakDeviceBytes = gpu.context.peakAllocatedBytes
        let finalImage = result.stopReason == .nonFiniteLoss ? loop.lastGood : loop.image
        try writeImage(finalImage, inputs: inputs, gpu: gpu, to: settings.outputPath)
        if let reportPath { try writeJSON(report, to: reportPath) }
        if result.stopReason == .nonFiniteLoss {
            throw StylizeError.nonFiniteLoss(iteration: result.losses.count - 1, outputPath: settings.outputPath)
        }
        return report
    }

    private func writeImage(_ image: Buffer<Float>, inputs: StyleInputs, gpu: ComputeDevice, to path: String) throws {
        let pixels = try image.download(queue: gpu.queue)
        var result = RGBImage(deprocessing: pixels, width: inputs.content.width, height: inputs.content.height)
        if settings.originalColors { result = inputs.content.withLuminance(of: result) }
        try ImageFile.writePNG(result, to: path)
    }

    /// out.png → out_0100.png for the intermediate image after 100 iterations.
    func numberedPath(_ iteration: Int) -> String {
        let url = URL(fileURLWithPath: settings.outputPath)
        let stem = url.deletingPathExtension().lastPathComponent
        let name = String(format: "%@_%04d.%@", stem, iteration, url.pathExtension)
        return url.deletingLastPathComponent().appending(path: name).path
    }

    private func checkFits(height: Int, width: Int, convolutionCount: Int) throws {
        let plan = MemoryPlan(
            convolutionCount: convolutionCount, optimizer: settings.optimizer, historySize: settings.historySize,
            precision: settings.precision, convolution: .fromEnvironment(for: device.info))
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
