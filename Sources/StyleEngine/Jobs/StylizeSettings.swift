/// Everything that defines one stylization job (the CLI fills it; the report records it):
/// the files, and the transfer's settings.
public struct StylizeSettings: Sendable, Codable, Equatable {
    public enum Initialization: Sendable, Codable, Equatable {
        case content
        /// Normal noise (`Initialization.randomSigma`) from this seed.
        case random(seed: UInt64)
        case image(path: String)
    }

    public var contentPath: String
    public var stylePaths: [String]
    /// One per style image; normalised to sum to 1. Empty means equal weights.
    public var styleBlendWeights: [Float] = []
    public var outputPath: String
    /// Longest side of the output, in pixels.
    public var size = 512
    /// Style images are resized to style scale × each scale's size on their longest side.
    public var styleScale: Float = 1
    public var iterations = 1000
    /// Coarse-to-fine scales (`ScaleSchedule`); the CLI's default is `ScaleSchedule.defaultSchedule(for:fromNoise:)`.
    public var scales = ScaleSchedule.off
    public var optimizer = OptimizerKind.lbfgs
    /// nil: 1 for L-BFGS, 10 for Adam.
    public var learningRate: Float?
    public var historySize = 100
    public var optimizerAcrossScales = ScaleTransition.restart
    public var loss = LossSettings()
    public var initialization = Initialization.content
    public var pooling = Pooling.max
    /// Keep the content's colours: the result's luminance with the content's chroma.
    public var originalColors = false
    /// Save a numbered intermediate image every N iterations (0: never).
    public var saveEvery = 0
    public var precision = Precision.fp32
    /// The most device memory the engine may take, in bytes (nil: what the device reports).
    public var memoryLimit: Int?
    /// `--tile-size`, `--tile-halo` (default: tiles only where one pass does not fit).
    public var tiling = TilingSettings()
    /// Images whose header declares more pixels are refused before decoding.
    public var maxImagePixels = ImageFile.defaultMaxPixels
    /// The result's JPEG quality (1–100) when the output is a .jpg.
    public var jpegQuality = 92
    /// `--prune R --prune-by …` (`ChannelPruning`); ratio 0: the network as loaded.
    public var pruning = PruningSettings()
    /// The im2col / Winograd scratch limit, in floats (bands of rows beyond it); nil:
    /// `TransferSettings.defaultScratchLimit`.
    public var scratchLimitOverride: Int?

    public var scratchLimit: Int { scratchLimitOverride ?? TransferSettings.defaultScratchLimit(for: precision) }

    public init(contentPath: String, stylePaths: [String], outputPath: String) {
        self.contentPath = contentPath
        self.stylePaths = stylePaths
        self.outputPath = outputPath
    }

    public var optimizerSettings: OptimizerSettings {
        OptimizerSettings(kind: optimizer, learningRate: learningRate, historySize: historySize)
    }

    /// The engine's part of these settings.
    public var transfer: TransferSettings {
        var transfer = TransferSettings()
        transfer.size = size
        transfer.styleScale = styleScale
        transfer.iterations = iterations
        transfer.scales = scales
        transfer.optimizer = optimizerSettings
        transfer.optimizerAcrossScales = optimizerAcrossScales
        transfer.loss = loss
        transfer.originalColors = originalColors
        transfer.scratchLimit = scratchLimit
        transfer.tiling = tiling
        return transfer
    }
}
