/// How good a result is, measured with the run's own network (README § Quality metrics).
public struct QualityMetrics: Sendable, Codable, Equatable {
    /// SSIM of the result against the content at the result's size (structure kept; 1 = identical).
    public let ssim: Double
    /// Mean over the style layers of the cosine similarity of the result's Gram matrix and the
    /// style target's (1 = the same correlations up to scale).
    public let styleSimilarity: Double
    /// The cosine similarity at each style layer.
    public let styleSimilarityByLayer: [String: Double]
    /// The spec's loss parts of the result at its full size.
    public let loss: LossParts

    public init(ssim: Double, styleSimilarity: Double, styleSimilarityByLayer: [String: Double], loss: LossParts) {
        self.ssim = ssim
        self.styleSimilarity = styleSimilarity
        self.styleSimilarityByLayer = styleSimilarityByLayer
        self.loss = loss
    }
}
