import CLRuntime
import Foundation

/// One image through the engine, the same for every runner (single run, batch, server): its
/// files checked, its inputs read and checked, its plan made and told, run on the sessions a
/// `SessionPool` gives, and its result written with every output option (format by extension,
/// JPEG quality, alpha, ICC profile), its report after. Paths end here; below it the engine
/// takes and gives pixels.
public final class StylizeJob {
    public let settings: StylizeSettings
    public let reportPath: String?
    /// The styles, when not the files of `settings.stylePaths` (a stored style).
    public let styleSource: StyleSource?
    public let unfinished: UnfinishedResult

    public init(
        settings: StylizeSettings, reportPath: String? = nil, styleSource: StyleSource? = nil,
        unfinished: UnfinishedResult = .write
    ) {
        self.settings = settings
        self.reportPath = reportPath
        self.styleSource = styleSource
        self.unfinished = unfinished
    }

    /// Runs the job on `pool`'s sessions. Throws `StoppedBeforeFirstIteration` when a stop is
    /// asked before the first update; a stop after it returns the report of what was kept
    /// (stop reason `.interrupted`; the image written unless `unfinished` is `.drop`).
    public func run(on pool: SessionPool, hooks: JobHooks = JobHooks()) throws -> RunReport {
        let start = Date()
        hooks.phaseChanged(.preparing)
        let stopIfAsked = {
            if hooks.shouldStop() { throw StoppedBeforeFirstIteration() }
        }
        let convolutionCount = try VGG19Network.convolutionsNeeded(for: settings.loss.layers)
        let perScale = ScaleSchedule.iterations(total: settings.iterations, sizes: settings.transfer.scaleSizes)
        let total = perScale.reduce(0, +)
        try outputCheck(totalIterations: total, weightsPath: pool.weightsURL.path).run()
        let loaded = try pool.weights(convolutionCount: convolutionCount)
        let channels = settings.pruning.keptChannels(loaded.channels)
        var loading = settings
        if styleSource != nil { loading.stylePaths = [] }
        let planner = TilePlanner(
            memory: memoryPlan(channels: channels, device: pool.device, configuration: pool.configuration),
            availableBytes: availableBytes(pool.devices), loss: settings.loss, settings: settings.tiling,
            scratchLimit: settings.scratchLimit, devices: pool.devices.count,
            maxBufferBytes: pool.devices.map { Int(clamping: $0.info.maxAllocationBytes) }.min()!)
        try stopIfAsked()
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
            for plan in plans { hooks.log("plan " + plan.summary) }
        }
        let outputFormat = ImageFormat(outputPath: settings.outputPath) ?? .png
        let outputAlpha = inputs.contentFile.alpha(width: inputs.width, height: inputs.height)
        let writeOutput = { [settings] (image: RGBImage, path: String) in
            try ImageFile.write(
                image, alpha: outputAlpha, iccProfile: inputs.contentFile.iccProfile, to: path, format: outputFormat,
                quality: settings.jpegQuality)
        }
        try stopIfAsked()
        let sessions = try pool.sessions(
            key: .of(settings, convolutionCount: convolutionCount), settings: settings,
            weights: { [settings] in
                try loaded.pruned(settings.pruning) {
                    try EngineSession.activationScores(
                        weights: $0, images: [inputs.content] + inputs.styles, device: pool.device,
                        precision: settings.precision, pooling: settings.pooling, configuration: pool.configuration)
                }
            }, log: hooks.log)
        let session = sessions.primary
        let styles = sessions.styleSource(key: styleKey) {
            styleSource?.withoutTargets()
                ?? StyleSource(images: inputs.styles, blendWeights: settings.styleBlendWeights, layers: settings.loss.styleLayers)
        }
        let transfer = StyleTransfer(
            session: session, settings: settings.transfer, styles: styles, helpers: sessions.helpers)
        try stopIfAsked()
        try prepareStyleTargets(styles, transfer: transfer, hooks: hooks)
        let styleSide = settings.transfer.styleSide(forSize: settings.size)
        var report = RunReport(
            device: pool.device.info, precision: settings.precision, settings: settings,
            content: .init(path: settings.contentPath, width: inputs.width, height: inputs.height),
            styles: zip(settings.stylePaths, styles.resized(side: styleSide)).map {
                .init(path: $0, width: $1.width, height: $1.height)
            },
            output: .init(path: settings.outputPath, width: inputs.width, height: inputs.height))
        report.setupSeconds = Date().timeIntervalSince(start)

        var transferHooks = StyleTransfer.Hooks()
        transferHooks.progress = hooks.progress
        transferHooks.shouldStop = hooks.shouldStop
        transferHooks.afterUpdate = { [settings] scale, iteration, image in
            let done = perScale[..<scale].reduce(0, +) + iteration
            if done == 1 { hooks.phaseChanged(.iterating) }
            if settings.saveEvery > 0 && done % settings.saveEvery == 0 && done < total {
                try writeOutput(try image(), self.numberedPath(done))
            }
        }
        try stopIfAsked()
        let result = try transfer.run(content: inputs.content, initialization: inputs.initialization, hooks: transferHooks)
        let updates = result.scales.reduce(0) { $0 + $1.losses.count - 1 }
        if result.stopReason == .interrupted && updates == 0 { throw StoppedBeforeFirstIteration() }
        hooks.phaseChanged(.finishing)
        let finished = result.stopReason == .completed
        if finished || unfinished == .write { try writeOutput(result.image, settings.outputPath) }

        report.scales = RunReport.scales(result)
        report.iterations = report.scales.last!.iterations
        report.secondsPerIteration = report.scales.last!.secondsPerIteration
        report.stopReason = result.stopReason
        if result.stopReason != .interrupted && !hooks.shouldStop() {
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
                iteration: result.scales.last!.losses.count - 1,
                outputPath: unfinished == .write ? settings.outputPath : "(not written)")
        }
        return report
    }

    /// What identifies the job's styles among the jobs of one pool.
    var styleKey: String {
        if let styleSource { return "stored \(ObjectIdentifier(styleSource))" }
        return "files \(settings.stylePaths) blend \(settings.styleBlendWeights) layers \(settings.loss.styleLayers)"
    }

    /// The first scale's style targets, computed before the loop (told when in tiles: the
    /// longest part of the preparation, stopped between tiles on request).
    private func prepareStyleTargets(_ styles: StyleSource, transfer: StyleTransfer, hooks: JobHooks) throws {
        let side = settings.transfer.styleSide(forSize: settings.transfer.scaleSizes.first!)
        let planner = transfer.settings.planner(session: transfer.session, helpers: transfer.helpers)
        let tiled = styles.resized(side: side).filter { planner.forwardTiling(height: $0.height, width: $0.width) != nil }
        if !styles.storedSides.contains(side), let largest = tiled.max(by: { $0.width * $0.height < $1.width * $1.height }) {
            hooks.log("style targets: \(largest.width)×\(largest.height) style in tiles")
        }
        _ = try styles.targets(
            session: transfer.session, side: side, scratchLimit: settings.scratchLimit, planner: planner,
            shouldStop: hooks.shouldStop)
    }

    /// Device memory the run may take on each device: the smallest device's, or less under
    /// `--memory-limit`.
    func availableBytes(_ devices: [Device]) -> Int {
        devices.map { min(Int(clamping: $0.info.globalMemoryBytes), settings.memoryLimit ?? .max) }.min()!
    }

    /// out.png → out_0100.png for the intermediate image after 100 iterations.
    func numberedPath(_ iteration: Int) -> String {
        let url = URL(fileURLWithPath: settings.outputPath)
        let stem = url.deletingPathExtension().lastPathComponent
        let name = String(format: "%@_%04d.%@", stem, iteration, url.pathExtension)
        return url.deletingLastPathComponent().appending(path: name).path
    }

    /// Every file the run will write, against every file it reads.
    func outputCheck(totalIterations: Int, weightsPath: String) -> OutputCheck {
        var inputs = [OutputCheck.Input(role: "the content image", path: settings.contentPath)]
        inputs += settings.stylePaths.map { OutputCheck.Input(role: "a style image", path: $0) }
        if case .image(let path) = settings.initialization {
            inputs.append(OutputCheck.Input(role: "the --init image", path: path))
        }
        inputs.append(OutputCheck.Input(role: "the weights file", path: weightsPath))
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
    private func memoryPlan(channels: [Int], device: Device, configuration: EngineConfiguration) -> MemoryPlan {
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
