import CLRuntime
import StyleEngine

/// The device tensors of one TransformerNet pass at one input shape: per layer its
/// (upsampled,) padded input, its conv output, its norm output and the norm's statistics,
/// and float gradient scratch for the backward. Kept by the network between calls of one
/// shape.
final class TransformerActivations: @unchecked Sendable {
    let input: TensorShape
    let training: Bool
    /// Per layer, in order; `resampled` only where the layer upsamples, `normalized` only
    /// where it has a norm and the pass is training (apply normalizes in place), `sum` only
    /// where it closes a residual block.
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

    init(library: KernelLibrary, layers: [TransformerLayer], input: TensorShape, training: Bool) throws {
        self.input = input
        self.training = training
        var shape = input
        var largest = input.count
        for layer in layers {
            let (resampled, padded, conv) = layer.shapes(input: shape)
            self.resampled.append(layer.upsample ? try StoredBuffer.allocate(library: library, count: resampled.count) : nil)
            self.padded.append(try StoredBuffer.allocate(library: library, count: padded.count))
            let writesOutput = layer.norm == nil && !layer.closesResidual
            self.convolved.append(writesOutput ? nil : try StoredBuffer.allocate(library: library, count: conv.output.count))
            self.normalized.append(
                layer.norm != nil && training ? try StoredBuffer.allocate(library: library, count: conv.output.count) : nil)
            self.sums.append(
                layer.closesResidual ? try StoredBuffer.allocate(library: library, count: conv.output.count) : nil)
            self.statistics.append(
                layer.norm != nil
                    ? try library.gpu.buffer(Float.self, count: InstanceNorm.statisticsCount(conv.output)) : nil)
            largest = max(largest, resampled.count, padded.count, conv.output.count)
            shape = conv.output
        }
        if training { scratch = try (0..<4).map { _ in try library.gpu.buffer(Float.self, count: largest) } }
    }
}
