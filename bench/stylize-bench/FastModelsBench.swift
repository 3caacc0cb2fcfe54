import CLRuntime
import FastStyle
import Foundation
import StyleEngine

/// `stylize-bench --fast-models DIR` (run by bench/fast-models): a model's TransformerNet on
/// the device against the references bench/fast_models.py left in DIR. First every
/// `torch-S-B.f32` reference is compared with our output for the same `input-S-B.f32` in each
/// precision, and the bench stops if one disagrees; then apply is timed at each size and
/// batch, and (with DIR/photos and DIR/style.png) `TransformerTrainer` runs a few steps whose
/// batches it writes to DIR so that the PyTorch peer can replay the very same steps.
struct FastModelsBench {
    let device: Device
    let configuration: EngineConfiguration
    let modelPath: String
    let data: URL
    let repeats: Int

    /// An 8-bit level after clamping and rounding: what a saved picture would show.
    struct Agreement: Codable {
        let size: Int
        let batch: Int
        let precision: String
        let maxAbsDifference: Double
        let withinOneLevel: Double
        let equalLevels: Double
    }

    struct ApplyRow: Codable {
        let size: Int
        let batch: Int
        let precision: String
        /// Median of `repeats` forwards on a device-resident batch, divided by the batch.
        let secondsPerImage: Double
        let peakDeviceBytes: Int
    }

    struct TrainRow: Codable {
        let size: Int
        let batch: Int
        /// Median of the steps after the first (which builds kernels).
        let secondsPerStep: Double
        let stepSeconds: [Double]
        let losses: [Double]
        let peakDeviceBytes: Int
        /// The loss weights the steps ran with (the peer replays them).
        let contentWeight: Float
        let styleWeight: Float
        let totalVariationWeight: Float
    }

    struct Result: Codable {
        let device: String
        let model: String
        let repeats: Int
        var agreements: [Agreement] = []
        var apply: [ApplyRow] = []
        var train: TrainRow?
    }

    /// Below these a precision is refused: FP32 should round to the same picture; FP16 stores
    /// activations as half, so a few values land one level off and rarely more.
    static let minimumWithinOneLevel: [String: Double] = ["fp32": 0.999, "fp16": 0.99]

    /// A line, flushed: bench/fast-models may log to a file, where stdout is fully buffered.
    func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    func file(_ name: String) -> URL { data.appending(path: name) }

    func readFloats(_ url: URL) throws -> [Float] {
        let bytes = try Data(contentsOf: url)
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func run(sizes: [Int], batches: [Int], precisions: [Precision], train: Bool) throws -> Result {
        let model = try TransformerModel.load(path: modelPath)
        let weights = model.tensors.mapValues(\.values)
        var result = Result(device: device.info.name, model: modelPath, repeats: repeats)
        let sessions = try precisions.map { try TransformerSession(device: device, precision: $0) }
        let configs = sizes.flatMap { size in batches.map { (size, $0) } }

        // Correctness first: no timing unless every reference agrees.
        var checked = 0
        for (size, batch) in configs {
            let reference = file("torch-\(size)-\(batch).f32")
            guard FileManager.default.fileExists(atPath: reference.path) else { continue }
            let expected = try readFloats(reference)
            let input = try readFloats(file("input-\(size)-\(batch).f32"))
            for session in sessions {
                let network = try TransformerNetwork(library: session.library, weights: weights, styles: model.styleCount)
                let gpu = session.computeDevice
                let output = try gpu.buffer(Float.self, count: network.outputShape(images: batch, height: size, width: size).count)
                try network.forward(image: try gpu.buffer(input), images: batch, height: size, width: size, output: output)
                let ours = try output.download(queue: session.library.queue)
                let agreement = Self.compare(ours, expected, size: size, batch: batch, precision: session.precision.rawValue)
                say(String(
                    format: "check %4d² ×%d %@ vs PyTorch: max |Δ| %.3g, within one 8-bit level %.4f%%, equal %.4f%%",
                    size, batch, session.precision.rawValue, agreement.maxAbsDifference, 100 * agreement.withinOneLevel,
                    100 * agreement.equalLevels))
                result.agreements.append(agreement)
                if agreement.withinOneLevel < Self.minimumWithinOneLevel[session.precision.rawValue, default: 0.99] {
                    throw BenchFailure(
                        "\(size)² ×\(batch) \(session.precision.rawValue) disagrees with PyTorch; not timing anything")
                }
                checked += 1
            }
        }
        if checked == 0 { say("no PyTorch references in \(data.path): our outputs are NOT checked") }

        for session in sessions {
            for (size, batch) in configs {
                // A fresh network per shape, so the peak is this shape's alone (weights included).
                let gpu = session.computeDevice
                try gpu.finish()
                gpu.context.resetPeak()
                let seconds = try timeApply(session: session, weights: weights, styles: model.styleCount, size: size, batch: batch)
                let row = ApplyRow(
                    size: size, batch: batch, precision: session.precision.rawValue, secondsPerImage: seconds / Double(batch),
                    peakDeviceBytes: session.peakAllocatedBytes)
                say(String(
                    format: "ours %4d² ×%d %@: %.1f ms/image, peak %d MiB", size, batch, row.precision,
                    1000 * row.secondsPerImage, row.peakDeviceBytes >> 20))
                result.apply.append(row)
            }
        }

        if train { result.train = try trainSteps(model: model) }
        return result
    }

    /// Median seconds of one forward of `batch` images; the network and buffers are freed on return.
    func timeApply(session: TransformerSession, weights: [String: [Float]], styles: Int, size: Int, batch: Int) throws -> Double {
        let gpu = session.computeDevice
        let network = try TransformerNetwork(library: session.library, weights: weights, styles: styles)
        let input = try gpu.buffer(try readFloats(file("input-\(size)-\(batch).f32")))
        let output = try gpu.buffer(Float.self, count: network.outputShape(images: batch, height: size, width: size).count)
        return try medianSeconds(gpu: gpu, repeats: repeats) {
            try network.forward(image: input, images: batch, height: size, width: size, output: output)
        }
    }

    static func compare(_ ours: [Float], _ theirs: [Float], size: Int, batch: Int, precision: String) -> Agreement {
        precondition(ours.count >= theirs.count, "our output is smaller than PyTorch's")
        var maxDifference: Float = 0
        var within = 0
        var equal = 0
        for index in theirs.indices {
            maxDifference = max(maxDifference, abs(ours[index] - theirs[index]))
            let a = min(255, max(0, ours[index])).rounded()
            let b = min(255, max(0, theirs[index])).rounded()
            if abs(a - b) <= 1 { within += 1 }
            if a == b { equal += 1 }
        }
        let count = Double(max(theirs.count, 1))
        return Agreement(
            size: size, batch: batch, precision: precision, maxAbsDifference: Double(maxDifference),
            withinOneLevel: Double(within) / count, equalLevels: Double(equal) / count)
    }

    /// `TransformerTrainer` for 1 + repeats steps at 256² × 4 from the model's weights, the
    /// batches of each step written as `train-batch-N.f32` (N×3×H×W RGB 0–255).
    func trainSteps(model: TransformerModel) throws -> TrainRow? {
        let photos = file("photos").path
        let style = file("style.png").path
        guard FileManager.default.fileExists(atPath: photos), FileManager.default.fileExists(atPath: style) else {
            say("training step skipped: \(data.path) has no photos/ and style.png")
            return nil
        }
        var settings = TrainerSettings(stylePaths: [style], imagesDirectory: photos, outputPath: file("trained.safetensors").path)
        settings.size = 256
        settings.batchSize = 4
        settings.steps = 1 + repeats
        settings.checkpointEvery = Int.max
        // Sources with the trainer's seed make the trainer's batches, for the peer. A fresh one per
        // step: asking one source for step after step at once can read its prefetch before that
        // is stored (PhotoBatchSource.batch copies `pending` before waiting), which the trainer
        // never does (a device step lies between).
        for step in 0..<settings.steps {
            let batch = try PhotoBatchSource(
                directory: photos, side: settings.size, batchSize: settings.batchSize, seed: settings.seed
            ).batch(step: step)
            try batch.rgb.withUnsafeBytes { Data($0) }.write(to: file("train-batch-\(step).f32"))
        }
        let weightsURL = try VGG19Weights.locate(explicitPath: nil)
        // The VGG loss's convolutions as `stylize-gpu train` picks them.
        var trainingConfiguration = configuration
        trainingConfiguration.convolution = configuration.trainingConvolution(for: device.info)
        let session = try EngineSession(
            device: device,
            weights: VGG19Weights.load(
                from: weightsURL, convolutionCount: try VGG19Network.convolutionsNeeded(for: settings.loss.layers)),
            configuration: trainingConfiguration)
        let trainer = try TransformerTrainer(
            settings: settings, session: session, styleImages: [try ImageFile.read(path: style)], vggWeightsHash: "bench",
            initialModel: model)
        let report = try trainer.run(resume: false)
        let ends = report.steps.map(\.elapsedSeconds)
        let durations = zip(ends, [0] + ends).map { $0 - $1 }
        let timed = Array(durations.dropFirst()).sorted()
        let row = TrainRow(
            size: settings.size, batch: settings.batchSize, secondsPerStep: timed.isEmpty ? durations[0] : timed[timed.count / 2],
            stepSeconds: durations, losses: report.steps.map(\.loss), peakDeviceBytes: report.peakDeviceBytes,
            contentWeight: settings.loss.contentWeight, styleWeight: settings.loss.styleWeight,
            totalVariationWeight: settings.loss.totalVariationWeight)
        say(String(
            format: "ours training step %d² ×%d: %.3f s/step (steps %@), losses %@, peak %d MiB", row.size, row.batch,
            row.secondsPerStep, durations.map { String(format: "%.2f", $0) }.joined(separator: " "),
            row.losses.map { String(format: "%.6g", $0) }.joined(separator: " "), row.peakDeviceBytes >> 20))
        return row
    }
}
