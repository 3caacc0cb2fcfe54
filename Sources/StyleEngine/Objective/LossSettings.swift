/// Which layers the losses read and how much each term weighs (the spec's defaults).
public struct LossSettings: Sendable, Codable, Equatable {
    public var contentLayers = ["relu4_2"]
    public var styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    public var contentWeight: Float = 5
    public var styleWeight: Float = 100
    public var totalVariationWeight: Float = 1e-3

    public init() {}

    /// Every layer a loss reads.
    public var layers: [String] { contentLayers + styleLayers }
}

/// One evaluation's loss, split as the spec defines it.
public struct LossParts: Sendable, Codable, Equatable {
    public var content: Double
    public var style: Double
    public var totalVariation: Double
    public var total: Double { content + style + totalVariation }
    public var isFinite: Bool { content.isFinite && style.isFinite && totalVariation.isFinite }

    public init(content: Double, style: Double, totalVariation: Double) {
        self.content = content
        self.style = style
        self.totalVariation = totalVariation
    }
}
