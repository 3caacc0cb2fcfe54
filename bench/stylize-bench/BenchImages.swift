import StyleEngine

/// The tensors one bench size starts from, fed alike to the engine and the PyTorch peer:
/// the content (also the initial image) and the styles at their sizes, with blend weights.
struct BenchImages {
    /// The content at the bench size, as pixels (what quality is measured against).
    let contentImage: RGBImage
    let content: PreparedImage
    let styles: [PreparedImage]
    let blendWeights: [Float]

    /// The bench's job at `size`: the sample content (astronaut) in the style of ihc from
    /// `samples`, the spec's defaults, `iterations` iterations, and its prepared images.
    static func samples(_ samples: String, size: Int, iterations: Int) throws -> (StylizeSettings, BenchImages) {
        var settings = StylizeSettings(
            contentPath: samples + "/astronaut.png", stylePaths: [samples + "/ihc.png"], outputPath: "")
        settings.size = size
        settings.iterations = iterations
        let inputs = try StyleInputs.load(settings: settings)
        let content = inputs.content.resized(longestSide: size)
        let styleSide = settings.transfer.styleSide(forSize: size)
        return (
            settings,
            BenchImages(
                contentImage: content, content: PreparedImage(content),
                styles: inputs.styles.map { PreparedImage($0.resized(longestSide: styleSide)) },
                blendWeights: StyleSource(images: inputs.styles, layers: []).blendWeights)
        )
    }
}
