import StyleEngine

/// Everything that defines one apply (the CLI fills it; the report records it).
public struct ApplySettings: Sendable, Codable, Equatable {
    public var contentPath: String
    public var outputPath: String
    /// The model's file: read by the runner; here so that the output is never it.
    public var modelPath: String
    /// Longest side of the result; nil: the photo's own size.
    public var size: Int?
    public var style = StyleChoice.index(0)
    public var precision = Precision.fp32
    /// The most device memory the session may take, in bytes (nil: what the device reports).
    public var memoryLimit: Int?
    /// Images whose header declares more pixels are refused before decoding.
    public var maxImagePixels = ImageFile.defaultMaxPixels
    /// Forces a tiled apply in bands of at most this many output rows (nil: tiles only when
    /// the photo does not fit the device in one pass).
    public var tileRows: Int?
    /// The result's JPEG quality (1–100) when the output is a .jpg.
    public var jpegQuality = 92

    public init(contentPath: String, outputPath: String, modelPath: String) {
        self.contentPath = contentPath
        self.outputPath = outputPath
        self.modelPath = modelPath
    }
}
