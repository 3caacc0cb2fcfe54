/// How a model was trained, stored as JSON in its file's metadata (`training`). Fields a
/// trainer did not record (an imported model's) are nil.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// Who trained it: "stylize-gpu", or "pytorch/examples fast_neural_style" for an import.
    public var trainer: String
    /// The loss network: "VGG19" here (its file's hash is the model's `vggWeightsHash`),
    /// "torchvision VGG16" for pytorch/examples.
    public var lossNetwork: String?
    /// The style images, by file name, in style-index order.
    public var styleImages: [String]?
    public var styleSize: Int?
    public var imageSize: Int?
    public var batchSize: Int?
    public var epochs: Int?
    public var iterations: Int?
    public var learningRate: Double?
    public var contentWeight: Double?
    public var styleWeight: Double?
    public var tvWeight: Double?
    public var contentLayers: [String]?
    public var styleLayers: [String]?
    /// Where the training photos came from (a folder, a data set's name).
    public var dataset: String?
    public var seed: UInt64?

    public init(
        trainer: String, lossNetwork: String? = nil, styleImages: [String]? = nil, styleSize: Int? = nil, imageSize: Int? = nil,
        batchSize: Int? = nil, epochs: Int? = nil, iterations: Int? = nil, learningRate: Double? = nil,
        contentWeight: Double? = nil, styleWeight: Double? = nil, tvWeight: Double? = nil,
        contentLayers: [String]? = nil, styleLayers: [String]? = nil, dataset: String? = nil, seed: UInt64? = nil
    ) {
        self.trainer = trainer
        self.lossNetwork = lossNetwork
        self.styleImages = styleImages
        self.styleSize = styleSize
        self.imageSize = imageSize
        self.batchSize = batchSize
        self.epochs = epochs
        self.iterations = iterations
        self.learningRate = learningRate
        self.contentWeight = contentWeight
        self.styleWeight = styleWeight
        self.tvWeight = tvWeight
        self.contentLayers = contentLayers
        self.styleLayers = styleLayers
        self.dataset = dataset
        self.seed = seed
    }
}
