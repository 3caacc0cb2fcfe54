/// Floating-point operations of one iteration, counted from the layer shapes: what the
/// bench divides by time to report GFLOP/s. A multiply-add counts as 2; element-wise
/// kernels (ReLU, pooling, losses, optimizer) are left out: they are bandwidth, not FLOPs.
public enum FLOPModel {
    /// `channels`: output channels of each convolution (a pruned network's); nil: VGG19's.
    public static func perIteration(height: Int, width: Int, settings: LossSettings, channels: [Int]? = nil) -> Double {
        let outputs = channels ?? VGG19Layers.channels
        let deepest = settings.layers.compactMap(VGG19Layers.position(of:)).max() ?? 0
        var flops = 0.0
        var channels = 3
        for layer in VGG19Layers.all[...deepest] {
            let positions = Double((height >> layer.block) * (width >> layer.block))
            if case .convolution(let index) = layer.kind {
                let out = outputs[index]
                // Forward, and the backward to the input (the same product, transposed).
                flops += 2 * 2 * Double(out * channels * 9) * positions
                channels = out
            }
            if settings.styleLayers.contains(layer.name) {
                // The Gram matrix (C²·P multiply-adds) and its backward.
                let p = layer.kind == .pool ? positions / 4 : positions
                flops += 2 * 2 * Double(channels * channels) * p
            }
        }
        return flops
    }
}
