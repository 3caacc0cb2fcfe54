/// What a convolution computes, independent of how: input [C×H×W] → output [K×H×W] through a
/// K × C × 3 × 3 filter, stride 1, zero padding 1.
///
/// Other kernel sizes and strides (a feed-forward network's 9×9 and stride-2 layers, trained
/// on the device in a later issue) go here as fields; `ConvolutionAlgorithm.methodType(for:)`
/// then picks only methods that support them, and each method's `forward` takes the input's
/// H × W and derives the output's.
struct ConvolutionShape: Hashable, Sendable {
    /// C: channels of the input.
    let inChannels: Int
    /// K: channels of the output (filters).
    let outChannels: Int

    /// The larger channel count: what band scratch is sized by (either direction).
    var widestChannels: Int { max(inChannels, outChannels) }
}
