/// An image as VGG19 takes it: [3×H×W] planar floats, BGR minus the mean (spec § Pixels).
public struct PreparedImage: Sendable, Equatable {
    public let pixels: [Float]
    public let height: Int
    public let width: Int

    public init(pixels: [Float], height: Int, width: Int) {
        precondition(pixels.count == 3 * height * width)
        self.pixels = pixels
        self.height = height
        self.width = width
    }

    public init(_ image: RGBImage) {
        self.init(pixels: image.preprocessed(), height: image.height, width: image.width)
    }
}
