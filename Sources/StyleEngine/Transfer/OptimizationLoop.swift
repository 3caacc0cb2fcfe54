import CLRuntime
import Foundation

/// The optimization of one image at one size: an objective, an optimizer and the image on the
/// device, all set up once (every buffer allocated here), then iterations that read back only
/// scalars.
public final class OptimizationLoop {
    public let objective: any Objective
    let optimizer: DeviceOptimizer
    let scalars: DeviceScalars
    let queue: CommandQueue
    public let height: Int
    public let width: Int
    /// The image being optimized, [3×H×W] preprocessed.
    public let image: Buffer<Float>
    let gradient: Buffer<Float>
    /// The image before the last update: what a non-finite loss falls back to.
    public let lastGood: Buffer<Float>

    /// Per-layer timing of the objective's passes (nil: off).
    public var profile: LayerProfile? {
        get { objective.profile }
        set { objective.profile = newValue }
    }

    /// What one loop returns: iterations + 1 losses (0: the initial image), the seconds since
    /// the loop began at which each was known, and why it ended.
    public struct Outcome: Sendable {
        public let losses: [LossParts]
        public let elapsed: [Double]
        public let stopReason: StopReason
    }

    public init(session: EngineSession, objective: any Objective, optimizer settings: OptimizerSettings, initial: PreparedImage)
        throws
    {
        precondition(initial.height == objective.height && initial.width == objective.width)
        let gpu = session.computeDevice
        self.objective = objective
        scalars = session.scalars
        queue = gpu.queue
        (height, width) = (initial.height, initial.width)
        let count = initial.pixels.count
        image = try gpu.buffer(initial.pixels)
        gradient = try gpu.buffer(Float.self, count: count)
        lastGood = try gpu.buffer(Float.self, count: count)
        try lastGood.copy(from: image, queue: gpu.queue)
        optimizer = try settings.make(library: session.library, scalars: session.scalars, count: count)
        try gpu.finish()
    }

    /// Evaluates and updates `iterations` times, then evaluates the result once more.
    /// `progress(iteration, loss, elapsed)` follows each evaluation; `shouldStop` is polled
    /// before each update; `afterUpdate(n)` runs after the n-th update (intermediate saves).
    public func run(
        iterations: Int, progress: (Int, LossParts, Double) -> Void = { _, _, _ in }, shouldStop: () -> Bool = { false },
        afterUpdate: (Int) throws -> Void = { _ in }
    ) throws -> Outcome {
        let start = Date()
        var losses: [LossParts] = []
        var elapsed: [Double] = []
        for iteration in 0...iterations {
            try objective.evaluate(image: image, gradient: gradient)
            let updating = iteration < iterations
            if updating { try optimizer.prepare(gradient: gradient) }
            let values = try scalars.read()
            let loss = objective.lossParts(from: values)
            losses.append(loss)
            elapsed.append(Date().timeIntervalSince(start))
            progress(iteration, loss, elapsed.last!)
            if !loss.isFinite { return Outcome(losses: losses, elapsed: elapsed, stopReason: .nonFiniteLoss) }
            if !updating { break }
            if shouldStop() { return Outcome(losses: losses, elapsed: elapsed, stopReason: .interrupted) }
            try lastGood.copy(from: image, queue: queue)
            try optimizer.update(image: image, gradient: gradient, scalars: values)
            try profile?.mark("optimizer, loss scalars")
            try afterUpdate(iteration + 1)
        }
        return Outcome(losses: losses, elapsed: elapsed, stopReason: .completed)
    }

    /// The image after the loop: the last good one when the loss became non-finite.
    public func result(_ stopReason: StopReason) throws -> PreparedImage {
        let buffer = stopReason == .nonFiniteLoss ? lastGood : image
        return PreparedImage(pixels: try buffer.download(queue: queue), height: height, width: width)
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
