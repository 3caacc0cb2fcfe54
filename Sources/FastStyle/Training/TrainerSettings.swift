import StyleEngine

/// Everything that defines a training run (the CLI fills it; the checkpoint and the model's
/// metadata record it).
public struct TrainerSettings: Sendable, Codable, Equatable {
    /// One style image, or several for a multi-style (CIN) model.
    public var stylePaths: [String]
    public var imagesDirectory: String
    public var outputPath: String
    /// The side of the square crops the network trains on.
    public var size = 256
    /// The style images' longest side for their Gram targets (nil: `size`).
    public var styleSize: Int?
    public var batchSize = 4
    public var steps = 2000
    public var learningRate: Float = 1e-3
    public var loss = TrainerSettings.defaultLoss
    public var seed: UInt64 = 0
    /// VGG19's pooling in the loss network.
    public var pooling = Pooling.max
    /// Write the model and the checkpoint every N steps (and at the end).
    public var checkpointEvery = 100
    /// A model to start from (fine-tuning) instead of PyTorch's random initialization.
    public var initModelPath: String?
    public var maxImagePixels = ImageFile.defaultMaxPixels
    /// Photos kept out of training, measured every `evaluateEvery` steps and at the end (loss
    /// parts, SSIM to the photo, style similarity); nil: none.
    public var heldOutDirectory: String?
    public var evaluateEvery = 100

    public init(stylePaths: [String], imagesDirectory: String, outputPath: String) {
        self.stylePaths = stylePaths
        self.imagesDirectory = imagesDirectory
        self.outputPath = outputPath
    }

    /// Johnson et al.'s choice of a shallow content layer, so the network keeps the photo's
    /// structure while the Grams of every block carry the style. The weights balance the two
    /// (stylize's 1 : 100 leaves a network that paints the style over any photo, its content
    /// lost); chosen on the README's 10-minute run.
    public static var defaultLoss: LossSettings {
        var loss = LossSettings()
        loss.contentLayers = ["relu2_2"]
        loss.styleLayers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
        loss.contentWeight = 10
        loss.styleWeight = 3
        loss.totalVariationWeight = 1e-4
        return loss
    }

    /// The checkpoint beside the model: `m.safetensors` → `m.checkpoint.safetensors`.
    public var checkpointPath: String {
        let trimmed = outputPath.hasSuffix(".safetensors") ? String(outputPath.dropLast(".safetensors".count)) : outputPath
        return trimmed + ".checkpoint.safetensors"
    }

    /// What a resumed run must share with the run it resumes (not the step count nor where
    /// checkpoints go).
    var identity: TrainerSettings {
        var identity = self
        identity.steps = 0
        identity.checkpointEvery = 0
        identity.heldOutDirectory = nil
        identity.evaluateEvery = 0
        return identity
    }
}
