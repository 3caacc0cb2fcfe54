import CLRuntime
import StyleEngine

/// k×k convolution with stride s over an already padded input (kernels/fast_conv.cl), on N
/// images in one buffer, and its backward to the input, the weights and the bias.
///
/// Shapes: `StridedConvShape` (input N×C×Hin×Win → output N×K×Ho×Wo); weights [K][C][k][k]
/// and bias [K] as `ParameterSlice`s, float. Activations are in the library's storage (half
/// for FP16 apply); gradients float. The backward to the input OVERWRITES; the backward to
/// the weights and bias ADDS, so that images and batches accumulate (zero them first).
/// `tuning`: the forward's blocking (nil: `StridedConvTuning.default(for: shape)`); the
/// backward to the weights is built in the same program, with its own blocking; the backward
/// to the input is itself a forward convolution (`StridedConvShape.transposed`).
public enum StridedConvolution {
    /// output = conv(input) + bias (no bias: nil), OVERWRITING output. With half storage, a
    /// float input (the image) or a float output (the last layer's image) are taken too.
    /// `workspace` from `workspaceOffset` on: at least `shape.forwardWorkspaceCount` floats
    /// (overwritten) where the tuning is Winograd's; else unused.
    public static func forward(
        library: KernelLibrary, shape: StridedConvShape, input: StoredBuffer, weights: ParameterSlice,
        bias: ParameterSlice?, output: StoredBuffer, tuning: StridedConvTuning? = nil, workspace: Buffer<Float>? = nil,
        workspaceOffset: Int = 0
    ) throws {
        let tuning = tuning ?? .default(for: shape)
        input.requireCount(shape.input.count, "convolution input")
        output.requireCount(shape.output.count, "convolution output")
        precondition(weights.count == shape.weightCount, "weights: \(weights.count) for \(shape)")
        precondition(bias.map { $0.count == shape.outChannels } ?? true, "bias count for \(shape)")
        if input.isHalf || output.isHalf { precondition(library.precision == .fp16, "half buffers on an FP32 library") }
        if tuning.winograd {
            guard let workspace else { preconditionFailure("Winograd's forward needs a workspace (\(shape))") }
            try Winograd4Convolution.forward(
                library: library, shape: shape, input: input, weights: weights, bias: bias, output: output,
                workspace: workspace, workspaceOffset: workspaceOffset, channelBlock: tuning.channelBlock)
            return
        }
        let name =
            switch (input, output) {
            case (.half, .half): "fast_conv_forward"
            case (.half, .float): "fast_conv_forward_to_float"
            case (.float, .half): "fast_conv_forward_from_float"
            case (.float, .float): "fast_conv_forward_float"
            }
        let groups = (shape.outChannels + tuning.channelBlock - 1) / tuning.channelBlock
        let groupsPerItem = min(tuning.groupsPerItem ?? (library.gpu.info.isCPU ? groups : 1), groups)
        try library.kernel("fast_conv", name, options: tuning.buildOptions(for: shape)).enqueue(
            on: library.queue,
            global: tuning.forwardGlobal(
                groups: (groups + groupsPerItem - 1) / groupsPerItem,
                blocks: (shape.outWidth + tuning.pixelBlock - 1) / tuning.pixelBlock,
                rows: shape.images * shape.outHeight),
            local: tuning.local(library),
            shape.inChannels, shape.inHeight, shape.inWidth, shape.outChannels, shape.kernelSize, shape.stride,
            shape.outHeight, shape.outWidth, groupsPerItem, input, weights.buffer, weights.offset, bias == nil ? 0 : 1,
            bias?.buffer ?? weights.buffer, bias?.offset ?? 0, output)
    }

    /// gradInput (N×C×Hin×Win, the padded input's gradient) from gradOutput (N×K×Ho×Wo),
    /// OVERWRITING gradInput: input positions no output reads (stride leftovers) get 0.
    /// Computed as `shape.transposed`, a forward convolution of the output gradient dilated
    /// by the stride and zero-padded by k − 1 with the flipped, transposed filter, both
    /// written into `workspace` (at least `shape.backwardInputWorkspaceCount` floats;
    /// overwritten; its forward's workspace after them). `tuning`: the blocking of that convolution (nil: its default).
    public static func backwardInput(
        library: KernelLibrary, shape: StridedConvShape, gradOutput: Buffer<Float>, weights: ParameterSlice,
        gradInput: Buffer<Float>, workspace: Buffer<Float>, tuning: StridedConvTuning? = nil
    ) throws {
        precondition(gradOutput.count >= shape.output.count && gradInput.count >= shape.input.count)
        precondition(weights.count == shape.weightCount, "weights: \(weights.count) for \(shape)")
        precondition(
            workspace.count >= shape.backwardInputWorkspaceCount,
            "workspace: \(workspace.count) floats, \(shape.backwardInputWorkspaceCount) needed for \(shape)")
        let transposed = shape.transposed
        let options = StridedConvTuning.default(for: shape).buildOptions(for: shape)
        try library.kernel("fast_conv", "fast_conv_dilate", options: options).enqueue(
            on: library.queue, global: [transposed.inHeight, shape.images * shape.outChannels],
            shape.outHeight, shape.outWidth, shape.kernelSize, shape.stride, transposed.inHeight, transposed.inWidth,
            gradOutput, workspace)
        let flippedOffset = transposed.input.count
        try library.kernel("fast_conv", "fast_conv_flip_weights", options: options).enqueue(
            on: library.queue, global: [shape.inChannels, shape.outChannels],
            shape.inChannels, shape.outChannels, shape.kernelSize, weights.buffer, weights.offset, workspace,
            flippedOffset)
        try forward(
            library: library, shape: transposed, input: .float(workspace),
            weights: ParameterSlice(workspace, offset: flippedOffset, count: shape.weightCount), bias: nil,
            output: .float(gradInput), tuning: tuning, workspace: workspace, workspaceOffset: flippedOffset + shape.weightCount)
    }

    /// gradWeights += ∂L/∂W and gradBias += ∂L/∂b (nil: no bias gradient), summed over the N
    /// images, from the forward's input and gradOutput. ADDS into both.
    public static func backwardWeights(
        library: KernelLibrary, shape: StridedConvShape, input: StoredBuffer, gradOutput: Buffer<Float>,
        gradWeights: ParameterSlice, gradBias: ParameterSlice?, tuning: StridedConvTuning? = nil
    ) throws {
        let tuning = tuning ?? .default(for: shape)
        input.requireStorage(of: library, "convolution input")
        input.requireCount(shape.input.count, "convolution input")
        precondition(gradOutput.count >= shape.output.count)
        precondition(gradWeights.count == shape.weightCount, "weight gradient: \(gradWeights.count) for \(shape)")
        let channelBlock = StridedConvTuning.backwardChannelBlock
        // A work-item per (ky, three consecutive kx).
        let tapBlocks = shape.kernelSize * ((shape.kernelSize + 2) / 3)
        try library.kernel("fast_conv", "fast_conv_backward_weights", options: tuning.buildOptions(for: shape)).enqueue(
            on: library.queue,
            global: [tapBlocks, shape.inChannels, (shape.outChannels + channelBlock - 1) / channelBlock],
            shape.images, shape.inChannels, shape.inHeight, shape.inWidth, shape.outChannels, shape.kernelSize,
            shape.stride, shape.outHeight, shape.outWidth, input, gradOutput, gradWeights.buffer, gradWeights.offset)
        if let gradBias {
            precondition(gradBias.count == shape.outChannels, "bias gradient count for \(shape)")
            try library.kernel("fast_conv", "fast_conv_backward_bias", options: tuning.buildOptions(for: shape)).enqueue(
                on: library.queue, global: [shape.outChannels], shape.images, shape.outChannels,
                shape.outHeight * shape.outWidth, gradOutput, gradBias.buffer, gradBias.offset)
        }
    }
}
