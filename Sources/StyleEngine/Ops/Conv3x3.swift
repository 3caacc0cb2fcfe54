import CLRuntime

/// One 3×3 convolution layer on the device (stride 1, zero padding 1), with fixed weights.
public final class DeviceConvLayer: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// K × C·9, row-major (PyTorch's K×C×3×3).
    public let weights: Buffer<Float>
    /// C × K·9: the transposed, flipped filter of the backward-to-input convolution.
    public let flippedWeights: Buffer<Float>
    public let bias: Buffer<Float>

    public init(library: KernelLibrary, inChannels: Int, outChannels: Int, weights: Buffer<Float>, bias: Buffer<Float>)
        throws
    {
        precondition(weights.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weights = weights
        self.bias = bias
        self.flippedWeights = try library.gpu.buffer(Float.self, count: weights.count)
        try library.kernel("conv3x3", "flip_transpose_3x3").enqueue(
            on: library.queue, global: [weights.count], outChannels, inChannels, weights, flippedWeights)
    }

    /// A layer from host arrays (tests, and weights that come as floats).
    public convenience init(library: KernelLibrary, inChannels: Int, outChannels: Int, weights: [Float], bias: [Float])
        throws
    {
        try self.init(
            library: library, inChannels: inChannels, outChannels: outChannels,
            weights: library.gpu.buffer(weights), bias: library.gpu.buffer(bias))
    }
}

/// 3×3 convolution as im2col + GEMM, processed in bands of rows so that the im2col
/// scratch never exceeds `scratch.count` floats, whatever the image size.
public enum Conv3x3 {
    /// Rows per band such that C·9 × rows·W floats fit in `scratchCount`.
    static func bandRows(channels: Int, height: Int, width: Int, scratchCount: Int) -> Int {
        max(1, min(height, scratchCount / (channels * 9 * width)))
    }

    /// Smallest scratch (floats) that lets a layer of `channels` inputs run at width `width`.
    public static func minimumScratch(channels: Int, width: Int) -> Int { channels * 9 * width }

    /// output[K×H×W] = conv(input[C×H×W]) + bias, then ReLU when `relu` is set.
    public static func forward(
        library: KernelLibrary, layer: DeviceConvLayer, input: Buffer<Float>, height: Int, width: Int,
        output: Buffer<Float>, scratch: Buffer<Float>, relu: Bool
    ) throws {
        try convolve(
            library: library, filter: layer.weights, inChannels: layer.inChannels, outChannels: layer.outChannels,
            input: input, height: height, width: width, output: output, scratch: scratch)
        let positions = height * width
        try library.kernel("relu", relu ? "bias_relu_forward" : "bias_forward").enqueue(
            on: library.queue, global: [positions, layer.outChannels], layer.outChannels, positions, layer.bias, output)
    }

    /// gradInput[C×H×W] = ∂L/∂input given gradOutput[K×H×W] = ∂L/∂output (weights fixed).
    public static func backwardInput(
        library: KernelLibrary, layer: DeviceConvLayer, gradOutput: Buffer<Float>, height: Int, width: Int,
        gradInput: Buffer<Float>, scratch: Buffer<Float>
    ) throws {
        try convolve(
            library: library, filter: layer.flippedWeights, inChannels: layer.outChannels,
            outChannels: layer.inChannels, input: gradOutput, height: height, width: width, output: gradInput,
            scratch: scratch)
    }

    /// output[O×H×W] = filter[O × I·9] · im2col(input[I×H×W]), band by band.
    static func convolve(
        library: KernelLibrary, filter: Buffer<Float>, inChannels: Int, outChannels: Int, input: Buffer<Float>,
        height: Int, width: Int, output: Buffer<Float>, scratch: Buffer<Float>
    ) throws {
        let rowsPerBand = bandRows(channels: inChannels, height: height, width: width, scratchCount: scratch.count)
        let im2col = try library.kernel("conv3x3", "im2col_3x3")
        var row0 = 0
        while row0 < height {
            let rows = min(rowsPerBand, height - row0)
            let positions = rows * width
            try im2col.enqueue(
                on: library.queue, global: [positions, inChannels * 9],
                inChannels, height, width, row0, rows, input, scratch)
            try GEMM.sgemm(
                queue: library.queue, m: outChannels, n: positions, k: inChannels * 9,
                a: filter, b: scratch, ldb: positions, c: output, cOffset: row0 * width, ldc: height * width)
            row0 += rows
        }
    }
}
