import CLRuntime

/// A run's style images with their blend weights: the style targets at any style size,
/// computed once per size and kept for every later content image and scale.
public final class StyleSource: @unchecked Sendable {
    /// The style images as given (each is resized from this for every style size).
    public let images: [RGBImage]
    /// Normalised to sum to 1.
    public let blendWeights: [Float]
    public let layers: [String]
    private var cache: [Int: StyleTargets] = [:]
    /// Targets read from a style library, by style side: uploaded on first use instead of
    /// computed (not counted in `EngineCounters.styleTargetComputations`).
    private var stored: [Int: HostStyleTargets] = [:]

    /// `blendWeights`: one per image, any positive scale; empty means equal weights.
    public init(images: [RGBImage], blendWeights: [Float] = [], layers: [String]) {
        precondition(blendWeights.isEmpty || blendWeights.count == images.count, "one blend weight per style image")
        self.images = images
        let weights = blendWeights.isEmpty ? Array(repeating: 1, count: images.count) : blendWeights
        let sum = weights.reduce(0, +)
        self.blendWeights = weights.map { $0 / sum }
        self.layers = layers
    }

    /// A source that starts from stored targets (a style library's) for the sides they were
    /// made at; other sides are computed from `images`, or, with none, are an error.
    /// `blendWeights` are the stored (normalised) ones: one per source image, whether or not
    /// `images` are given.
    public init(stored: [Int: HostStyleTargets], images: [RGBImage], blendWeights: [Float], layers: [String]) {
        precondition(images.isEmpty || blendWeights.count == images.count, "one blend weight per style image")
        self.images = images
        self.blendWeights = blendWeights
        self.layers = layers
        self.stored = stored
    }

    /// The same styles with no targets on any device yet: the source for another network or
    /// session (targets belong to the network they were computed with).
    public func withoutTargets() -> StyleSource {
        StyleSource(stored: stored, images: images, blendWeights: blendWeights, layers: layers)
    }

    /// The style sides this source can give without computing.
    public var storedSides: [Int] { stored.keys.sorted() }

    /// The style images resized so their longest side is `side`.
    public func resized(side: Int) -> [RGBImage] { images.map { $0.resized(longestSide: side) } }

    /// The targets with every style image's longest side at `side`, computed on first use (in
    /// tiles where `planner` says one pass does not fit; `shouldStop` is polled between tiles
    /// and a stop throws `StoppedBeforeFirstIteration`).
    public func targets(
        session: EngineSession, side: Int, scratchLimit: Int, planner: TilePlanner? = nil,
        shouldStop: () -> Bool = { false }
    ) throws -> StyleTargets {
        if let targets = cache[side] { return targets }
        if let host = stored[side] {
            let targets = try host.upload(library: session.library)
            cache[side] = targets
            return targets
        }
        if images.isEmpty {
            throw StyleSourceError.sideNotStored(side: side, stored: storedSides)
        }
        let targets = try StyleTargets.compute(
            session: session, styles: resized(side: side).map(PreparedImage.init), blendWeights: blendWeights,
            layers: layers, scratchLimit: scratchLimit, planner: planner, shouldStop: shouldStop)
        cache[side] = targets
        return targets
    }
}

/// Style targets on the host: what a style library stores and reads back.
public struct HostStyleTargets: Sendable, Equatable {
    public let shape: StyleTargets.Shape
    /// Per style layer: the Gram [C×C], row-major.
    public let grams: [String: [Float]]
    public let channels: [String: Int]

    public init(shape: StyleTargets.Shape, grams: [String: [Float]], channels: [String: Int]) {
        self.shape = shape
        self.grams = grams
        self.channels = channels
    }

    /// Device targets read back.
    public init(_ targets: StyleTargets, queue: CommandQueue) throws {
        self.init(shape: targets.shape, grams: try targets.downloadGrams(queue: queue), channels: targets.channels)
    }

    /// The same targets on the device, bit for bit.
    public func upload(library: KernelLibrary) throws -> StyleTargets {
        StyleTargets(shape: shape, grams: try grams.mapValues { try library.gpu.buffer($0) }, channels: channels)
    }
}

public enum StyleSourceError: Error, CustomStringConvertible, Equatable {
    case sideNotStored(side: Int, stored: [Int])

    public var description: String {
        switch self {
        case .sideNotStored(let side, let stored):
            "the stored style has targets for style sides \(stored.map(String.init).joined(separator: ", ")), not \(side), "
                + "and no source images to compute them"
        }
    }
}
