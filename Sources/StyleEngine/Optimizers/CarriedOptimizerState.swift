/// An optimizer's per-pixel state handed from one scale to the next.
public struct CarriedOptimizerState: Sendable {
    /// Tensors [3×H×W] (Adam: first and second moments).
    public var tensors: [PreparedImage]
    public var step: Int

    public init(tensors: [PreparedImage], step: Int) {
        self.tensors = tensors
        self.step = step
    }

    /// Every tensor resampled (bicubic) to width × height; `nonNegative` tensors (second
    /// moments) are clamped at 0, which cubic overshoot could cross.
    public func resampled(width: Int, height: Int, nonNegative: Set<Int> = []) -> CarriedOptimizerState {
        CarriedOptimizerState(
            tensors: tensors.enumerated().map { index, tensor in
                let resized = tensor.resizedBicubic(width: width, height: height)
                guard nonNegative.contains(index) else { return resized }
                return PreparedImage(pixels: resized.pixels.map { max(0, $0) }, height: height, width: width)
            }, step: step)
    }
}
