import CLRuntime
import StyleEngine

/// A transform network applied to pixels: an 8-bit RGB photo in, the stylized photo out, the
/// same size. Pixels go in as pytorch/examples' `stylize` gives them (RGB, 0–255, no mean
/// taken off); the result is clamped to 0–255 and rounded (theirs truncates). The network's
/// output is a multiple of 4 on each side; a photo that is not is cropped back to its size.
public struct StyleApplier {
    public let network: TransformerNetwork

    public init(network: TransformerNetwork) {
        self.network = network
    }

    /// `image` stylized with the selected style (weights as `TransformerModel.styleWeights` gives).
    public func apply(_ image: RGBImage, style: StyleSelection = .style(0)) throws -> RGBImage {
        let library = network.library
        let (height, width) = (image.height, image.width)
        let planes = Self.planar(image)
        let outputShape = network.outputShape(height: height, width: width)
        let input = try library.gpu.buffer(planes)
        let output = try library.gpu.buffer(Float.self, count: outputShape.count)
        try network.forward(image: input, height: height, width: width, output: output, style: style)
        let values = try output.download(queue: library.queue)
        return Self.interleaved(values, planeHeight: outputShape.height, planeWidth: outputShape.width, height: height, width: width)
    }

    /// RGB bytes → 3 planes of floats on 0–255.
    static func planar(_ image: RGBImage) -> [Float] {
        let count = image.width * image.height
        var planes = [Float](repeating: 0, count: 3 * count)
        for index in 0..<count {
            for channel in 0..<3 { planes[channel * count + index] = Float(image.pixels[index * 3 + channel]) }
        }
        return planes
    }

    /// 3 planes of planeHeight × planeWidth → the top-left height × width as RGB bytes, each
    /// value clamped to 0–255 and rounded.
    static func interleaved(_ planes: [Float], planeHeight: Int, planeWidth: Int, height: Int, width: Int) -> RGBImage {
        let plane = planeHeight * planeWidth
        var pixels = [UInt8](repeating: 0, count: 3 * height * width)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<3 {
                    let value = planes[channel * plane + y * planeWidth + x]
                    pixels[(y * width + x) * 3 + channel] = UInt8(min(255, max(0, value)).rounded())
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
