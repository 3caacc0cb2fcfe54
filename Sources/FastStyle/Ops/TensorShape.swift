/// The shape of an activation or gradient: `images` × `channels` × `height` × `width`,
/// row-major (N×C×H×W) in one buffer, as PyTorch lays out a batch.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var images: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(images: Int = 1, channels: Int, height: Int, width: Int) {
        precondition(images > 0 && channels > 0 && height > 0 && width > 0, "empty tensor shape")
        self.images = images
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Values per channel of one image.
    public var positions: Int { height * width }
    /// (image, channel) planes.
    public var planes: Int { images * channels }
    /// Values in all.
    public var count: Int { planes * positions }

    public var description: String { "\(images)×\(channels)×\(height)×\(width)" }
}
