/// Device memory a run needs, estimated before anything is allocated, so that an image too
/// large for the device is refused with the size that would fit instead of failing midway.
public struct MemoryPlan: Sendable {
    public let channels: [Int]  // output channels of each convolution used
    public let historySize: Int
    public let optimizer: OptimizerKind
    public let precisionBytes: Int  // bytes per stored activation element
    public let convolution: ConvolutionAlgorithm

    /// `channels`: output channels of each convolution of the network loaded (a pruned one has
    /// fewer); nil: VGG19's.
    public init(
        convolutionCount: Int, optimizer: OptimizerKind, historySize: Int, precision: Precision,
        convolution: ConvolutionAlgorithm, channels: [Int]? = nil
    ) {
        self.channels = Array((channels ?? VGG19Layers.channels).prefix(convolutionCount))
        self.optimizer = optimizer
        self.historySize = historySize
        self.precisionBytes = precision == .fp32 ? 4 : 2
        self.convolution = convolution
    }

    /// What one convolution layer takes besides its weights and activations, as its method
    /// reckons it (`ConvolutionMethod.estimate`).
    struct ConvolutionEstimate {
        /// Floats of band scratch (im2col or Winograd input, with products or output bands).
        let bandFloats: Int
        /// Floats of one layer's weights prepared per call (transformed, or converted to float).
        let weightScratchFloats: Int
        /// Bytes of weights prepared once and kept (packed filters).
        let preparedBytes: Int
        /// Whether the layer keeps its weights as loaded besides (a direct convolution keeps
        /// only its panels).
        var keepsStoredWeights = true
    }

    /// Bytes for an output of height × width, with scratch capped at `scratchLimit` floats.
    public func bytes(height: Int, width: Int, scratchLimit: Int) -> Int {
        bytes(height: height, width: width, scratchLimit: scratchLimit, optimizing: true)
    }

    /// Bytes for a forward pass alone at height × width (a style image's targets): no
    /// optimizer state.
    public func forwardBytes(height: Int, width: Int, scratchLimit: Int) -> Int {
        bytes(height: height, width: width, scratchLimit: scratchLimit, optimizing: false)
    }

    func bytes(height: Int, width: Int, scratchLimit: Int, optimizing: Bool) -> Int {
        passBytes(height: height, width: width, scratchLimit: scratchLimit) + 4 * 3 * height * width * 4
            + (optimizing ? optimizerBytes(height: height, width: width, historySize: historySize) : 0)
    }

    /// The optimizer's vectors and history for an image of height × width. L-BFGS history is
    /// stored like the activations (half in FP16 runs).
    public func optimizerBytes(height: Int, width: Int, historySize: Int) -> Int {
        let image = 3 * height * width
        switch optimizer {
        case .lbfgs: return 2 * image * 4 + 2 * (historySize + 1) * image * precisionBytes
        case .adam: return 2 * image * 4
        }
    }

    /// One network pass at height × width with its backward buffers: activations, weights (as
    /// stored, prepared and per call), the convolutions' band scratch (or the Grams').
    public func passBytes(height: Int, width: Int, scratchLimit: Int) -> Int {
        var activations = 0
        var largest = 3 * height * width
        var estimates: [ConvolutionEstimate] = []
        var weights = 0
        var inChannels = 3
        var convolution = 0
        for (block, count) in VGG19Layers.convolutionsPerBlock.enumerated() where convolution < channels.count {
            let positions = (height >> block) * (width >> block)
            for _ in 0..<count where convolution < channels.count {
                let out = channels[convolution]
                activations += out * positions
                largest = max(largest, out * positions)
                let shape = ConvolutionShape(inChannels: inChannels, outChannels: out)
                estimates.append(
                    self.convolution.methodType(for: shape).estimate(
                        shape: shape, positions: positions, precisionBytes: precisionBytes, scratchLimit: scratchLimit))
                if estimates.last!.keepsStoredWeights { weights += out * inChannels * 9 }
                inChannels = out
                convolution += 1
            }
            activations += inChannels * positions / 4  // the pool output
        }
        // The convolutions' band scratch; where none bands (direct), the Grams' scratch.
        let bandScratch = estimates.map(\.bandFloats).max() ?? 0
        let convScratch = bandScratch > 0 ? bandScratch : NetworkPass.gramScratch
        // Weights in the storage precision, what the methods keep prepared, and one layer's
        // weights prepared per call.
        let prepared =
            estimates.map(\.preparedBytes).reduce(0, +) + (estimates.map(\.weightScratchFloats).max() ?? 0) * 4
        return (convScratch + 2 * largest) * 4 + prepared + (activations + weights) * precisionBytes
    }

    /// The largest single buffer of a pass at height × width: the widest activation, or its
    /// float gradient.
    public func largestBufferBytes(height: Int, width: Int) -> Int {
        var largest = 3 * height * width
        var convolution = 0
        for (block, count) in VGG19Layers.convolutionsPerBlock.enumerated() where convolution < channels.count {
            for _ in 0..<count where convolution < channels.count {
                largest = max(largest, channels[convolution] * (height >> block) * (width >> block))
                convolution += 1
            }
        }
        return largest * 4
    }

    /// Output channels of the layer at `position` of `VGG19Layers.all` (its convolution's, or
    /// the last one's before it).
    public func channels(atPosition position: Int) -> Int {
        let convolutions = VGG19Layers.all[...position].filter { if case .convolution = $0.kind { true } else { false } }
        return convolutions.isEmpty ? 3 : channels[min(convolutions.count, channels.count) - 1]
    }
}
