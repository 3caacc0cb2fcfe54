import CLRuntime
import StyleEngine

/// The device tensors of one TransformerNet pass at one input shape, kept by the network
/// between calls of one shape.
///
/// Training keeps every layer's (upsampled,) padded input, conv output, norm output and
/// residual sum for the backward, plus float gradient scratch. Apply keeps only what the next
/// layers read: one upsampling buffer, one padding buffer, and three outputs in rotation (a
/// layer's input and a residual block's input stay while it writes the third); norms and
/// residual sums work in place.
final class TransformerActivations: @unchecked Sendable {
    let input: TensorShape
    let training: Bool
    /// Per layer, in order; `resampled` only where the layer upsamples, `normalized` only
    /// where it has a norm and the pass is training, `sums` only where it closes a residual
    /// block (in apply, the conv output itself).
    var resampled: [StoredBuffer?] = []
    var padded: [StoredBuffer] = []
    /// nil for the last layer, which writes the caller's float output.
    var convolved: [StoredBuffer?] = []
    var normalized: [StoredBuffer?] = []
    var sums: [StoredBuffer?] = []
    var statistics: [Buffer<Float>?] = []
    /// Training only: four float buffers as large as the largest tensor (gradient, padded
    /// gradient, upsampled gradient, the skip's gradient).
    var scratch: [Buffer<Float>] = []
    /// The convolutions' workspace: the largest layer's forward's
    /// (`StridedConvShape.forwardWorkspaceCount`) and, in training, backward to the input's,
    /// over the layers after the first (`backwardInputWorkspaceCount`).
    let workspace: Buffer<Float>

    init(library: KernelLibrary, layers: [TransformerLayer], input: TensorShape, training: Bool) throws {
        self.input = input
        self.training = training
        func allocate(_ count: Int) throws -> StoredBuffer { try StoredBuffer.allocate(library: library, count: count) }
        var shapes: [(resampled: TensorShape, padded: TensorShape, conv: StridedConvShape)] = []
        var shape = input
        for layer in layers {
            shapes.append(layer.shapes(input: shape))
            shape = shapes.last!.conv.output
        }
        let largestResampled = zip(layers, shapes).filter { $0.0.upsample }.map { $0.1.resampled.count }.max()
        let largestPadded = shapes.map(\.padded.count).max()!
        let largestOutput = shapes.map(\.conv.output.count).max()!
        let sharedResampled = try training ? nil : largestResampled.map(allocate)
        let sharedPadded = try training ? nil : allocate(largestPadded)
        let rotation = try training ? [] : (0..<3).map { _ in try allocate(largestOutput) }
        // Apply: which rotation buffer holds the current input and the open block's input.
        var inputSlot: Int?
        var blockSlot: Int?
        for (index, layer) in layers.enumerated() {
            let (resampled, padded, conv) = shapes[index]
            let writesOutput = index == layers.count - 1
            statistics.append(
                layer.norm != nil ? try library.gpu.buffer(Float.self, count: InstanceNorm.statisticsCount(conv.output)) : nil)
            if training {
                self.resampled.append(layer.upsample ? try allocate(resampled.count) : nil)
                self.padded.append(try allocate(padded.count))
                convolved.append(writesOutput ? nil : try allocate(conv.output.count))
                normalized.append(layer.norm != nil ? try allocate(conv.output.count) : nil)
                sums.append(layer.closesResidual ? try allocate(conv.output.count) : nil)
                continue
            }
            self.resampled.append(layer.upsample ? sharedResampled : nil)
            self.padded.append(sharedPadded!)
            normalized.append(nil)
            let opensResidual = index + 1 < layers.count && layers[index + 1].closesResidual
            if opensResidual { blockSlot = inputSlot }
            let slot = (0..<3).first { $0 != inputSlot && $0 != blockSlot }!
            convolved.append(writesOutput ? nil : rotation[slot])
            sums.append(layer.closesResidual ? rotation[slot] : nil)
            if layer.closesResidual { blockSlot = nil }
            inputSlot = slot
        }
        if training {
            let largest = max(input.count, largestResampled ?? 0, largestPadded, largestOutput)
            scratch = try (0..<4).map { _ in try library.gpu.buffer(Float.self, count: largest) }
        }
        // The first layer's input gradient is never taken (the image is not trained).
        let backward = training ? shapes.dropFirst().map(\.conv.backwardInputWorkspaceCount).max() ?? 0 : 0
        workspace = try library.gpu.buffer(
            Float.self, count: max(1, backward, shapes.map(\.conv.forwardWorkspaceCount).max() ?? 0))
    }
}
