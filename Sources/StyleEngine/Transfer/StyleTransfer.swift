import Foundation

/// One content image through every scale of a run, on a session: pixels in, pixels out.
///
/// Each scale resizes the content (from the image as given) and takes the style targets for
/// its style size from the `StyleSource` (computed once per size), builds an objective and a
/// fresh optimizer, starts from the previous scale's result upsampled (the first from the
/// initialization) and runs its share of the iterations.
public struct StyleTransfer {
    public let session: EngineSession
    public let settings: TransferSettings
    public let styles: StyleSource
    /// Sessions on other devices that take a share of the tiles of tiled scales.
    public let helpers: [EngineSession]

    public init(session: EngineSession, settings: TransferSettings, styles: StyleSource, helpers: [EngineSession] = []) {
        precondition(styles.layers == settings.loss.styleLayers, "the style source is for other layers")
        self.session = session
        self.helpers = helpers
        self.settings = settings
        self.styles = styles
    }

    /// Hooks a runner gives: progress after each evaluation, a stop request polled before each
    /// update, and `afterUpdate(scale, iteration, image)` after each update, where `image()`
    /// reads the current image back (for numbered saves).
    public struct Hooks {
        public var progress: (TransferProgress) -> Void = { _ in }
        public var shouldStop: () -> Bool = { false }
        public var afterUpdate: (_ scale: Int, _ iteration: Int, _ image: () throws -> RGBImage) throws -> Void = { _, _, _ in }
        public init() {}
    }

    public func run(content original: RGBImage, initialization: Initialization = .content, hooks: Hooks = Hooks()) throws
        -> TransferResult
    {
        let begin = Date()
        let sizes = settings.scaleSizes
        let iterations = ScaleSchedule.iterations(total: settings.iterations, sizes: sizes)
        let planner = settings.planner(session: session, helpers: helpers)
        var current: PreparedImage?
        var carried: CarriedOptimizerState?
        var scales: [TransferResult.Scale] = []
        var stopReason = StopReason.completed
        for (index, side) in sizes.enumerated() {
            let setupStart = Date()
            let content = original.resized(longestSide: side)
            let initial =
                current?.resizedBicubic(width: content.width, height: content.height)
                ?? initialization.prepared(content: content)
            guard let plan = planner.plan(height: content.height, width: content.width) else {
                throw TransferError.doesNotFit(width: content.width, height: content.height, availableBytes: planner.availableBytes)
            }
            let targets = try styles.targets(
                session: session, side: settings.styleSide(forSize: side), scratchLimit: settings.scratchLimit,
                planner: planner)
            let (outcome, result, setupSeconds) = try session.scalars.scoped {
            let objective = try makeObjective(plan: plan, targets: targets, content: PreparedImage(content))
            var optimizer = settings.optimizer
            optimizer.historySize = plan.historySize ?? optimizer.historySize
            let loop = try OptimizationLoop(
                session: session, objective: objective, optimizer: optimizer, initial: initial)
            if let carried {
                try loop.optimizer.adopt(carried.resampled(width: content.width, height: content.height))
            }
            let setupSeconds = Date().timeIntervalSince(setupStart)
            let outcome = try loop.run(
                iterations: iterations[index],
                progress: { iteration, loss, elapsed in
                    hooks.progress(
                        TransferProgress(
                            scale: index, scaleCount: sizes.count, width: content.width, height: content.height,
                            iteration: iteration, iterations: iterations[index], loss: loss, elapsed: elapsed))
                },
                shouldStop: hooks.shouldStop,
                afterUpdate: { iteration in
                    try hooks.afterUpdate(index, iteration) {
                        finish(PreparedImage(pixels: try loop.image.download(queue: loop.queue), height: loop.height, width: loop.width), content: content)
                    }
                })
                if settings.optimizerAcrossScales == .resample {
                    carried = try loop.optimizer.carriedState(height: loop.height, width: loop.width)
                }
                return (outcome, try loop.result(outcome.stopReason), setupSeconds)
            }
            scales.append(
                .init(
                    width: content.width, height: content.height, losses: outcome.losses, elapsed: outcome.elapsed,
                    setupSeconds: setupSeconds, plan: plan))
            current = result
            stopReason = outcome.stopReason
            if stopReason != .completed { break }
        }
        // A run stopped at a smaller scale still gives an image of the requested size.
        let content = original.resized(longestSide: settings.size)
        let result = current!.resizedBicubic(width: content.width, height: content.height)
        return TransferResult(
            image: finish(result, content: content), scales: scales, stopReason: stopReason,
            seconds: Date().timeIntervalSince(begin))
    }

    /// The objective `plan` says: over the whole image, or in its tiles.
    public func makeObjective(plan: ScalePlan, targets: StyleTargets, content: PreparedImage) throws -> any Objective {
        if let grid = plan.grid {
            return try TiledObjective(
                session: session, targets: targets, content: content, grid: grid, settings: settings.loss,
                scratchLimit: settings.scratchLimit, helpers: helpers)
        }
        return try StyleObjective(
            session: session, targets: targets, content: content, settings: settings.loss,
            scratchLimit: settings.scratchLimit)
    }

    /// The tensor as 8-bit pixels, with the content's colours put back when asked.
    func finish(_ image: PreparedImage, content: RGBImage) -> RGBImage {
        let pixels = RGBImage(deprocessing: image.pixels, width: image.width, height: image.height)
        return settings.originalColors ? content.withLuminance(of: pixels) : pixels
    }
}
