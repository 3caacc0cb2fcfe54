import CLRuntime


/// The device buffers of VGG19 forward and backward passes at one image size, allocated once.
///
/// `forward` keeps every activation the backward pass needs; `backward` walks back from the
/// deepest layer, letting a callback add the losses' gradients at each layer, and ends with
/// the gradient with respect to the input image.
public final class NetworkPass: @unchecked Sendable {
    public struct Activation {
        public let buffer: StoredBuffer
        public let channels: Int
        public let height: Int
        public let width: Int
        public var positions: Int { height * width }
        public var count: Int { channels * height * width }
    }

    public let network: VGG19Network
    /// The size the pass runs at now (`resize`), at most `capacity`.
    public private(set) var height: Int
    public private(set) var width: Int
    /// The size the buffers were made for.
    public let capacity: (height: Int, width: Int)
    /// Position in `VGG19Layers.all` of the last layer computed.
    public let deepestPosition: Int
    var library: KernelLibrary { network.library }

    /// Output of each layer position up to the deepest; a ReLU shares its convolution's
    /// buffer unless a loss reads that convolution's pre-activation output.
    private var outputs: [Activation] = []
    /// Whether layer i's ReLU was applied in place on its convolution's output.
    private var fusedReLU: [Bool] = []
    private let convScratch: ConvScratch
    /// Float scratch that other ops may use between layers (Gram bands in FP16 runs).
    public var scratch: Buffer<Float> { convScratch.columns }
    private let gradients: [Buffer<Float>]
    /// When set, every step of `forward` and `backward` is timed into it.
    public var profile: LayerProfile?

    /// - Parameters:
    ///   - layers: names a caller will read; the pass runs up to the deepest.
    ///   - scratchLimit: the most floats the im2col scratch may take (bands of rows beyond it).
    ///   - backward: whether to allocate the buffers of the backward pass.
    public init(
        network: VGG19Network, height: Int, width: Int, layers: [String], scratchLimit: Int = 1 << 24,
        backward: Bool
    ) throws {
        try VGG19Layers.validate(layers)
        let deepest = layers.compactMap(VGG19Layers.position(of:)).max() ?? 0
        precondition(deepest <= network.deepestAvailablePosition, "the network holds too few convolutions")
        self.network = network
        self.height = height
        self.width = width
        self.capacity = (height, width)
        self.deepestPosition = deepest
        let library = network.library
        let gpu = library.gpu
        let convolutionNamesRead = Set(layers.filter { $0.hasPrefix("conv") })

        var channels = 3
        var largest = 0
        for position in 0...deepest {
            let layer = VGG19Layers.all[position]
            let (h, w) = (height >> layer.block, width >> layer.block)
            switch layer.kind {
            case .convolution(let index):
                let conv = network.convolutions[index]
                precondition(conv.inChannels == channels, "convolution \(layer.name) expects \(conv.inChannels) channels")
                channels = conv.outChannels
                let buffer = try StoredBuffer.allocate(library: library, count: channels * h * w)
                outputs.append(Activation(buffer: buffer, channels: channels, height: h, width: w))
                fusedReLU.append(false)
            case .relu:
                let fused = !convolutionNamesRead.contains(VGG19Layers.all[position - 1].name)
                let buffer =
                    fused ? outputs[position - 1].buffer : try StoredBuffer.allocate(library: library, count: channels * h * w)
                outputs.append(Activation(buffer: buffer, channels: channels, height: h, width: w))
                fusedReLU.append(fused)
            case .pool:
                let buffer = try StoredBuffer.allocate(library: library, count: channels * (h / 2) * (w / 2))
                outputs.append(Activation(buffer: buffer, channels: channels, height: h / 2, width: w / 2))
                fusedReLU.append(false)
            }
            largest = max(largest, channels * h * w)
        }
        let built = outputs
        let convolutionPositions = built.indices.compactMap { position -> (DeviceConvLayer, Int, Int)? in
            guard case .convolution(let index) = VGG19Layers.all[position].kind else { return nil }
            return (network.convolutions[index], built[position].height, built[position].width)
        }
        // The band scratch holds the widest layer's whole image unless the limit says less, never
        // less than every layer's narrowest band; Grams keep their partial sums in it when no
        // convolution bands (direct ones).
        let bands = convolutionPositions.map { conv, height, width in
            conv.method.columns(height: height, width: width, library: library)
        }
        let (whole, minimum) = (bands.map(\.whole).max() ?? 0, bands.map(\.minimum).max() ?? 0)
        let columns = try gpu.buffer(
            Float.self, count: max(minimum > 0 ? minimum : Self.gramScratch, min(whole, scratchLimit)))
        convScratch = try Self.convScratch(library: library, columns: columns, convolutions: convolutionPositions)
        gradients = backward ? [try gpu.buffer(Float.self, count: largest), try gpu.buffer(Float.self, count: largest)] : []
    }

    /// Floats of scratch kept for Grams (partial sums on CPUs, half features' bands) when the
    /// convolutions need none: at least 512² (one chunk of the widest layer).
    static let gramScratch = 1 << 20

    /// Weight, band and product scratch for these convolutions (each (layer, height, width)),
    /// both directions, beside the shared `columns`: what their methods ask for.
    static func convScratch(library: KernelLibrary, columns: Buffer<Float>, convolutions: [(DeviceConvLayer, Int, Int)])
        throws -> ConvScratch
    {
        try ConvScratch(
            library: library, columns: columns,
            needs: convolutions.map { conv, height, width in
                conv.method.scratch(height: height, width: width, columns: columns.count, library: library)
            })
    }

    /// Runs later passes at height × width, within the capacity, in the same buffers (the
    /// regions of a tiled objective, which differ at the image's edges).
    public func resize(height: Int, width: Int) {
        precondition(height <= capacity.height && width <= capacity.width, "a pass cannot grow")
        self.height = height
        self.width = width
        outputs = outputs.enumerated().map { position, output in
            let shift = VGG19Layers.all[position].outputShift
            return Activation(
                buffer: output.buffer, channels: output.channels, height: height >> shift, width: width >> shift)
        }
    }

    /// The forward output of a layer the pass computes.
    public func activation(_ name: String) -> Activation {
        guard let position = VGG19Layers.position(of: name), position <= deepestPosition else {
            preconditionFailure("layer \(name) is not computed by this pass")
        }
        return outputs[position]
    }

    /// Runs the network on image [3×H×W] up to the deepest layer.
    public func forward(image: Buffer<Float>) throws {
        // The image itself stays float in FP16 runs too: it is what the optimizer changes, by
        // steps (the first is scaled by 1/‖g‖₁) far below half's resolution.
        var input = StoredBuffer.float(image)
        var inputShape = (channels: 3, height: height, width: width)
        try profile?.start()
        for position in 0...deepestPosition {
            let layer = VGG19Layers.all[position]
            let output = outputs[position]
            switch layer.kind {
            case .convolution(let index):
                let fuse = position + 1 <= deepestPosition && fusedReLU[position + 1]
                try network.convolutions[index].method.forward(
                    library: library, input: input, height: inputShape.height, width: inputShape.width,
                    output: output.buffer, scratch: convScratch, relu: fuse)
            case .relu:
                if !fusedReLU[position] {
                    try ReLU.forward(library: library, input: input, output: output.buffer, count: output.count)
                }
            case .pool:
                try Pool2x2.forward(
                    library: library, kind: network.pooling, input: input, channels: inputShape.channels,
                    height: inputShape.height, width: inputShape.width, output: output.buffer)
            }
            try profile?.mark("forward " + layer.name)
            input = output.buffer
            inputShape = (output.channels, output.height, output.width)
        }
    }

    /// Back-propagates to `imageGradient` [3×H×W] (overwritten). Before each layer is
    /// propagated, `addLossGradients(name, gradient)` adds ∂loss/∂(that layer's output).
    public func backward(
        imageGradient: Buffer<Float>, addLossGradients: (String, Buffer<Float>) throws -> Void
    ) throws {
        precondition(!gradients.isEmpty, "this pass was made without backward buffers")
        var current = 0
        let top = outputs[deepestPosition]
        try gradients[current].fill(0, count: top.count, queue: library.queue)
        try profile?.start()
        for position in stride(from: deepestPosition, through: 0, by: -1) {
            let layer = VGG19Layers.all[position]
            let output = outputs[position]
            try addLossGradients(layer.name, gradients[current])
            try profile?.mark("losses")
            switch layer.kind {
            case .relu:
                // The gradient now becomes that of the convolution's output, in the same buffer.
                try ReLU.backward(library: library, output: output.buffer, gradient: gradients[current], count: output.count)
            case .convolution(let index):
                let target = position == 0 ? imageGradient : gradients[1 - current]
                try network.convolutions[index].method.backwardInput(
                    library: library, gradOutput: gradients[current], height: output.height, width: output.width,
                    gradInput: target, scratch: convScratch)
                current = 1 - current
            case .pool:
                let input = outputs[position - 1]
                try Pool2x2.backward(
                    library: library, kind: network.pooling, input: input.buffer, gradOutput: gradients[current],
                    channels: input.channels, height: input.height, width: input.width, gradInput: gradients[1 - current])
                current = 1 - current
            }
            try profile?.mark("backward " + layer.name)
        }
    }
}
