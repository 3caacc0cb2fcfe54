import CLRuntime
import Foundation

/// Preprocessed tensors [3×H×W] (BGR minus the mean, spec § Pixels) that a loop starts from.
public struct PreparedImages: Sendable {
    public struct Image: Sendable {
        public let pixels: [Float]
        public let height: Int
        public let width: Int
        public init(pixels: [Float], height: Int, width: Int) {
            precondition(pixels.count == 3 * height * width)
            self.pixels = pixels
            self.height = height
            self.width = width
        }
    }

    public let content: Image
    public let styles: [Image]
    /// Same size as the content.
    public let initial: [Float]

    public init(content: Image, styles: [Image], initial: [Float]) {
        precondition(initial.count == content.pixels.count)
        self.content = content
        self.styles = styles
        self.initial = initial
    }
}

/// The optimization loop on one device: network, targets, objective and optimizer, all set up
/// once (every buffer allocated here), then iterations that read back only scalars.
public final class OptimizationLoop {
    /// What a progress display needs after each evaluated iteration.
    public struct Progress: Sendable {
        public let iteration: Int
        public let iterations: Int
        public let loss: LossParts
        /// Seconds since the loop began.
        public let elapsed: Double
    }

    public enum StopReason: String, Sendable, Codable {
        case completed, interrupted
        case nonFiniteLoss = "non-finite loss"
    }

    public let settings: StylizeSettings
    public let gpu: ComputeDevice
    public let library: KernelLibrary
    public let height: Int
    public let width: Int
    let objective: StyleObjective
    /// Per-layer timing of the objective's passes (nil: off).
    public var profile: LayerProfile? {
        get { objective.pass.profile }
        set { objective.pass.profile = newValue }
    }
    let optimizer: DeviceOptimizer
    let scalars: DeviceScalars
    /// The image being optimized, [3×H×W] preprocessed.
    public let image: Buffer<Float>
    let gradient: Buffer<Float>
    /// The image before the last update: what a non-finite loss falls back to.
    public let lastGood: Buffer<Float>

    public init(gpu: ComputeDevice, weightsURL: URL, settings: StylizeSettings, images: PreparedImages) throws {
        self.settings = settings
        self.gpu = gpu
        library = KernelLibrary(gpu: gpu, precision: settings.precision)
        let layers = settings.loss.layers
        let network = try VGG19Loader.network(
            library: library, weightsURL: weightsURL,
            convolutionCount: try VGG19Network.convolutionsNeeded(for: layers), pooling: settings.pooling)
        (height, width) = (images.content.height, images.content.width)
        let count = 3 * height * width
        scalars = try DeviceScalars(library: library)
        let blend = settings.normalizedBlendWeights
        objective = try StyleObjective(
            library: library, scalars: scalars, network: network, height: height, width: width,
            scratchLimit: settings.scratchLimit, settings: settings.loss, content: gpu.buffer(images.content.pixels),
            styles: images.styles.enumerated().map { index, style in
                (try gpu.buffer(style.pixels), style.height, style.width, blend[index])
            })
        image = try gpu.buffer(images.initial)
        gradient = try gpu.buffer(Float.self, count: count)
        lastGood = try gpu.buffer(Float.self, count: count)
        try lastGood.copy(from: image, queue: gpu.queue)
        switch settings.optimizer {
        case .lbfgs:
            optimizer = try DeviceLBFGS(
                library: library, scalars: scalars, count: count, historySize: settings.historySize,
                learningRate: settings.effectiveLearningRate)
        case .adam:
            optimizer = try DeviceAdam(library: library, count: count, learningRate: settings.effectiveLearningRate)
        }
        try gpu.finish()
    }

    /// Evaluates and updates `settings.iterations` times, then evaluates the result once more,
    /// so `losses` has iterations + 1 entries (0: the initial image). `afterUpdate(n)` runs
    /// after the n-th update (intermediate saves).
    public func run(
        progress: (Progress) -> Void = { _ in }, shouldStop: () -> Bool = { false },
        afterUpdate: (Int) throws -> Void = { _ in }
    ) throws -> (losses: [LossParts], elapsed: [Double], stopReason: StopReason) {
        let start = Date()
        var losses: [LossParts] = []
        var elapsed: [Double] = []
        for iteration in 0...settings.iterations {
            try objective.evaluate(image: image, gradient: gradient)
            let updating = iteration < settings.iterations
            if updating { try optimizer.prepare(gradient: gradient) }
            let values = try scalars.read()
            let loss = objective.lossParts(from: values)
            losses.append(loss)
            elapsed.append(Date().timeIntervalSince(start))
            progress(Progress(iteration: iteration, iterations: settings.iterations, loss: loss, elapsed: elapsed.last!))
            if !loss.isFinite { return (losses, elapsed, .nonFiniteLoss) }
            if !updating { break }
            if shouldStop() { return (losses, elapsed, .interrupted) }
            try lastGood.copy(from: image, queue: gpu.queue)
            try optimizer.update(image: image, gradient: gradient, scalars: values)
            try profile?.mark("optimizer, loss scalars")
            try afterUpdate(iteration + 1)
        }
        return (losses, elapsed, .completed)
    }

    /// The median duration of the iterations that updated the image (the last evaluation
    /// has no update), leaving out the first `warmup` (kernel builds, caches) when others remain.
    public static func medianIterationSeconds(_ ends: [Double], warmup: Int = 1) -> Double {
        var durations = zip(ends, [0] + ends).map { $0 - $1 }
        if durations.count > 1 { durations.removeLast() }
        if durations.count > warmup { durations.removeFirst(warmup) }
        durations.sort()
        return durations.isEmpty ? 0 : durations[durations.count / 2]
    }
}
