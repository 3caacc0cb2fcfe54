extension PreparedImage {
    /// The tensor resampled to width × height by bicubic interpolation (Keys, a = −0.5, edges
    /// clamped), separably: rows, then columns. Coarse-to-fine runs start each scale from the
    /// previous result resampled this way, unrounded and unclamped.
    public func resizedBicubic(width newWidth: Int, height newHeight: Int) -> PreparedImage {
        if newWidth == width && newHeight == height { return self }
        let horizontal = Self.bicubicTaps(from: width, to: newWidth)
        let vertical = Self.bicubicTaps(from: height, to: newHeight)
        var output = [Float](repeating: 0, count: 3 * newHeight * newWidth)
        var rows = [Float](repeating: 0, count: height * newWidth)
        for channel in 0..<3 {
            let plane = channel * height * width
            for y in 0..<height {
                for x in 0..<newWidth {
                    var sum: Float = 0
                    for (source, weight) in horizontal[x] { sum += weight * pixels[plane + y * width + source] }
                    rows[y * newWidth + x] = sum
                }
            }
            let outPlane = channel * newHeight * newWidth
            for y in 0..<newHeight {
                for x in 0..<newWidth {
                    var sum: Float = 0
                    for (source, weight) in vertical[y] { sum += weight * rows[source * newWidth + x] }
                    output[outPlane + y * newWidth + x] = sum
                }
            }
        }
        return PreparedImage(pixels: output, height: newHeight, width: newWidth)
    }

    /// Keys' cubic convolution kernel with a = −0.5 (Catmull–Rom).
    static func cubic(_ t: Double) -> Double {
        let x = abs(t)
        if x <= 1 { return (1.5 * x - 2.5) * x * x + 1 }
        if x < 2 { return ((-0.5 * x + 2.5) * x - 4) * x + 2 }
        return 0
    }

    /// For each output index along one axis: four source indices (clamped) and weights that
    /// sum to 1, sampling at pixel centres. When shrinking, the kernel widens by the ratio
    /// (antialiased), as image libraries do.
    static func bicubicTaps(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        let support = max(1, scale)
        return (0..<target).map { index in
            let centre = (Double(index) + 0.5) * scale - 0.5
            let first = Int((centre - 2 * support).rounded(.up))
            let last = Int((centre + 2 * support).rounded(.down))
            var taps: [(Int, Double)] = []
            for position in first...last {
                let weight = cubic((Double(position) - centre) / support)
                if weight != 0 { taps.append((min(source - 1, max(0, position)), weight)) }
            }
            let total = taps.reduce(0) { $0 + $1.1 }
            return taps.map { ($0.0, Float($0.1 / total)) }
        }
    }
}
