import Foundation
import StyleEngine

/// SSIM of two 8-bit RGB images in Double, written from the definition (Wang et al. 2004,
/// MATLAB ssim_index) with nothing shared with the device code: luminance
/// 0.299 R + 0.587 G + 0.114 B, a normalised 11×11 Gaussian window (σ = 1.5) built in 2-D,
/// E[x²] − μ² style moments over each valid window, the mean of the map.
enum ReferenceSSIM {
    static func luminance(_ image: RGBImage) -> [Double] {
        (0..<image.width * image.height).map { (i: Int) -> Double in
            let r = Double(image.pixels[3 * i]), g = Double(image.pixels[3 * i + 1]), b = Double(image.pixels[3 * i + 2])
            return 0.299 * r + 0.587 * g + 0.114 * b
        }
    }

    /// The 11×11 window, row-major, summing to 1.
    static func window(size: Int = 11, sigma: Double = 1.5) -> [Double] {
        var weights = [Double](repeating: 0, count: size * size)
        let centre = Double(size - 1) / 2
        for i in 0..<size {
            for j in 0..<size {
                let di = Double(i) - centre, dj = Double(j) - centre
                weights[i * size + j] = exp(-(di * di + dj * dj) / (2 * sigma * sigma))
            }
        }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// The SSIM map over valid positions, (height − 10) × (width − 10), row-major.
    static func map(_ a: RGBImage, _ b: RGBImage) -> [Double] {
        precondition(a.width == b.width && a.height == b.height && a.width >= 11 && a.height >= 11)
        let x = luminance(a), y = luminance(b)
        let w = window()
        let c1 = (0.01 * 255.0) * (0.01 * 255.0), c2 = (0.03 * 255.0) * (0.03 * 255.0)
        let width = a.width
        var result: [Double] = []
        for row in 0...(a.height - 11) {
            for col in 0...(a.width - 11) {
                var mx = 0.0, my = 0.0, exx = 0.0, eyy = 0.0, exy = 0.0
                for i in 0..<11 {
                    for j in 0..<11 {
                        let weight = w[i * 11 + j]
                        let xv = x[(row + i) * width + col + j], yv = y[(row + i) * width + col + j]
                        mx += weight * xv
                        my += weight * yv
                        exx += weight * xv * xv
                        eyy += weight * yv * yv
                        exy += weight * xv * yv
                    }
                }
                let vx = exx - mx * mx, vy = eyy - my * my, cxy = exy - mx * my
                result.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2)))
            }
        }
        return result
    }

    static func mean(_ a: RGBImage, _ b: RGBImage) -> Double {
        let values = map(a, b)
        return values.reduce(0, +) / Double(values.count)
    }
}
