import CLRuntime

/// Measures results against one content image and a set of style targets, on the device with
/// the session's network: the spec's loss parts, SSIM to the content, and style similarity.
public final class QualityEvaluator {
    let session: EngineSession
    let objective: any Objective
    let content: RGBImage
    let targetGrams: [String: [Float]]

    /// `content` at the size of the images to measure; `targets` from style images at the
    /// size the run used; `grid`: the tiles to measure in when one pass does not fit.
    public init(
        session: EngineSession, targets: StyleTargets, content: RGBImage, settings: LossSettings, scratchLimit: Int,
        grid: TileGrid? = nil
    ) throws {
        self.session = session
        self.content = content
        if let grid {
            objective = try TiledObjective(
                session: session, targets: targets, content: PreparedImage(content), grid: grid, settings: settings,
                scratchLimit: scratchLimit)
        } else {
            objective = try StyleObjective(
                session: session, targets: targets, content: PreparedImage(content), settings: settings,
                scratchLimit: scratchLimit)
        }
        targetGrams = try targets.downloadGrams(queue: session.computeDevice.queue)
    }

    public func evaluate(_ image: RGBImage) throws -> QualityMetrics {
        precondition(image.width == content.width && image.height == content.height, "measure at the content's size")
        let library = session.library
        let gpu = session.computeDevice
        let prepared = try gpu.buffer(image.preprocessed())
        let gradient = try gpu.buffer(Float.self, count: prepared.count)
        try objective.evaluate(image: prepared, gradient: gradient)
        let loss = objective.lossParts(from: try session.scalars.read())
        let grams = try objective.imageGrams()
        var similarity: [String: Double] = [:]
        for name in objective.settings.styleLayers {
            similarity[name] = Self.cosine(grams[name]!, targetGrams[name]!)
        }
        let values = objective.settings.styleLayers.map { similarity[$0]! }
        return QualityMetrics(
            ssim: try SSIM.compute(library: library, content, image),
            styleSimilarity: values.isEmpty ? 1 : values.reduce(0, +) / Double(values.count),
            styleSimilarityByLayer: similarity, loss: loss)
    }

    /// aᵀb / (‖a‖‖b‖) in Double (0 when either is all zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var dot = 0.0, aa = 0.0, bb = 0.0
        for index in a.indices {
            let (x, y) = (Double(a[index]), Double(b[index]))
            dot += x * y
            aa += x * x
            bb += y * y
        }
        return aa > 0 && bb > 0 ? dot / (aa.squareRoot() * bb.squareRoot()) : 0
    }
}
