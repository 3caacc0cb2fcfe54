import CLRuntime

/// One network pass made for a grid's largest region and run on its tiles in turn: cuts a
/// tile's region out of the whole image, runs the network on it, and keeps a layer's core
/// positions (the rest zero) for the losses, so each position counts in exactly one tile.
final class TilePass {
    let library: KernelLibrary
    let grid: TileGrid
    let pass: NetworkPass
    /// The region of the image being passed, [3 × region].
    let regionImage: Buffer<Float>
    /// One layer's features at a tile's core, sized for the largest of `coreLayers`.
    private let coreFeatures: StoredBuffer?
    /// The tile whose forward the pass holds (nil: none yet, or another image since).
    private(set) var current: Int?

    /// - Parameters:
    ///   - layers: what callers read (the pass runs to the deepest).
    ///   - coreLayers: the layers `core(_:)` is asked for.
    init(
        library: KernelLibrary, network: VGG19Network, grid: TileGrid, layers: [String], coreLayers: [String],
        scratchLimit: Int, backward: Bool
    ) throws {
        self.library = library
        self.grid = grid
        let capacity = grid.regionCapacity
        let pass = try NetworkPass(
            network: network, height: capacity.height, width: capacity.width, layers: layers,
            scratchLimit: scratchLimit, backward: backward)
        self.pass = pass
        regionImage = try library.gpu.buffer(Float.self, count: 3 * capacity.height * capacity.width)
        let largest = coreLayers.map { pass.activation($0).count }.max() ?? 0
        coreFeatures = largest > 0 ? try StoredBuffer.allocate(library: library, count: largest) : nil
    }

    /// Runs the network on tile `index`'s region of `image` [3 × H × W].
    func forward(tile index: Int, image: Buffer<Float>) throws {
        let region = grid.tiles[index].region
        pass.resize(height: region.height, width: region.width)
        try TileWindows.copy(
            library: library, channels: 3, rows: region.height, cols: region.width, src: .float(image),
            srcSize: (grid.height, grid.width), srcOrigin: (region.y0, region.x0), dst: regionImage,
            dstSize: (region.height, region.width), dstOrigin: (0, 0), add: false)
        try pass.forward(image: regionImage)
        current = index
    }

    /// Forgets the forward held, so the next `forward` is not skipped by callers that reuse it.
    func invalidate() { current = nil }

    /// The core window of layer `name` for the current tile, in the region's and the image's
    /// coordinates of that layer.
    func coreWindow(_ name: String) -> (region: PixelRect, image: PixelRect) {
        let shift = VGG19Layers.outputShift(of: name)
        return grid.layerCore(grid.tiles[current!], shift: shift)
    }

    /// Layer `name`'s features of the current tile at its core positions, zero elsewhere, with
    /// their region-sized activation.
    func core(_ name: String) throws -> (features: StoredBuffer, activation: NetworkPass.Activation) {
        let activation = pass.activation(name)
        try TileWindows.keep(
            library: library, channels: activation.channels, height: activation.height, width: activation.width,
            window: coreWindow(name).region, src: activation.buffer, dst: coreFeatures!)
        return (coreFeatures!, activation)
    }

    /// Positions of layer `name` over the whole image.
    func imagePositions(_ name: String) -> Int {
        let shift = VGG19Layers.outputShift(of: name)
        return (grid.height >> shift) * (grid.width >> shift)
    }

    /// Adds the current tile's share of the whole image's Gram matrices into `grams` (each
    /// scaled by `scale[name]`, default 1); the first tile (`first`) overwrites.
    func addGrams(_ layers: [String], into grams: [String: Buffer<Float>], scale: Float = 1, first: Bool) throws {
        for name in layers {
            let (features, activation) = try core(name)
            // Gram.forward divides by the region's positions; the image's are wanted.
            try Gram.forward(
                library: library, features: features, channels: activation.channels,
                positions: activation.positions, gram: grams[name]!, scratch: pass.scratch,
                scale: scale * Float(activation.positions) / Float(imagePositions(name)), accumulate: !first)
        }
    }
}
