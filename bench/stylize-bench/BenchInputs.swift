import StyleEngine

enum BenchInputs {
    /// The content and style images, read and resized as `stylize-gpu` does, initialised
    /// from the content.
    static func prepare(settings: StylizeSettings) throws -> PreparedImages {
        let content = try ImageFile.read(path: settings.contentPath).resized(longestSide: settings.size)
        let styleSide = Int((Float(settings.size) * settings.styleScale).rounded())
        let styles = try settings.stylePaths.map { try ImageFile.read(path: $0).resized(longestSide: styleSide) }
        let pixels = content.preprocessed()
        return PreparedImages(
            content: .init(pixels: pixels, height: content.height, width: content.width),
            styles: styles.map { .init(pixels: $0.preprocessed(), height: $0.height, width: $0.width) },
            initial: pixels)
    }
}
