extension RGBImage {
    /// The image scaled so its longest side is `longestSide` (aspect kept, each side ≥ 1);
    /// itself, unresampled, when that side already has that length.
    public func resized(longestSide: Int) -> RGBImage {
        if max(width, height) == longestSide { return self }
        let scale = Double(longestSide) / Double(max(width, height))
        return resized(
            width: max(1, Int((Double(width) * scale).rounded())), height: max(1, Int((Double(height) * scale).rounded())))
    }

    /// The image resampled to exactly width × height: each output pixel is the area average of
    /// the source pixels it covers (a box filter, alias-free when shrinking) and a bilinear
    /// interpolation when enlarging. Deterministic, separable.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        if newWidth == width && newHeight == height { return self }
        let horizontal = Self.weights(from: width, to: newWidth)
        let vertical = Self.weights(from: height, to: newHeight)
        // Rows first, into floats, then columns.
        var rows = [Float](repeating: 0, count: newWidth * height * 3)
        for y in 0..<height {
            for x in 0..<newWidth {
                for (source, weight) in horizontal[x] {
                    let from = (y * width + source) * 3, to = (y * newWidth + x) * 3
                    for c in 0..<3 { rows[to + c] += weight * Float(pixels[from + c]) }
                }
            }
        }
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        for y in 0..<newHeight {
            for x in 0..<newWidth {
                var sums: [Float] = [0, 0, 0]
                for (source, weight) in vertical[y] {
                    let from = (source * newWidth + x) * 3
                    for c in 0..<3 { sums[c] += weight * rows[from + c] }
                }
                for c in 0..<3 { output[(y * newWidth + x) * 3 + c] = UInt8(max(0, min(255, sums[c].rounded()))) }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: output)
    }

    /// For each output index along one axis: the source indices and weights (summing to 1).
    static func weights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            if scale > 1 {
                // Shrinking: average the source interval [index·scale, (index+1)·scale).
                let start = Double(index) * scale, end = start + scale
                var taps: [(Int, Float)] = []
                var position = Int(start)
                while Double(position) < end && position < source {
                    let overlap = min(end, Double(position + 1)) - max(start, Double(position))
                    if overlap > 0 { taps.append((position, Float(overlap / scale))) }
                    position += 1
                }
                return taps
            }
            // Enlarging: linear interpolation between the two nearest source centres.
            let centre = (Double(index) + 0.5) * scale - 0.5
            let left = max(0, min(source - 1, Int(centre.rounded(.down))))
            let right = min(source - 1, left + 1)
            let fraction = Float(max(0, min(1, centre - Double(left))))
            return left == right ? [(left, Float(1))] : [(left, 1 - fraction), (right, fraction)]
        }
    }
}
