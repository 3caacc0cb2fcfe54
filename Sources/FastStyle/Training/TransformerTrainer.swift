import CLRuntime
import Foundation
import StyleEngine

/// Trains a transform network on the device: each step a batch of photo crops through the
/// network, each result through VGG19's loss (content against its photo, Gram style, TV, as in
/// the losses spec), the gradients back through the network to every weight, and one Adam
/// update. The host reads only the loss scalars inside the loop. Checkpoints every
/// `checkpointEvery` steps and at the end (the model file and a checkpoint that resumes
/// exactly); a stop request ends the run at a step boundary with both written.
public final class TransformerTrainer {
    public let settings: TrainerSettings
    public let session: EngineSession
    public let network: TransformerNetwork
    let photos: PhotoBatchSource
    /// One source per style image: a multi-style model's style n is trained on styles[n].
    let styles: [StyleSource]
    let vggWeightsHash: String
    /// The held-out photos at the training size, by path.
    let heldOut: [(path: String, image: RGBImage)]

    /// `session`: FP32, its network with every layer the loss needs. `styleImages` as read.
    public init(
        settings: TrainerSettings, session: EngineSession, styleImages: [RGBImage], vggWeightsHash: String,
        initialModel: TransformerModel?
    ) throws {
        precondition(session.precision == .fp32, "training runs in FP32")
        self.settings = settings
        self.session = session
        self.vggWeightsHash = vggWeightsHash
        photos = try PhotoBatchSource(
            directory: settings.imagesDirectory, side: settings.size, batchSize: settings.batchSize, seed: settings.seed,
            maxPixels: settings.maxImagePixels)
        precondition(settings.batchSize % styleImages.count == 0, "the batch is a multiple of the styles")
        styles = styleImages.map { StyleSource(images: [$0], layers: settings.loss.styleLayers) }
        heldOut = try settings.heldOutDirectory.map { directory in
            try PhotoBatchSource(directory: directory, side: settings.size, batchSize: 1, seed: 0).files.map {
                ($0, try ImageFile.read(path: $0, maxPixels: settings.maxImagePixels).resized(longestSide: settings.size))
            }
        } ?? []
        let weights =
            initialModel?.tensors.mapValues(\.values) ?? Self.initialWeights(seed: settings.seed, styles: styleImages.count)
        network = try TransformerNetwork(library: session.library, weights: weights, styles: styleImages.count)
        try network.parameters.makeGradients()
    }

    /// PyTorch's default initialization of `TransformerNet`, seeded: each conv's weights and
    /// bias uniform in ±1/√fan-in, every norm's γ 1 and β 0 (each style's row alike).
    public static func initialWeights(seed: UInt64, styles: Int = 1) -> [String: [Float]] {
        var random = SplitMix64(seed: seed ^ 0x5EED)
        var weights: [String: [Float]] = [:]
        let entries = TransformerNetwork.parameterEntries(styles: styles)
        let counts = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.count) })
        for (name, count) in entries {
            if name.hasSuffix(".conv2d.weight") || name.hasSuffix(".conv2d.bias") {
                let weight = name.replacingOccurrences(of: ".conv2d.bias", with: ".conv2d.weight")
                let bias = weight.replacingOccurrences(of: ".conv2d.weight", with: ".conv2d.bias")
                let bound = 1 / Float(Double(counts[weight]! / counts[bias]!).squareRoot())
                weights[name] = (0..<count).map { _ in random.symmetric() * bound }
            } else {
                weights[name] = [Float](repeating: name.hasSuffix(".weight") ? 1 : 0, count: count)
            }
        }
        return weights
    }

    /// Trains from `resume` (a checkpoint) or from the start, up to `settings.steps`.
    public func run(
        resume: Bool, progress: (TrainingProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false },
        log: (String) -> Void = { _ in }
    ) throws -> TrainingReport {
        let begin = Date()
        let library = session.library
        let (side, count) = (settings.size, settings.batchSize)
        let plane = side * side
        var report = TrainingReport(device: session.info.name, settings: settings)
        let adam = try DeviceAdam(library: library, count: network.parameters.count, learningRate: settings.learningRate)
        var step = 0
        if resume {
            let checkpoint = try TrainingCheckpoint.read(path: settings.checkpointPath)
            if checkpoint.settings.identity != settings.identity {
                throw TrainingError.checkpointMismatch(
                    path: settings.checkpointPath, reason: Self.difference(checkpoint.settings, settings))
            }
            for (name, values) in checkpoint.tensors { try network.parameters.slice(name).upload(values, queue: library.queue) }
            try adam.restore(first: checkpoint.adamFirst, second: checkpoint.adamSecond, step: checkpoint.adamStep)
            step = checkpoint.step
            log("resuming at step \(step) of \(settings.steps) from \(settings.checkpointPath)")
        }
        report.startStep = step
        let styleSide = settings.styleSize ?? side
        // Each image's loss is averaged over the batch: its weights divided by the batch size.
        var loss = settings.loss
        loss.contentWeight /= Float(count)
        loss.styleWeight /= Float(count)
        loss.totalVariationWeight /= Float(count)
        let styleCount = styles.count
        let targets = try styles.map { try $0.targets(session: session, side: styleSide, scratchLimit: 1 << 24) }
        // One style: the whole batch in one pass. Several: passes of one image per style
        // (image n in style n), their gradients added before the one update.
        let passImages = styleCount == 1 ? count : styleCount
        let input = try library.gpu.buffer(Float.self, count: passImages * 3 * plane)
        let contents = try library.gpu.buffer(Float.self, count: count * 3 * plane)
        let output = try library.gpu.buffer(Float.self, count: passImages * 3 * plane)
        let gradOutput = try library.gpu.buffer(Float.self, count: passImages * 3 * plane)
        let vggImage = try library.gpu.buffer(Float.self, count: 3 * plane)
        let vggContent = try library.gpu.buffer(Float.self, count: 3 * plane)
        let vggGradient = try library.gpu.buffer(Float.self, count: 3 * plane)
        try session.scalars.scoped {
            let objectives = try targets.map {
                try StyleObjective(
                    library: library, scalars: session.scalars, network: session.network, targets: $0, height: side,
                    width: side, settings: loss, content: vggContent)
            }
            let started = Date()
            var stepsThisRun = 0
            while step < settings.steps {
                if stepsThisRun > 0 && shouldStop() {
                    report.interrupted = true
                    break
                }
                let batch = try photos.batch(step: step)
                try contents.upload(batch.vgg, queue: library.queue)
                try network.parameters.zeroGradients()
                var parts = LossParts(content: 0, style: 0, totalVariation: 0)
                for first in stride(from: 0, to: count, by: passImages) {
                    try input.upload(
                        Array(batch.rgb[(first * 3 * plane)..<((first + passImages) * 3 * plane)]), queue: library.queue)
                    try network.forward(
                        image: input, images: passImages, height: side, width: side, output: output, training: true,
                        eachImageItsStyle: styleCount > 1)
                    for image in 0..<passImages {
                        let objective = objectives[styleCount == 1 ? 0 : image]
                        try vggContent.copy(
                            from: contents, sourceOffset: (first + image) * 3 * plane, count: 3 * plane, queue: library.queue)
                        try objective.setContent(vggContent)
                        try VGGInputBridge.forward(
                            library: library, rgb: output, index: image, height: side, width: side, vgg: vggImage)
                        try objective.evaluate(image: vggImage, gradient: vggGradient)
                        try VGGInputBridge.backward(
                            library: library, gradVGG: vggGradient, index: image, height: side, width: side,
                            gradRGB: gradOutput)
                        let imageParts = objective.lossParts(from: try session.scalars.read())
                        parts.content += imageParts.content
                        parts.style += imageParts.style
                        parts.totalVariation += imageParts.totalVariation
                    }
                    try network.backward(gradOutput: gradOutput)
                }
                if !parts.isFinite { throw TrainingError.nonFiniteLoss(step: step) }
                try adam.update(image: network.parameters.values, gradient: network.parameters.gradients!, scalars: [])
                step += 1
                stepsThisRun += 1
                let elapsed = Date().timeIntervalSince(started)
                report.steps.append(
                    .init(
                        step: step, loss: parts.total, content: parts.content, style: parts.style,
                        totalVariation: parts.totalVariation, elapsedSeconds: elapsed))
                progress(
                    TrainingProgress(step: step, steps: settings.steps, loss: parts, elapsed: elapsed, stepsThisRun: stepsThisRun))
                if step % max(1, settings.checkpointEvery) == 0 && step < settings.steps {
                    try checkpoint(step: step, adam: adam)
                }
                if !heldOut.isEmpty && step % max(1, settings.evaluateEvery) == 0 && step < settings.steps {
                    report.evaluations.append(try evaluate(step: step, targets: targets, log: log))
                }
            }
            report.secondsPerStep = stepsThisRun > 0 ? Date().timeIntervalSince(started) / Double(stepsThisRun) : 0
        }
        try checkpoint(step: step, adam: adam)
        if !heldOut.isEmpty && report.evaluations.last?.step != step {
            report.evaluations.append(try evaluate(step: step, targets: targets, log: log))
        }
        report.totalSeconds = Date().timeIntervalSince(begin)
        report.peakDeviceBytes = session.peakAllocatedBytes
        return report
    }

    /// The held-out photos through the network as it is now, each measured against itself
    /// and the style as stylize's results are (`QualityEvaluator`).
    func evaluate(step: Int, targets: [StyleTargets], log: (String) -> Void) throws -> TrainingReport.Evaluation {
        let applier = StyleApplier(network: network)
        var photos: [TrainingReport.Evaluation.Photo] = []
        for (style, styleTargets) in targets.enumerated() {
            for photo in heldOut {
                let result = try applier.apply(photo.image, style: .style(style))
                let metrics = try session.scalars.scoped {
                    try QualityEvaluator(
                        session: session, targets: styleTargets, content: photo.image, settings: settings.loss,
                        scratchLimit: 1 << 24
                    ).evaluate(result)
                }
                photos.append(TrainingReport.Evaluation.Photo(path: photo.path, style: style, metrics: metrics))
            }
        }
        let count = Double(photos.count)
        let evaluation = TrainingReport.Evaluation(
            step: step, ssim: photos.map(\.metrics.ssim).reduce(0, +) / count,
            styleSimilarity: photos.map(\.metrics.styleSimilarity).reduce(0, +) / count,
            loss: photos.map(\.metrics.loss.total).reduce(0, +) / count, photos: photos)
        log(
            String(
                format: "held-out at step %d: SSIM to the photos %.4f, style similarity %.4f, loss %.4g (%d photos × %d styles)",
                step, evaluation.ssim, evaluation.styleSimilarity, evaluation.loss, heldOut.count, targets.count))
        return evaluation
    }

    /// The model as it is now, with how it was trained in its metadata.
    public func model() throws -> TransformerModel {
        let values = try network.parameters.download()
        let shapes = shapes()
        var training = TrainingSettings(trainer: "stylize-gpu", lossNetwork: "VGG19")
        training.styleImages = settings.stylePaths.map { URL(fileURLWithPath: $0).lastPathComponent }
        training.styleSize = settings.styleSize ?? settings.size
        training.imageSize = settings.size
        training.batchSize = settings.batchSize
        training.iterations = settings.steps
        training.learningRate = Double(settings.learningRate)
        training.contentWeight = Double(settings.loss.contentWeight)
        training.styleWeight = Double(settings.loss.styleWeight)
        training.tvWeight = Double(settings.loss.totalVariationWeight)
        training.contentLayers = settings.loss.contentLayers
        training.styleLayers = settings.loss.styleLayers
        training.dataset = settings.imagesDirectory
        training.seed = settings.seed
        return try TransformerModel(
            tensors: values.mapValues { ModelTensor(shape: [$0.count], values: $0) }.reshaped(shapes),
            styleNames: training.styleImages, training: training, vggWeightsHash: vggWeightsHash)
    }

    /// Writes the model, then the checkpoint, each atomically.
    private func checkpoint(step: Int, adam: DeviceAdam) throws {
        try model().write(to: settings.outputPath)
        let state = try adam.state()
        try TrainingCheckpoint(
            step: step, settings: settings, tensors: try network.parameters.download(), adamFirst: state.first,
            adamSecond: state.second, adamStep: state.step
        ).write(to: settings.checkpointPath, shapes: shapes())
    }

    /// Every tensor's PyTorch shape, by name (a multi-style model's norms [styles, C]).
    func shapes() -> [String: [Int]] {
        Dictionary(
            uniqueKeysWithValues: TransformerNetLayout.tensorShapes(conditionalStyles: styles.count > 1 ? styles.count : nil)
                .map { ($0.name, $0.shape) })
    }

    /// The first setting that differs, for the refusal.
    static func difference(_ a: TrainerSettings, _ b: TrainerSettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let left = try? JSONSerialization.jsonObject(with: encoder.encode(a.identity)) as? [String: Any],
            let right = try? JSONSerialization.jsonObject(with: encoder.encode(b.identity)) as? [String: Any]
        else { return "settings differ" }
        for key in left.keys.sorted() where "\(left[key] ?? "")" != "\(right[key] ?? "")" {
            return "\(key) was \(left[key] ?? "none"), now \(right[key] ?? "none")"
        }
        return "settings differ"
    }
}

extension Dictionary where Key == String, Value == ModelTensor {
    /// Each tensor given its shape from `shapes` (flat where none is known).
    func reshaped(_ shapes: [String: [Int]]) -> [String: ModelTensor] {
        Dictionary(uniqueKeysWithValues: map { name, tensor in
            (name, ModelTensor(shape: shapes[name] ?? tensor.shape, values: tensor.values))
        })
    }
}
