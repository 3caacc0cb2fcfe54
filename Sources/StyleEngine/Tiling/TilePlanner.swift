/// Chooses each size's `ScalePlan` for a memory budget: one pass when it fits with the whole
/// L-BFGS history; otherwise tiles as large as fit (at least `preferredTileSize`), shortening
/// the history only when even those do not fit; refusing only what cannot run at all.
public struct TilePlanner: Sendable {
    public let memory: MemoryPlan
    /// Bytes the plans may take (the device's, or `--memory-limit`), before the safety margin.
    public let availableBytes: Int
    public let loss: LossSettings
    public let settings: TilingSettings
    public let scratchLimit: Int
    /// Devices the tiles may be spread over (each with this budget).
    public let devices: Int
    /// The most one buffer may take (the devices' smallest CL_DEVICE_MAX_MEM_ALLOC_SIZE).
    public let maxBufferBytes: Int

    public init(
        memory: MemoryPlan, availableBytes: Int, loss: LossSettings, settings: TilingSettings, scratchLimit: Int,
        devices: Int = 1, maxBufferBytes: Int = .max
    ) {
        self.maxBufferBytes = maxBufferBytes
        self.memory = memory
        self.availableBytes = availableBytes
        self.loss = loss
        self.settings = settings
        self.scratchLimit = scratchLimit
        self.devices = devices
    }

    /// With several devices, an image that fits one pass is still cut, into about one tile per
    /// device, when its side is at least this many halos (smaller, the halos would cost more
    /// than the other devices give).
    public static let halosPerSplitSide = 8

    /// What the estimates may add up to: the budget less a margin for what they leave out
    /// (scalars, targets of other sizes, metrics' buffers).
    public var usableBytes: Int { availableBytes - availableBytes / 32 - (8 << 20) }

    /// Cores smaller than this make the halo the larger part of every region; the history is
    /// shortened before tiles shrink below it.
    public static let preferredTileSize = 256

    var field: ReceptiveField { ReceptiveField(deepestOf: loss.layers) }
    /// The halo tiles get: `settings.halo`, or exact for the deepest layer.
    public var halo: Int { settings.halo ?? field.exactHalo }

    /// The plan of an optimized image of height × width, or nil when nothing fits.
    public func plan(height: Int, width: Int) -> ScalePlan? {
        guard var plan = bestPlan(height: height, width: width) else { return nil }
        if plan.tiling != nil { plan.devices = devices }
        return plan
    }

    func bestPlan(height: Int, width: Int) -> ScalePlan? {
        let requested = memory.optimizer == .lbfgs ? memory.historySize : nil
        var histories = [requested]
        if let requested {
            histories += [50, 20, 10, 5, 3, 1].filter { $0 < requested }.map { Optional($0) }
        }
        for (index, history) in histories.enumerated() {
            let fixed = objectiveFixedBytes(height: height, width: width, historySize: history ?? 0)
            if settings.tileSize == nil {
                let whole = memory.passBytes(height: height, width: width, scratchLimit: scratchLimit)
                    + 4 * 3 * height * width * 4
                    + memory.optimizerBytes(height: height, width: width, historySize: history ?? 0)
                let wholeFits = whole <= usableBytes && memory.largestBufferBytes(height: height, width: width) <= maxBufferBytes
                if wholeFits, let split = split(height: height, width: width, fixedBytes: fixed) {
                    return ScalePlan(
                        width: width, height: height, tiling: split.0, historySize: history,
                        requestedHistorySize: requested, estimatedBytes: split.1, availableBytes: availableBytes)
                }
                if wholeFits {
                    return ScalePlan(
                        width: width, height: height, tiling: nil, historySize: history,
                        requestedHistorySize: requested, estimatedBytes: whole, availableBytes: availableBytes)
                }
            }
            guard wholeImageBuffersFit(height: height, width: width) else { return nil }
            let last = index == histories.count - 1
            let smallest = settings.tileSize != nil || last ? field.stride : Self.preferredTileSize
            if let (tiling, bytes) = largestTiling(
                height: height, width: width, fixedBytes: fixed, backward: true, smallest: smallest)
            {
                return ScalePlan(
                    width: width, height: height, tiling: tiling, historySize: history, requestedHistorySize: requested,
                    estimatedBytes: bytes, availableBytes: availableBytes)
            }
        }
        return nil
    }

    /// The least budget an optimized image of height × width can run in: the shortest history,
    /// the smallest tiles, and the margin (what a refusal names).
    public func minimumBytes(height: Int, width: Int) -> Int {
        (minimumEstimate(height: height, width: width) + (8 << 20)) * 32 / 31 + 1
    }

    func minimumEstimate(height: Int, width: Int) -> Int {
        let alignment = field.stride
        let halo = (self.halo + alignment - 1) / alignment * alignment
        let region = TileGrid(height: height, width: width, tileSize: alignment, halo: halo, alignment: alignment)
            .regionCapacity
        let history = memory.optimizer == .lbfgs ? 1 : 0
        return objectiveFixedBytes(height: height, width: width, historySize: history)
            + tileBytes(regionHeight: region.height, regionWidth: region.width, backward: true)
    }

    /// Tiles for spreading an image that fits one pass over the devices: nil with one device or
    /// a small image.
    func split(height: Int, width: Int, fixedBytes: Int) -> (ScalePlan.Tiling, Int)? {
        let side = max(height, width)
        guard devices > 1, side >= Self.halosPerSplitSide * max(halo, 1) else { return nil }
        let alignment = field.stride
        let size = ((side + devices - 1) / devices + alignment - 1) / alignment * alignment
        return tiling(size: size, height: height, width: width, fixedBytes: fixedBytes, backward: true)
    }

    /// The tiling of a forward pass alone at height × width (a style image's targets): nil
    /// when one pass fits, or when nothing does (`forwardFits` tells which).
    public func forwardTiling(height: Int, width: Int) -> ScalePlan.Tiling? {
        if forwardPassFits(height: height, width: width) { return nil }
        guard 3 * height * width * 4 <= maxBufferBytes else { return nil }
        let fixed = 3 * height * width * 4 + 2 * gramBytes
        return largestTiling(height: height, width: width, fixedBytes: fixed, backward: false, smallest: field.stride)?.0
    }

    /// Whether a forward pass at height × width can run at all (in tiles if need be).
    public func forwardFits(height: Int, width: Int) -> Bool {
        forwardPassFits(height: height, width: width) || forwardTiling(height: height, width: width) != nil
    }

    /// Whether one forward pass at height × width fits (and tiles are not forced).
    func forwardPassFits(height: Int, width: Int) -> Bool {
        settings.tileSize == nil
            && memory.forwardBytes(height: height, width: width, scratchLimit: scratchLimit) <= usableBytes
            && memory.largestBufferBytes(height: height, width: width) <= maxBufferBytes
    }

    /// Whether the buffers a tiled objective keeps for the whole image (the image, the optimizer's
    /// vectors, a content layer's targets) are each within one allocation.
    func wholeImageBuffersFit(height: Int, width: Int) -> Bool {
        var largest = 3 * height * width * 4
        for name in loss.contentLayers {
            let position = VGG19Layers.position(of: name)!
            let shift = VGG19Layers.outputShift(of: name)
            largest = max(largest, memory.channels(atPosition: position) * (height >> shift) * (width >> shift) * 4)
        }
        return largest <= maxBufferBytes
    }

    /// Everything of a tiled objective besides its pass: the image, gradient, last good image and
    /// content upload, the optimizer, the content targets and the Grams.
    func objectiveFixedBytes(height: Int, width: Int, historySize: Int) -> Int {
        var contentTargets = 0
        for name in loss.contentLayers {
            let position = VGG19Layers.position(of: name)!
            let shift = VGG19Layers.outputShift(of: name)
            contentTargets += memory.channels(atPosition: position) * (height >> shift) * (width >> shift) * 4
        }
        return 4 * 3 * height * width * 4 + memory.optimizerBytes(height: height, width: width, historySize: historySize)
            + contentTargets + 3 * gramBytes
    }

    /// One Gram per style layer.
    var gramBytes: Int {
        loss.styleLayers.map {
            let channels = memory.channels(atPosition: VGG19Layers.position(of: $0)!)
            return channels * channels * 4
        }.reduce(0, +)
    }

    /// A tile pass over regions of rh × rw: the network pass, the region image (and its
    /// gradient), a style layer's core features, a content layer's target window.
    func tileBytes(regionHeight rh: Int, regionWidth rw: Int, backward: Bool) -> Int {
        func largest(_ layers: [String], bytesPerValue: Int) -> Int {
            layers.map { name -> Int in
                let position = VGG19Layers.position(of: name)!
                let shift = VGG19Layers.outputShift(of: name)
                return memory.channels(atPosition: position) * (rh >> shift) * (rw >> shift) * bytesPerValue
            }.max() ?? 0
        }
        return memory.passBytes(height: rh, width: rw, scratchLimit: scratchLimit) + (backward ? 2 : 1) * 3 * rh * rw * 4
            + largest(loss.styleLayers, bytesPerValue: memory.precisionBytes)
            + (backward ? largest(loss.contentLayers, bytesPerValue: 4) : 0)
    }

    /// The largest tile size (forced by `settings.tileSize` when set) whose pass fits beside
    /// `fixedBytes`, and the total; nil when none of at least `smallest` does.
    func largestTiling(height: Int, width: Int, fixedBytes: Int, backward: Bool, smallest: Int)
        -> (ScalePlan.Tiling, Int)?
    {
        // What the whole image keeps does not shrink with the tiles: no grid can fit then.
        guard fixedBytes <= usableBytes else { return nil }
        let alignment = field.stride
        let top = (max(height, width) + alignment - 1) / alignment * alignment
        let sizes =
            settings.tileSize.map { [max(alignment, ($0 + alignment - 1) / alignment * alignment)] }
            ?? Array(stride(from: top, through: max(alignment, smallest), by: -alignment))
        for size in sizes {
            if let found = tiling(size: size, height: height, width: width, fixedBytes: fixedBytes, backward: backward) {
                return found
            }
        }
        return nil
    }

    /// Tiles of about `size` with the planner's halo, and the total bytes, if they fit.
    func tiling(size: Int, height: Int, width: Int, fixedBytes: Int, backward: Bool) -> (ScalePlan.Tiling, Int)? {
        let alignment = field.stride
        let halo = (self.halo + alignment - 1) / alignment * alignment
        let grid = TileGrid(height: height, width: width, tileSize: size, halo: halo, alignment: alignment)
        let region = grid.regionCapacity
        let bytes = fixedBytes + tileBytes(regionHeight: region.height, regionWidth: region.width, backward: backward)
        guard bytes <= usableBytes,
            memory.largestBufferBytes(height: region.height, width: region.width) <= maxBufferBytes
        else { return nil }
        let tiling = ScalePlan.Tiling(
            tileSize: size, halo: halo, alignment: alignment, rows: grid.rows, columns: grid.columns,
            coreWidth: grid.tiles.map(\.core.width).max()!, coreHeight: grid.tiles.map(\.core.height).max()!,
            regionWidth: region.width, regionHeight: region.height)
        return (tiling, bytes)
    }
}
