import CLRuntime

/// One device's share of a `TiledObjective`: some of the grid's tiles, a pass for them, and
/// what it adds up over them (Gram matrices, the image gradient, content sums).
///
/// The first worker runs on the objective's own device and works on its image and gradient;
/// every other worker (another device) keeps a copy of the image and a gradient of its own,
/// which the objective moves through the host each evaluation.
final class TileWorker: @unchecked Sendable {
    let library: KernelLibrary
    let scalars: DeviceScalars
    let settings: LossSettings
    let tiles: TilePass
    /// Indices into the grid's tiles this worker evaluates.
    let assigned: [Int]
    var grid: TileGrid { tiles.grid }
    /// Content slots in this device's scalars (the objective's own slots on the first worker).
    let slots: LossSlots
    let targets: StyleTargets
    /// Per content layer, the content image's features over the whole image [C × H_l × W_l]
    /// (filled at this worker's cores).
    private var contentTargets: [String: Buffer<Float>] = [:]
    /// Per style layer, the Gram of the whole image (this worker's share until combined) and
    /// ∂loss/∂Gram.
    var grams: [String: Buffer<Float>] = [:]
    var gradGrams: [String: Buffer<Float>] = [:]
    private let contentWindow: Buffer<Float>?
    private let regionGradient: Buffer<Float>
    /// Another device's copy of the image and its gradient share (nil on the first worker).
    let image: Buffer<Float>?
    let gradient: Buffer<Float>?

    init(
        library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network, targets: StyleTargets, grid: TileGrid,
        assigned: [Int], slots: LossSlots?, ownImage: Bool, scratchLimit: Int, settings: LossSettings,
        content: Buffer<Float>
    ) throws {
        self.library = library
        self.scalars = scalars
        self.settings = settings
        self.targets = targets
        self.assigned = assigned
        let gpu = library.gpu
        let tiles = try TilePass(
            library: library, network: network, grid: grid, layers: settings.layers, coreLayers: settings.styleLayers,
            scratchLimit: scratchLimit, backward: true)
        self.tiles = tiles
        let capacity = grid.regionCapacity
        regionGradient = try gpu.buffer(Float.self, count: 3 * capacity.height * capacity.width)
        let largestContent = settings.contentLayers.map { tiles.pass.activation($0).count }.max() ?? 0
        contentWindow = largestContent > 0 ? try gpu.buffer(Float.self, count: largestContent) : nil
        for name in settings.styleLayers where grams[name] == nil {
            let channels = tiles.pass.activation(name).channels
            grams[name] = try gpu.buffer(Float.self, count: channels * channels)
            gradGrams[name] = try gpu.buffer(Float.self, count: channels * channels)
        }
        self.slots = try slots ?? LossSlots(settings: settings, scalars: scalars)
        image = ownImage ? try gpu.buffer(Float.self, count: 3 * grid.height * grid.width) : nil
        gradient = ownImage ? try gpu.buffer(Float.self, count: 3 * grid.height * grid.width) : nil

        for name in settings.contentLayers where contentTargets[name] == nil {
            let shift = VGG19Layers.outputShift(of: name)
            let channels = tiles.pass.activation(name).channels
            contentTargets[name] = try gpu.buffer(
                Float.self, count: channels * (grid.height >> shift) * (grid.width >> shift))
        }
        guard !settings.contentLayers.isEmpty else { return }
        for index in assigned {
            try tiles.forward(tile: index, image: content)
            for (name, target) in contentTargets {
                let activation = tiles.pass.activation(name)
                let window = tiles.coreWindow(name)
                let shift = VGG19Layers.outputShift(of: name)
                try TileWindows.copy(
                    library: library, channels: activation.channels, rows: window.region.height,
                    cols: window.region.width, src: activation.buffer, srcSize: (activation.height, activation.width),
                    srcOrigin: (window.region.y0, window.region.x0), dst: target,
                    dstSize: (grid.height >> shift, grid.width >> shift), dstOrigin: (window.image.y0, window.image.x0),
                    add: false)
            }
        }
        tiles.invalidate()
        try gpu.finish()
    }

    /// Enqueues this worker's share of every style layer's Gram of `image` into `grams`
    /// (overwritten: zero when it has no tiles).
    func addGrams(image: Buffer<Float>) throws {
        tiles.invalidate()
        let layers = Array(grams.keys)
        if assigned.isEmpty {
            for gram in grams.values { try gram.fill(0, queue: library.queue) }
            return
        }
        for (order, index) in assigned.enumerated() {
            try tiles.forward(tile: index, image: image)
            try tiles.addGrams(layers, into: grams, first: order == 0)
        }
    }

    /// Enqueues the backward of this worker's tiles at `image`: their image gradient into
    /// `gradient` (overwritten), their content sums finished into the content slots.
    func addGradients(image: Buffer<Float>, gradient: Buffer<Float>) throws {
        try gradient.fill(0, queue: library.queue)
        if assigned.isEmpty {
            for index in settings.contentLayers.indices {
                try scalars.values.fill(0, offset: slots.content(index), count: 1, queue: library.queue)
            }
            return
        }
        // Backwards through the tiles, so the last tile's forward is used as it stands.
        for (order, index) in assigned.reversed().enumerated() {
            if tiles.current != index { try tiles.forward(tile: index, image: image) }
            try tiles.pass.backward(imageGradient: regionGradient) { name, layerGradient in
                try addLayerGradients(at: name, into: layerGradient, firstTile: order == 0)
            }
            let region = grid.tiles[index].region
            try TileWindows.copy(
                library: library, channels: 3, rows: region.height, cols: region.width, src: .float(regionGradient),
                srcSize: (region.height, region.width), srcOrigin: (0, 0), dst: gradient,
                dstSize: (grid.height, grid.width), dstOrigin: (region.y0, region.x0), add: true)
        }
    }

    /// The loss gradients at layer `name` of the current tile, at its core positions. Content
    /// sums are finished by the first tile and added to by the others.
    private func addLayerGradients(at name: String, into layerGradient: Buffer<Float>, firstTile: Bool) throws {
        for (index, layer) in settings.contentLayers.enumerated() where layer == name {
            let activation = tiles.pass.activation(name)
            let window = tiles.coreWindow(name)
            let shift = VGG19Layers.outputShift(of: name)
            try TileWindows.target(
                library: library, channels: activation.channels, height: activation.height, width: activation.width,
                window: window.region, features: activation.buffer, target: contentTargets[name]!,
                targetSize: (grid.height >> shift, grid.width >> shift), targetOrigin: (window.image.y0, window.image.x0),
                out: contentWindow!)
            try LossTerms.content(
                library: library, features: activation.buffer, target: contentWindow!, count: activation.count,
                meanOver: activation.channels * (grid.height >> shift) * (grid.width >> shift),
                weight: settings.contentWeight, gradient: layerGradient, scalars: scalars, slot: slots.content(index))
            if firstTile {
                try scalars.finish(slots.content(index))
            } else {
                try scalars.accumulate(slots.content(index))
            }
        }
        for layer in settings.styleLayers where layer == name {
            let (features, activation) = try tiles.core(name)
            try Gram.backward(
                library: library, gradGram: gradGrams[name]!, features: features, channels: activation.channels,
                positions: activation.positions, gradFeatures: layerGradient, scratch: tiles.pass.scratch,
                scale: Float(activation.positions) / Float(tiles.imagePositions(name)))
        }
    }
}
