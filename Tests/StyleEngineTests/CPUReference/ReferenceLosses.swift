/// The spec's loss terms (shared/spec/losses.md § Losses) with their gradients, in Double.
enum ReferenceLosses {
    /// w · mean((F − P)²); gradient 2w(F − P)/n.
    static func content(_ features: [Double], target: [Double], weight: Double) -> (loss: Double, gradient: [Double]) {
        let n = Double(features.count)
        let differences = zip(features, target).map { $0 - $1 }
        return (weight * differences.reduce(0) { $0 + $1 * $1 } / n, differences.map { 2 * weight * $0 / n })
    }

    /// w · mean((G − A)²) over C²; gradient with respect to G.
    static func style(_ gram: [Double], target: [Double], weight: Double) -> (loss: Double, gradient: [Double]) {
        content(gram, target: target, weight: weight)
    }

    /// w · ½ · (Σ horizontal differences² + Σ vertical differences²) and its gradient.
    static func totalVariation(_ image: [Double], channels: Int, height: Int, width: Int, weight: Double)
        -> (loss: Double, gradient: [Double])
    {
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: image.count)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let i = (c * height + y) * width + x
                    if x + 1 < width {
                        let d = image[i + 1] - image[i]
                        loss += d * d
                        gradient[i + 1] += weight * d
                        gradient[i] -= weight * d
                    }
                    if y + 1 < height {
                        let d = image[i + width] - image[i]
                        loss += d * d
                        gradient[i + width] += weight * d
                        gradient[i] -= weight * d
                    }
                }
            }
        }
        return (weight / 2 * loss, gradient)
    }
}
