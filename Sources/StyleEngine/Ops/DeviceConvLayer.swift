import CLRuntime

/// One 3×3 convolution layer on the device (stride 1, zero padding 1), with fixed weights and
/// the method its library's device computes it with.
public final class DeviceConvLayer: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let bias: Buffer<Float>
    /// How this layer is computed, with its weights prepared for that: chosen once, here.
    let method: any ConvolutionMethod

    var shape: ConvolutionShape { method.shape }

    /// A layer from float weights on the device (stored as the library's precision asks).
    public init(library: KernelLibrary, inChannels: Int, outChannels: Int, weights: Buffer<Float>, bias: Buffer<Float>)
        throws
    {
        precondition(weights.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.bias = bias
        // K × C·9, row-major (PyTorch's K×C×3×3), in the run's storage precision. Only the
        // method keeps them, and only if it needs them: a direct convolution keeps its packed
        // panels alone, so the unpacked copy is released here (a third of the weights' memory).
        let stored = try StoredBuffer.storing(weights, library: library)
        let shape = ConvolutionShape(inChannels: inChannels, outChannels: outChannels)
        method = try library.convolution.methodType(for: shape).init(
            shape: shape, weights: stored, bias: bias, library: library)
        // The packing reads them: done before they may be released on return.
        try library.queue.finish()
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
