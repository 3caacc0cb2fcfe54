extension RGBImage {
    /// This image's colours with `stylized`'s luminance: Y of `stylized`, I and Q of self
    /// (YIQ, NTSC/BT.601 weights), the luminance-only transfer of "original colors".
    public func withLuminance(of stylized: RGBImage) -> RGBImage {
        precondition(width == stylized.width && height == stylized.height, "sizes differ")
        var output = [UInt8](repeating: 0, count: pixels.count)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            let y = Self.yiq(stylized.pixels, index).y
            let (_, i, q) = Self.yiq(pixels, index)
            let rgb = [y + 0.9563 * i + 0.6210 * q, y - 0.2721 * i - 0.6474 * q, y - 1.1070 * i + 1.7046 * q]
            for c in 0..<3 { output[index + c] = UInt8(max(0, min(255, rgb[c].rounded()))) }
        }
        return RGBImage(width: width, height: height, pixels: output)
    }

    static func yiq(_ pixels: [UInt8], _ index: Int) -> (y: Float, i: Float, q: Float) {
        let (r, g, b) = (Float(pixels[index]), Float(pixels[index + 1]), Float(pixels[index + 2]))
        return (
            0.299 * r + 0.587 * g + 0.114 * b, 0.5959 * r - 0.2746 * g - 0.3213 * b, 0.2115 * r - 0.5227 * g + 0.3112 * b
        )
    }
}
