/// A run's style images with their blend weights: the style targets at any style size,
/// computed once per size and kept for every later content image and scale.
public final class StyleSource: @unchecked Sendable {
    /// The style images as given (each is resized from this for every style size).
    public let images: [RGBImage]
    /// Normalised to sum to 1.
    public let blendWeights: [Float]
    public let layers: [String]
    private var cache: [Int: StyleTargets] = [:]

    /// `blendWeights`: one per image, any positive scale; empty means equal weights.
    public init(images: [RGBImage], blendWeights: [Float] = [], layers: [String]) {
        precondition(blendWeights.isEmpty || blendWeights.count == images.count, "one blend weight per style image")
        self.images = images
        let weights = blendWeights.isEmpty ? Array(repeating: 1, count: images.count) : blendWeights
        let sum = weights.reduce(0, +)
        self.blendWeights = weights.map { $0 / sum }
        self.layers = layers
    }

    /// The style images resized so their longest side is `side`.
    public func resized(side: Int) -> [RGBImage] { images.map { $0.resized(longestSide: side) } }

    /// The targets with every style image's longest side at `side`, computed on first use.
    public func targets(session: EngineSession, side: Int, scratchLimit: Int) throws -> StyleTargets {
        if let targets = cache[side] { return targets }
        let targets = try StyleTargets.compute(
            session: session, styles: resized(side: side).map(PreparedImage.init), blendWeights: blendWeights,
            layers: layers, scratchLimit: scratchLimit)
        cache[side] = targets
        return targets
    }
}
