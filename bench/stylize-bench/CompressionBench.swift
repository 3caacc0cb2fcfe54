import CLRuntime
import Foundation
import StyleEngine

/// `stylize-bench --compression`: the same content and style at each size for every
/// compression setting (pruning 0 / 0.3 / 0.5 / 0.7 by each criterion; each quantization of
/// the whole network), each result measured by the unpruned network (`QualityEvaluator`)
/// and against the uncompressed result.
struct CompressionBench {
    struct Setting {
        let name: String
        let pruning: PruningSettings
        let quantization: QuantizationMethod?
    }

    struct Row: Codable {
        var size: Int
        var setting: String
        var channels: [Int]
        var secondsPerIteration: Double
        var timeRatio: Double
        var gflopPerIteration: Double
        var peakDeviceBytes: Int
        var weightsBytes: Int
        var deviceWeightsBytes: Int
        var metrics: QualityMetrics
        /// SSIM of this result to the uncompressed one.
        var ssimToUncompressed: Double
        var finalLoss: Double
    }

    static let settings: [Setting] =
        [Setting(name: "none", pruning: PruningSettings(), quantization: nil)]
        + [0.3, 0.5, 0.7].flatMap { ratio in
            PruningCriterion.allCases.map { criterion in
                Setting(
                    name: "prune \(ratio) \(criterion.rawValue)", pruning: PruningSettings(ratio: ratio, criterion: criterion),
                    quantization: nil)
            }
        }
        + QuantizationMethod.allCases.map { Setting(name: "quantize \($0.rawValue)", pruning: PruningSettings(), quantization: $0) }

    let device: Device
    let configuration: EngineConfiguration
    let weightsURL: URL
    let samples: String
    let iterations: Int
    /// Where the result images go (compression-SIZE-SETTING.png); nil: nowhere.
    let imagesDirectory: String?
    /// Only settings whose name contains one of these (empty: all).
    let only: [String]

    func run(sizes: [Int]) throws -> [Row] {
        var rows: [Row] = []
        for size in sizes {
            let (settings, images) = try BenchImages.samples(samples, size: size, iterations: iterations)
            let (contentImage, content, styles, blendWeights) =
                (images.contentImage, images.content, images.styles, images.blendWeights)
            let full = try VGG19Weights.load(
                from: weightsURL, convolutionCount: VGG19Network.convolutionsNeeded(for: settings.loss.layers))
            // The judge: the unpruned network, as loaded, on the same device.
            let reference = try EngineSession(device: device, weights: full, configuration: configuration)
            let evaluator = try QualityEvaluator(
                session: reference,
                targets: StyleTargets.compute(
                    session: reference, styles: styles, blendWeights: blendWeights, layers: settings.loss.styleLayers,
                    scratchLimit: settings.scratchLimit),
                content: contentImage, settings: settings.loss, scratchLimit: settings.scratchLimit)
            var activationScores: [[Double]]?
            var baseline: (seconds: Double, image: RGBImage)?
            for setting in Self.settings where setting.name == "none" || only.isEmpty || only.contains(where: setting.name.contains) {
                var weights = setting.quantization.map(full.quantized) ?? full
                weights = try weights.pruned(setting.pruning) { unpruned in
                    if activationScores == nil {
                        activationScores = try ChannelPruning.activationScores(
                            network: reference.network, images: [content] + styles)
                    }
                    return activationScores!
                }
                // A fresh session per setting: peak memory is this run's alone.
                let (seconds, image, peak, loss) = try inScope {
                    let session = try EngineSession(device: device, weights: weights, configuration: configuration)
                    let targets = try StyleTargets.compute(
                        session: session, styles: styles, blendWeights: blendWeights, layers: settings.loss.styleLayers,
                        scratchLimit: settings.scratchLimit)
                    let objective = try StyleObjective(
                        session: session, targets: targets, content: content, settings: settings.loss,
                        scratchLimit: settings.scratchLimit)
                    let loop = try OptimizationLoop(
                        session: session, objective: objective, optimizer: settings.optimizerSettings, initial: content)
                    let run = try loop.run(iterations: iterations)
                    let result = try loop.result(run.stopReason)
                    return (
                        OptimizationLoop.medianIterationSeconds(run.elapsed, warmup: 2),
                        RGBImage(deprocessing: result.pixels, width: result.width, height: result.height),
                        session.peakAllocatedBytes, run.losses.last!.total
                    )
                }
                if baseline == nil { baseline = (seconds, image) }
                let metrics = try reference.scalars.scoped { try evaluator.evaluate(image) }
                let row = Row(
                    size: size, setting: setting.name, channels: weights.channels, secondsPerIteration: seconds,
                    timeRatio: seconds / baseline!.seconds,
                    gflopPerIteration: FLOPModel.perIteration(
                        height: content.height, width: content.width, settings: settings.loss, channels: weights.channels)
                        / 1e9,
                    peakDeviceBytes: peak, weightsBytes: weights.storedBytes,
                    deviceWeightsBytes: weights.layers.reduce(0) { $0 + 4 * ($1.indices.count + $1.bias.count) },
                    metrics: metrics, ssimToUncompressed: try SSIM.compute(library: reference.library, baseline!.image, image),
                    finalLoss: loss)
                rows.append(row)
                print(
                    String(
                        format: "%d² %@: %.3f s/iteration (%.2f×), SSIM to content %.4f, style similarity %.4f, loss by VGG19 %.4g",
                        size, setting.name, seconds, row.timeRatio, metrics.ssim, metrics.styleSimilarity, metrics.loss.total))
                if let imagesDirectory {
                    let name = setting.name.replacingOccurrences(of: " ", with: "-")
                    try ImageFile.writePNG(image, to: "\(imagesDirectory)/compression-\(size)-\(name).png")
                }
            }
        }
        return rows
    }

    /// Runs `body`: its session is released on return, before the next one is made.
    private func inScope<T>(_ body: () throws -> T) rethrows -> T { try body() }

    static func printTable(_ rows: [Row]) {
        let baseline = Dictionary(grouping: rows, by: \.size).compactMapValues { $0.first { $0.setting == "none" } }
        StyleEngine.printTable(
            header: [
                "size", "setting", "channels (conv1_1, 3_1, 5_1)", "GFLOP/it", "s/it", "× time", "peak MiB", "weights MB",
                "content loss", "style loss", "TV loss", "total loss", "× loss", "SSIM to content", "style similarity",
                "SSIM to uncompressed",
            ],
            rows: rows.map { row in
                let base = baseline[row.size]
                return [
                    "\(row.size)²", row.setting,
                    [0, 4, 12].filter { $0 < row.channels.count }.map { String(row.channels[$0]) }.joined(separator: ", "),
                    String(format: "%.1f", row.gflopPerIteration), String(format: "%.3f", row.secondsPerIteration),
                    String(format: "%.2f", row.timeRatio), String(format: "%.0f", Double(row.peakDeviceBytes) / 1048576),
                    String(format: "%.1f", Double(row.weightsBytes) / 1e6),
                    String(format: "%.4g", row.metrics.loss.content), String(format: "%.4g", row.metrics.loss.style),
                    String(format: "%.4g", row.metrics.loss.totalVariation), String(format: "%.4g", row.metrics.loss.total),
                    String(format: "%.2f", row.metrics.loss.total / (base?.metrics.loss.total ?? row.metrics.loss.total)),
                    String(format: "%.4f", row.metrics.ssim), String(format: "%.4f", row.metrics.styleSimilarity),
                    String(format: "%.4f", row.ssimToUncompressed),
                ]
            })
    }
}
