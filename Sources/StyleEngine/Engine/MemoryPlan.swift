/// Device memory a run needs, estimated before anything is allocated, so that an image too
/// large for the device is refused with the size that would fit instead of failing midway.
public struct MemoryPlan: Sendable {
    public let channels: [Int]  // output channels of each convolution used
    public let historySize: Int
    public let optimizer: OptimizerKind
    public let precisionBytes: Int  // bytes per stored activation element
    public let convolution: ConvolutionAlgorithm

    public init(
        convolutionCount: Int, optimizer: OptimizerKind, historySize: Int, precision: Precision,
        convolution: ConvolutionAlgorithm
    ) {
        var channels: [Int] = []
        for (block, count) in VGG19Layers.convolutionsPerBlock.enumerated() {
            channels += Array(repeating: VGG19Layers.blockChannels[block], count: count)
        }
        self.channels = Array(channels.prefix(convolutionCount))
        self.optimizer = optimizer
        self.historySize = historySize
        self.precisionBytes = precision == .fp32 ? 4 : 2
        self.convolution = convolution
    }

    /// Bytes for an output of height × width, with scratch capped at `scratchLimit` floats.
    public func bytes(height: Int, width: Int, scratchLimit: Int) -> Int {
        var activations = 0
        var largest = 3 * height * width
        var scratch = 0
        var inChannels = 3
        var convolution = 0
        for (block, count) in VGG19Layers.convolutionsPerBlock.enumerated() where convolution < channels.count {
            let positions = (height >> block) * (width >> block)
            for _ in 0..<count where convolution < channels.count {
                let out = channels[convolution]
                activations += out * positions
                largest = max(largest, out * positions)
                scratch = max(scratch, max(inChannels, out) * 9 * positions)
                inChannels = out
                convolution += 1
            }
            activations += inChannels * positions / 4  // the pool output
        }
        let image = 3 * height * width
        // L-BFGS history is stored like the activations (half in FP16 runs).
        var historyBytes = 0
        let vectors: Int
        switch optimizer {
        case .lbfgs:
            vectors = 2
            historyBytes = 2 * (historySize + 1) * image * precisionBytes
        case .adam: vectors = 2
        }
        // im2col (or Winograd input) scratch, and about as much again for Winograd's products;
        // direct convolutions keep only the Grams' scratch.
        let direct = self.convolution == .direct
        let convScratch = direct ? NetworkPass.gramScratch : 2 * min(scratch, scratchLimit)
        let floats = convScratch + 2 * largest + (vectors + 4) * image
        // Weights in the storage precision, plus one layer's Winograd-transformed filter built
        // per call; direct convolutions keep both packed filters (storage precision) and, in
        // FP16, convert one layer's to float per call.
        var weights = 0
        var transformed = 0
        inChannels = 3
        for out in channels {
            weights += out * inChannels * 9
            transformed = max(transformed, (direct ? 9 : 16) * out * inChannels)
            inChannels = out
        }
        let packed = direct ? 2 * weights * precisionBytes + (precisionBytes == 4 ? 0 : transformed * 4) : transformed * 4
        return floats * 4 + packed + (activations + weights) * precisionBytes + historyBytes
    }
}
