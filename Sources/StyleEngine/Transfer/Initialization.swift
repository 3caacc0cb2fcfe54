/// The image a run's optimization starts from (at its first scale).
public enum Initialization: Sendable, Equatable {
    /// The content image itself.
    case content
    /// Normal noise with standard deviation `randomSigma` on the 0–255 preprocessed scale.
    case random(seed: UInt64)
    /// This image, resized to the first scale's size.
    case image(RGBImage)

    /// σ of random initialisation. neural-style's 0.001 rounds to a flat grey image; 1 gives
    /// visible grain, so the seed shapes the result.
    public static let randomSigma: Float = 1

    /// The starting tensor [3×H×W] for a content image already at the scale's size.
    func prepared(content: RGBImage) -> PreparedImage {
        let (width, height) = (content.width, content.height)
        switch self {
        case .content:
            return PreparedImage(content)
        case .random(let seed):
            var generator = NormalGenerator(seed: seed)
            return PreparedImage(
                pixels: (0..<(3 * height * width)).map { _ in generator.next() * Self.randomSigma }, height: height,
                width: width)
        case .image(let image):
            return PreparedImage(image.resized(width: width, height: height))
        }
    }
}
