/// The spec's pixel conventions (§ Pixels): VGG19 takes BGR, mean-subtracted, on 0–255.
public enum PixelConvention {
    /// Means of the B, G and R channels of ImageNet, on the 0–255 scale.
    public static let bgrMean: [Float] = [103.939, 116.779, 123.68]
}

extension RGBImage {
    /// [3×H×W] planar floats: channel 0 = B, 1 = G, 2 = R, each minus its mean.
    public func preprocessed() -> [Float] {
        let planeSize = width * height
        var planes = [Float](repeating: 0, count: 3 * planeSize)
        for index in 0..<planeSize {
            for bgr in 0..<3 {
                planes[bgr * planeSize + index] = Float(pixels[index * 3 + (2 - bgr)]) - PixelConvention.bgrMean[bgr]
            }
        }
        return planes
    }

    /// The inverse of `preprocessed()`: mean added back, BGR → RGB, rounded and clamped to 0–255.
    public init(deprocessing planes: [Float], width: Int, height: Int) {
        let planeSize = width * height
        precondition(planes.count == 3 * planeSize)
        var pixels = [UInt8](repeating: 0, count: 3 * planeSize)
        for index in 0..<planeSize {
            for bgr in 0..<3 {
                let value = planes[bgr * planeSize + index] + PixelConvention.bgrMean[bgr]
                // NaN clamps to 0 rather than trapping in the conversion.
                pixels[index * 3 + (2 - bgr)] = value.isNaN ? 0 : UInt8(max(0, min(255, value.rounded())))
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
