import CLRuntime

/// 3×3 convolution (stride 1, padding 1) by Winograd F(4×4, 3×3) (`WinogradF4`, shared with
/// the fast models): 4× fewer multiplies than a direct convolution, the transforms in chunks of
/// tile rows that stay in a CPU's cache.
///
/// Shapes: input [C×H×W] → V [36 × C × chunk] (`columns`) → M [36 × K × chunk] (`products`) →
/// output [K×H×W]; U [36 × K × C] is the filter transformed on each call into the weight
/// scratch (nothing is prepared). The backward to the input is the same with the transposed,
/// flipped filter (K → C).
final class WinogradF4Convolution: ConvolutionMethod, @unchecked Sendable {
    let shape: ConvolutionShape
    /// K × C·9 in the storage precision, transformed per call.
    let weights: StoredBuffer
    let bias: Buffer<Float>

    init(shape: ConvolutionShape, weights: StoredBuffer, bias: Buffer<Float>, library: KernelLibrary) throws {
        self.shape = shape
        self.weights = weights
        self.bias = bias
    }

    /// The forward's (C → K) or the backward to the input's (K → C) geometry at H × W.
    func geometry(flip: Bool, height: Int, width: Int) -> WinogradF4.Geometry {
        WinogradF4.Geometry(
            channels: flip ? shape.outChannels : shape.inChannels, outChannels: flip ? shape.inChannels : shape.outChannels,
            inHeight: height, inWidth: width, pad: 1)
    }

    func forward(
        library: KernelLibrary, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        scratch: ConvScratch, relu: Bool
    ) throws {
        try convolve(
            library: library, flip: false, input: input, height: height, width: width, output: output, relu: relu,
            scratch: scratch)
    }

    func backwardInput(
        library: KernelLibrary, gradOutput: Buffer<Float>, height: Int, width: Int, gradInput: Buffer<Float>,
        scratch: ConvScratch
    ) throws {
        try convolve(
            library: library, flip: true, input: .float(gradOutput), height: height, width: width,
            output: .float(gradInput), relu: false, scratch: scratch)
    }

    /// V of either direction (its chunk holds the same tiles both ways).
    func columns(height: Int, width: Int, library: KernelLibrary) -> (whole: Int, minimum: Int) {
        let count = [false, true].map { geometry(flip: $0, height: height, width: width).transformedCount }.max()!
        return (count, count)
    }

    /// U and M of either direction.
    func scratch(height: Int, width: Int, columns: Int, library: KernelLibrary) -> ConvScratch.Needs {
        let both = [false, true].map { geometry(flip: $0, height: height, width: width) }
        return ConvScratch.Needs(weights: both.map(\.filterCount).max()!, products: both.map(\.productCount).max()!)
    }

    /// V and M of a chunk (at most `WinogradF4.chunkBytes`, or one tile row of the image when
    /// that is more), and one layer's transformed filter.
    static func estimate(shape: ConvolutionShape, positions: Int, precisionBytes: Int, scratchLimit: Int)
        -> MemoryPlan.ConvolutionEstimate
    {
        let side = Int(Double(positions).squareRoot().rounded(.up))
        let tileRow = 36 * (shape.inChannels + shape.outChannels) * ((side + 3) / 4 + 8)
        return MemoryPlan.ConvolutionEstimate(
            bandFloats: max(WinogradF4.chunkBytes / MemoryLayout<Float>.stride, tileRow),
            weightScratchFloats: 36 * (shape.outChannels + WinogradF4.largestChannelBlock) * shape.inChannels,
            preparedBytes: 0)
    }

    private func convolve(
        library: KernelLibrary, flip: Bool, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        relu: Bool, scratch: ConvScratch
    ) throws {
        guard let filter = scratch.weights, let products = scratch.products else {
            preconditionFailure("a Winograd F(4×4, 3×3) convolution needs weight and product scratch")
        }
        try WinogradF4.convolve(
            library: library, geometry: geometry(flip: flip, height: height, width: width), input: input,
            weights: weights, flip: flip, bias: flip ? nil : bias, relu: relu, output: output, filter: .init(filter),
            transformed: .init(scratch.columns), products: .init(products))
    }
}
