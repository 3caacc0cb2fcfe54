import Foundation

/// An optimizer's per-pixel state handed from one scale to the next.
public struct CarriedOptimizerState: Sendable {
    /// Tensors [3×H×W] (Adam: first and second moments).
    public var tensors: [PreparedImage]
    /// Tensor i scales like the gradient to the power `gradientPowers[i]` (Adam: 1 and 2).
    public var gradientPowers: [Int]
    public var step: Int

    public init(tensors: [PreparedImage], gradientPowers: [Int], step: Int) {
        precondition(tensors.count == gradientPowers.count)
        self.tensors = tensors
        self.gradientPowers = gradientPowers
        self.step = step
    }

    /// Every tensor resampled (bicubic) to width × height and brought to the new size's
    /// gradient scale: the content and style losses are means over positions, so a pixel's
    /// gradient scales as 1 / pixels, and a tensor of gradient power p is multiplied by
    /// (old pixels / new pixels)ᵖ. Tensors of even power (second moments) are clamped at 0,
    /// which cubic overshoot could cross.
    public func resampled(width: Int, height: Int) -> CarriedOptimizerState {
        CarriedOptimizerState(
            tensors: zip(tensors, gradientPowers).map { tensor, power in
                let ratio = Float(tensor.width * tensor.height) / Float(width * height)
                let factor = Float(pow(Double(ratio), Double(power)))
                let resized = tensor.resizedBicubic(width: width, height: height)
                let pixels = resized.pixels.map { power % 2 == 0 ? max(0, $0 * factor) : $0 * factor }
                return PreparedImage(pixels: pixels, height: height, width: width)
            }, gradientPowers: gradientPowers, step: step)
    }
}
