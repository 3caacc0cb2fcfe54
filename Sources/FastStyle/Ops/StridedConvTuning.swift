/// The blocking of kernels/fast_conv.cl, as `-D` options, so that a tuner can search it:
/// each work-item keeps `channelBlock` channels × `pixelBlock` pixels of one row in registers
/// (output channels forward and to the weights, input channels to the input).
public struct StridedConvTuning: Hashable, Sendable, CustomStringConvertible {
    /// FAST_CONV_KB.
    public var channelBlock: Int
    /// FAST_CONV_PB.
    public var pixelBlock: Int

    public init(channelBlock: Int = 8, pixelBlock: Int = 8) {
        precondition(channelBlock > 0 && pixelBlock > 0)
        self.channelBlock = channelBlock
        self.pixelBlock = pixelBlock
    }

    public static let `default` = StridedConvTuning()

    public var buildOptions: String { "-DFAST_CONV_KB=\(channelBlock) -DFAST_CONV_PB=\(pixelBlock)" }

    public var description: String { "KB \(channelBlock) PB \(pixelBlock)" }
}
