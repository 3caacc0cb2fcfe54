import CLRuntime

/// 3×3 convolution computed directly by kernels/conv_direct.cl: the default on CPU devices,
/// where it needs neither an im2col matrix nor Winograd's transforms.
///
/// Shapes: input [C×H×W] → output [K×H×W], filter in panels of `panelRows` output channels
/// (`pack`). The backward to the input is the same kernel with the flipped filter (K → C).
/// Both filters are packed once, in the storage precision; FP16 runs convert one layer's to
/// float weight scratch per call. No band scratch.
final class DirectConvolution: ConvolutionMethod, @unchecked Sendable {
    /// Output channels per work-item (DIRECT_MR).
    static let panelRows = 12
    static var buildOptions: String { "-DDIRECT_MR=\(panelRows)" }

    let shape: ConvolutionShape
    let bias: Buffer<Float>
    /// The filter K × C·9 and the transposed, flipped filter C × K·9 of the backward to the
    /// input, each in panels (`pack`), in the storage precision.
    let forwardPanels: StoredBuffer
    let backwardPanels: StoredBuffer

    init(shape: ConvolutionShape, weights: StoredBuffer, bias: Buffer<Float>, library: KernelLibrary) throws {
        self.shape = shape
        self.bias = bias
        let (inChannels, outChannels) = (shape.inChannels, shape.outChannels)
        forwardPanels = try StoredBuffer.allocate(
            library: library, count: Self.packedCount(rows: outChannels, cols: inChannels))
        backwardPanels = try StoredBuffer.allocate(
            library: library, count: Self.packedCount(rows: inChannels, cols: outChannels))
        for (panels, flip) in [(forwardPanels, false), (backwardPanels, true)] {
            try Self.pack(
                library: library, weights: weights, outChannels: outChannels, inChannels: inChannels, flip: flip,
                into: panels)
        }
    }

    /// Values of a packed filter with `rows` output channels and `cols` input channels.
    static func packedCount(rows: Int, cols: Int) -> Int {
        (rows + panelRows - 1) / panelRows * panelRows * cols * 9
    }

    /// Packs stored weights [K][C][3][3]: the filter itself, or (`flip`) the transposed,
    /// flipped filter of the backward-to-input convolution.
    static func pack(
        library: KernelLibrary, weights: StoredBuffer, outChannels: Int, inChannels: Int, flip: Bool,
        into panels: StoredBuffer
    ) throws {
        try library.kernel("conv_direct", "pack_direct").enqueue(
            on: library.queue, global: [9, inChannels, outChannels], outChannels, inChannels, flip ? 1 : 0, weights, panels)
    }

    /// output = conv(input) with a packed filter (+ bias, then ReLU when asked); overwrites output.
    static func convolve(
        library: KernelLibrary, panels: Buffer<Float>, inChannels: Int, outChannels: Int, height: Int, width: Int,
        input: StoredBuffer, output: StoredBuffer, bias: Buffer<Float>?, relu: Bool
    ) throws {
        let name =
            switch (input, output) {
            case (.float, .float): "conv_direct"
            case (.half, .half): "conv_direct_stored"
            case (.float, .half): "conv_direct_to_stored"
            case (.half, .float): preconditionFailure("half input into a float output is not a pass of the network")
            }
        try library.kernel("conv_direct", name).enqueue(
            on: library.queue,
            global: [(outChannels + panelRows - 1) / panelRows, (width + 15) / 16, height], local: [1, 1, 1],
            inChannels, height, width, outChannels, input, panels, bias == nil ? 0 : 1, bias ?? output, relu ? 1 : 0,
            output)
    }

    func forward(
        library: KernelLibrary, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        scratch: ConvScratch, relu: Bool
    ) throws {
        let panels = try floatPanels(forwardPanels, library: library, scratch: scratch)
        try Self.convolve(
            library: library, panels: panels, inChannels: shape.inChannels, outChannels: shape.outChannels,
            height: height, width: width, input: input, output: output, bias: bias, relu: relu)
    }

    func backwardInput(
        library: KernelLibrary, gradOutput: Buffer<Float>, height: Int, width: Int, gradInput: Buffer<Float>,
        scratch: ConvScratch
    ) throws {
        let panels = try floatPanels(backwardPanels, library: library, scratch: scratch)
        try Self.convolve(
            library: library, panels: panels, inChannels: shape.outChannels, outChannels: shape.inChannels,
            height: height, width: width, input: .float(gradOutput), output: .float(gradInput), bias: nil, relu: false)
    }

    func columns(height: Int, width: Int, library: KernelLibrary) -> (whole: Int, minimum: Int) { (0, 0) }

    /// FP16 runs: one direction's panels as floats.
    func scratch(height: Int, width: Int, columns: Int, library: KernelLibrary) -> ConvScratch.Needs {
        guard library.precision == .fp16 else { return ConvScratch.Needs() }
        return ConvScratch.Needs(weights: max(forwardPanels.count, backwardPanels.count))
    }

    /// Both packed filters in the storage precision; FP16 runs convert one layer's to floats.
    static func estimate(shape: ConvolutionShape, positions: Int, precisionBytes: Int, scratchLimit: Int)
        -> MemoryPlan.ConvolutionEstimate
    {
        let weights = shape.outChannels * shape.inChannels * 9
        return MemoryPlan.ConvolutionEstimate(
            bandFloats: 0, weightScratchFloats: precisionBytes == 4 ? 0 : weights,
            preparedBytes: 2 * weights * precisionBytes, keepsStoredWeights: false)
    }

    /// The panels as floats: themselves in FP32; converted into the weight scratch in FP16.
    private func floatPanels(_ panels: StoredBuffer, library: KernelLibrary, scratch: ConvScratch) throws
        -> Buffer<Float>
    {
        switch panels {
        case .float(let buffer): return buffer
        case .half:
            guard let floats = scratch.weights, floats.count >= panels.count else {
                preconditionFailure("an FP16 direct convolution needs weight scratch")
            }
            try panels.copyAsFloats(to: floats, count: panels.count, library: library)
            return floats
        }
    }
}
