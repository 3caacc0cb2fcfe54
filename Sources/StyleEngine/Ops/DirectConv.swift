import CLRuntime

/// 3×3 convolution computed directly by kernels/conv_direct.cl: the default on CPU devices,
/// where it needs neither an im2col matrix nor Winograd's transforms.
///
/// Shapes: input [C×H×W] → output [K×H×W], filter in panels of `panelRows` output channels
/// (`pack`). The backward to the input is the same call with the flipped filter (K → C).
enum DirectConv {
    /// Output channels per work-item (DIRECT_MR).
    static let panelRows = 12
    static var buildOptions: String { "-DDIRECT_MR=\(panelRows)" }

    static func applies(_ library: KernelLibrary) -> Bool { library.convolution == .direct }

    /// Values of a packed filter with `rows` output channels and `cols` input channels.
    static func packedCount(rows: Int, cols: Int) -> Int {
        (rows + panelRows - 1) / panelRows * panelRows * cols * 9
    }

    /// Floats of scratch an FP16 layer's panels take as floats (either direction).
    static func scratchCount(_ layer: DeviceConvLayer) -> Int {
        max(
            packedCount(rows: layer.outChannels, cols: layer.inChannels),
            packedCount(rows: layer.inChannels, cols: layer.outChannels))
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

    /// output = conv(input) with a packed filter (+ bias, then ReLU when asked).
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

    /// The layer's forward: output[K×H×W] = conv(input) + bias (ReLU when `relu`).
    static func forward(
        library: KernelLibrary, layer: DeviceConvLayer, input: StoredBuffer, height: Int, width: Int,
        output: StoredBuffer, scratch: ConvScratch, relu: Bool
    ) throws {
        let panels = try floatPanels(layer.directPanels?.forward, library: library, scratch: scratch)
        try convolve(
            library: library, panels: panels, inChannels: layer.inChannels, outChannels: layer.outChannels,
            height: height, width: width, input: input, output: output, bias: layer.bias, relu: relu)
    }

    /// The layer's backward to its input: gradInput[C×H×W] from gradOutput[K×H×W].
    static func backwardInput(
        library: KernelLibrary, layer: DeviceConvLayer, gradOutput: Buffer<Float>, height: Int, width: Int,
        gradInput: Buffer<Float>, scratch: ConvScratch
    ) throws {
        let panels = try floatPanels(layer.directPanels?.backward, library: library, scratch: scratch)
        try convolve(
            library: library, panels: panels, inChannels: layer.outChannels, outChannels: layer.inChannels,
            height: height, width: width, input: .float(gradOutput), output: .float(gradInput), bias: nil, relu: false)
    }

    /// The panels as floats: themselves in FP32; converted into the weight scratch in FP16.
    static func floatPanels(_ panels: StoredBuffer?, library: KernelLibrary, scratch: ConvScratch) throws
        -> Buffer<Float>
    {
        guard let panels else { preconditionFailure("the layer was made by a library that does not convolve directly") }
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
