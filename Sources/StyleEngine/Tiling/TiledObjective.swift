import CLRuntime
import Foundation

/// The spec's objective over an image too large for one network pass, evaluated tile by tile
/// (`TileGrid`), on one device or spread over several, with the same numbers as over the whole
/// image.
///
/// Gram matrices and content terms are sums over positions, and each layer position belongs
/// to exactly one tile's core. Each evaluation therefore:
/// 1. runs every tile forward and adds its cores' share of each style layer's Gram;
/// 2. takes the style losses and ∂loss/∂Gram from the whole image's Grams;
/// 3. runs every tile forward (the last one is still in the pass) and backward, with loss
///    gradients at its core positions only (halo positions are another tile's), and adds the
///    region's image gradient into the whole gradient: with a halo at least the deepest
///    layer's receptive field (`ReceptiveField.exactHalo`), a core position's value and
///    gradient depend on its region alone, so the sum is the whole image's gradient;
/// 4. takes total variation over the whole image, seams included.
///
/// With several devices (`TileWorker`s) each takes a contiguous share of the tiles; between
/// the steps the image goes out to them, their Grams and gradients come back through the host,
/// and are added on the objective's device, where the optimizer runs.
public final class TiledObjective: Objective, @unchecked Sendable {
    public let settings: LossSettings
    public let grid: TileGrid
    public let targets: StyleTargets
    let library: KernelLibrary
    let scalars: DeviceScalars
    let slots: LossSlots
    /// The objective's own device first, then the others.
    let workers: [TileWorker]
    /// Another worker's Gram or gradient, uploaded to be added here.
    private let incoming: Buffer<Float>?
    /// The other workers' content sums of the last evaluation, per content layer.
    private var otherContentSums: [Float]

    public var height: Int { grid.height }
    public var width: Int { grid.width }
    public var profile: LayerProfile? {
        get { workers[0].tiles.pass.profile }
        set { workers[0].tiles.pass.profile = newValue }
    }
    /// Tiles each device evaluates.
    public var tilesPerDevice: [Int] { workers.map(\.assigned.count) }

    /// - Parameters:
    ///   - grid: the tiles of the output size, with a halo of at least the deepest layer's
    ///     `ReceptiveField.exactHalo` for exact results (less is allowed, to measure what it costs).
    ///   - content: the preprocessed content image [3×H×W] (host pixels), read during setup.
    ///   - helpers: sessions on other devices that take a share of the tiles.
    public init(
        library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network, targets: StyleTargets, grid: TileGrid,
        scratchLimit: Int, settings: LossSettings, content: [Float],
        helpers: [(library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network)] = []
    ) throws {
        precondition(targets.shape.layers == settings.styleLayers, "the style targets are for other layers")
        self.library = library
        self.scalars = scalars
        self.settings = settings
        self.targets = targets
        self.grid = grid
        slots = try LossSlots(settings: settings, scalars: scalars)
        let shares = Self.shares(grid: grid, count: helpers.count + 1)
        var workers = [
            try TileWorker(
                library: library, scalars: scalars, network: network, targets: targets, grid: grid, assigned: shares[0],
                slots: slots, ownImage: false, scratchLimit: scratchLimit, settings: settings,
                content: library.gpu.buffer(content))
        ]
        if !helpers.isEmpty {
            let hostTargets = try HostStyleTargets(targets, queue: library.queue)
            for (index, helper) in helpers.enumerated() {
                workers.append(
                    try TileWorker(
                        library: helper.library, scalars: helper.scalars, network: helper.network,
                        targets: hostTargets.upload(library: helper.library), grid: grid, assigned: shares[index + 1],
                        slots: nil, ownImage: true, scratchLimit: scratchLimit, settings: settings,
                        content: helper.library.gpu.buffer(content)))
            }
        }
        self.workers = workers
        let largestGram = settings.styleLayers.map { workers[0].grams[$0]!.count }.max() ?? 0
        incoming = helpers.isEmpty ? nil : try library.gpu.buffer(Float.self, count: max(largestGram, 3 * grid.height * grid.width))
        otherContentSums = Array(repeating: 0, count: settings.contentLayers.count)
    }

    /// The objective of `session`'s network for one content image, on `grid`, its tiles spread
    /// over `session` and `helpers` (sessions on other devices with the same network).
    public convenience init(
        session: EngineSession, targets: StyleTargets, content: PreparedImage, grid: TileGrid, settings: LossSettings,
        scratchLimit: Int, helpers: [EngineSession] = []
    ) throws {
        precondition(content.height == grid.height && content.width == grid.width, "the grid is for another size")
        try self.init(
            library: session.library, scalars: session.scalars, network: session.network, targets: targets,
            grid: grid, scratchLimit: scratchLimit, settings: settings, content: content.pixels,
            helpers: helpers.map { ($0.library, $0.scalars, $0.network) })
    }

    /// Contiguous runs of tile indices, one per worker, of about equal region area.
    static func shares(grid: TileGrid, count: Int) -> [[Int]] {
        let total = grid.tiles.map(\.region.area).reduce(0, +)
        var shares = Array(repeating: [Int](), count: count)
        var done = 0
        for (index, tile) in grid.tiles.enumerated() {
            // The worker whose equal part of the total this tile's middle falls in.
            let middle = Double(done) + Double(tile.region.area) / 2
            shares[min(count - 1, Int(middle * Double(count) / Double(total)))].append(index)
            done += tile.region.area
        }
        return shares
    }

    public func evaluate(image: Buffer<Float>, gradient: Buffer<Float>) throws {
        let others = workers.dropFirst()
        if !others.isEmpty {
            let pixels = try image.download(queue: library.queue)
            for worker in others { try worker.image!.upload(pixels, queue: worker.library.queue) }
        }
        let styleLayers = settings.styleLayers
        if !styleLayers.isEmpty {
            try eachWorker { worker in try worker.addGrams(image: worker.image ?? image) }
            for worker in others {
                for name in styleLayers { try add(worker.grams[name]!, from: worker, into: workers[0].grams[name]!) }
            }
            for (index, name) in styleLayers.enumerated() {
                try LossTerms.styleGram(
                    library: library, gram: workers[0].grams[name]!, target: targets.grams[name]!,
                    channels: workers[0].tiles.pass.activation(name).channels, weight: settings.styleWeight,
                    gradGram: workers[0].gradGrams[name]!, scalars: scalars, slot: slots.style(index))
            }
            for name in styleLayers where !others.isEmpty {
                let gradGram = try workers[0].gradGrams[name]!.download(queue: library.queue)
                for worker in others { try worker.gradGrams[name]!.upload(gradGram, queue: worker.library.queue) }
            }
        }
        try eachWorker { worker in
            try worker.addGradients(image: worker.image ?? image, gradient: worker.gradient ?? gradient)
        }
        otherContentSums = Array(repeating: 0, count: settings.contentLayers.count)
        for worker in others {
            try add(worker.gradient!, from: worker, into: gradient)
            let values = try worker.scalars.values.download(queue: worker.library.queue)
            for index in settings.contentLayers.indices { otherContentSums[index] += values[worker.slots.content(index)] }
        }
        try LossTerms.totalVariation(
            library: library, image: image, channels: 3, height: grid.height, width: grid.width,
            weight: settings.totalVariationWeight, gradient: gradient, scalars: scalars, slot: slots.totalVariation)
        try scalars.finish(slots.style(0), count: settings.styleLayers.count + 1)
    }

    /// Runs `body` for every worker: on this thread with one device; otherwise each on a thread
    /// of its own, which waits for its device to finish (CPU devices such as PoCL's `basic`
    /// compute in the thread that waits, so each device gets a core).
    private func eachWorker(_ body: @Sendable (TileWorker) throws -> Void) throws {
        if workers.count == 1 { return try body(workers[0]) }
        let failures = FirstError()
        DispatchQueue.concurrentPerform(iterations: workers.count) { index in
            do {
                try body(workers[index])
                try workers[index].library.queue.finish()
            } catch {
                failures.record(error)
            }
        }
        if let error = failures.error { throw error }
    }

    /// destination += another worker's `source`, through the host.
    private func add(_ source: Buffer<Float>, from worker: TileWorker, into destination: Buffer<Float>) throws {
        let values = try source.download(queue: worker.library.queue)
        try incoming!.upload(values, queue: library.queue)
        try library.kernel("elementwise", "axpy").enqueue(
            on: library.queue, global: [values.count], values.count, Float(1), incoming!, destination)
    }

    public func lossParts(from values: [Float]) -> LossParts {
        var values = values
        for index in settings.contentLayers.indices { values[slots.content(index)] += otherContentSums[index] }
        return slots.parts(
            from: values,
            contentCounts: settings.contentLayers.map {
                workers[0].tiles.pass.activation($0).channels * workers[0].tiles.imagePositions($0)
            },
            styleChannels: settings.styleLayers.map { workers[0].tiles.pass.activation($0).channels })
    }

    public func imageGrams() throws -> [String: [Float]] {
        try workers[0].grams.mapValues { try $0.download(queue: library.queue) }
    }
}

/// The first error of work run on several threads.
private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?

    func record(_ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if self.error == nil { self.error = error }
    }
}
