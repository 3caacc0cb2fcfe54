import CLRuntime

/// The style half of the objective, as a value: for each style layer the blended Gram target
/// A = Σ_k b_k · Gram(style k) [C×C] on the device, with the settings that shaped it.
///
/// Computed once (`compute`) and reused by every content image and every objective whose
/// style images have these sizes; it does not depend on the content or output size.
public struct StyleTargets: @unchecked Sendable {
    /// What shaped the targets: a run whose settings differ needs other targets.
    public struct Shape: Sendable, Codable, Equatable {
        public let layers: [String]
        public let pooling: Pooling
        public let precision: Precision
        /// Each style image's size as the network saw it.
        public let styleSizes: [ImageSize]
        /// Normalised blend weights, one per style image.
        public let blendWeights: [Float]

        public init(layers: [String], pooling: Pooling, precision: Precision, styleSizes: [ImageSize], blendWeights: [Float]) {
            self.layers = layers
            self.pooling = pooling
            self.precision = precision
            self.styleSizes = styleSizes
            self.blendWeights = blendWeights
        }
    }

    public struct ImageSize: Sendable, Codable, Equatable {
        public let width: Int
        public let height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    public let shape: Shape
    /// Per style layer: the target Gram [C×C] and its channel count C.
    public let grams: [String: Buffer<Float>]
    public let channels: [String: Int]

    /// Runs each style image through its own forward pass (freed before the next) and adds
    /// its Grams, weighted by b_k / Σb, into the targets. Counted in
    /// `EngineCounters.styleTargetComputations`. A style for which `tiling(height, width)` gives
    /// tiles is passed tile by tile, with the same Grams.
    public static func compute(
        library: KernelLibrary, network: VGG19Network, styles: [PreparedImage], blendWeights: [Float], layers: [String],
        scratchLimit: Int, tiling: (Int, Int) -> TileGrid? = { _, _ in nil }, shouldStop: () -> Bool = { false }
    ) throws -> StyleTargets {
        precondition(blendWeights.count == styles.count, "one blend weight per style image")
        EngineCounters.styleTargetComputations.add(1, ordering: .relaxed)
        var grams: [String: Buffer<Float>] = [:]
        var channels: [String: Int] = [:]
        let weightSum = blendWeights.reduce(0, +)
        for (style, weight) in zip(styles, blendWeights) where !layers.isEmpty {
            if let grid = tiling(style.height, style.width) {
                let tiles = try TilePass(
                    library: library, network: network, grid: grid, layers: layers, coreLayers: layers,
                    scratchLimit: scratchLimit, backward: false)
                for name in layers where grams[name] == nil {
                    let count = tiles.pass.activation(name).channels
                    grams[name] = try library.gpu.buffer(Float.self, count: count * count)
                    try grams[name]!.fill(0, queue: library.queue)
                    channels[name] = count
                }
                let image = try library.gpu.buffer(style.pixels)
                for index in grid.tiles.indices {
                    // Each tile waits for the last, so a stop is seen within one tile's time.
                    try library.queue.finish()
                    if shouldStop() { throw StoppedBeforeFirstIteration() }
                    try tiles.forward(tile: index, image: image)
                    try tiles.addGrams(layers, into: grams, scale: weight / weightSum, first: false)
                }
                try library.queue.finish()
                continue
            }
            let stylePass = try NetworkPass(
                network: network, height: style.height, width: style.width, layers: layers, scratchLimit: scratchLimit,
                backward: false)
            try stylePass.forward(image: library.gpu.buffer(style.pixels))
            for name in layers {
                let features = stylePass.activation(name)
                if grams[name] == nil {
                    grams[name] = try library.gpu.buffer(Float.self, count: features.channels * features.channels)
                    try grams[name]!.fill(0, queue: library.queue)
                    channels[name] = features.channels
                }
                try Gram.forward(
                    library: library, features: features.buffer, channels: features.channels,
                    positions: features.positions, gram: grams[name]!, scratch: stylePass.scratch,
                    scale: weight / weightSum, accumulate: true)
            }
            try library.queue.finish()
        }
        let shape = Shape(
            layers: layers, pooling: network.pooling, precision: library.precision,
            styleSizes: styles.map { ImageSize(width: $0.width, height: $0.height) }, blendWeights: blendWeights)
        return StyleTargets(shape: shape, grams: grams, channels: channels)
    }

    /// The targets of `session`'s network; styles too large for one pass under `planner` are
    /// passed in tiles.
    public static func compute(
        session: EngineSession, styles: [PreparedImage], blendWeights: [Float], layers: [String], scratchLimit: Int,
        planner: TilePlanner? = nil, shouldStop: () -> Bool = { false }
    ) throws -> StyleTargets {
        try compute(
            library: session.library, network: session.network, styles: styles, blendWeights: blendWeights,
            layers: layers, scratchLimit: scratchLimit,
            tiling: { height, width in
                guard let planner, let tiling = planner.forwardTiling(height: height, width: width) else { return nil }
                return tiling.grid(height: height, width: width)
            }, shouldStop: shouldStop)
    }

    /// Every target Gram read back to the host (metrics, a style library).
    public func downloadGrams(queue: CommandQueue) throws -> [String: [Float]] {
        try grams.mapValues { try $0.download(queue: queue) }
    }
}
