import StyleEngine

/// The blocking of kernels/fast_conv.cl, as `-D` options, so that a tuner can search it:
/// each work-item keeps `channelBlock` channels × `pixelBlock` pixels of one row in registers
/// (output channels forward and to the weights, input channels to the input).
public struct StridedConvTuning: Hashable, Sendable, CustomStringConvertible {
    /// FAST_CONV_KB.
    public var channelBlock: Int
    /// FAST_CONV_PB: 4, 8 or 16 (one float vector).
    public var pixelBlock: Int

    public init(channelBlock: Int = 8, pixelBlock: Int = 8) {
        precondition(channelBlock > 0 && [4, 8, 16].contains(pixelBlock), "pixel block \(pixelBlock): 4, 8 or 16")
        self.channelBlock = channelBlock
        self.pixelBlock = pixelBlock
    }

    public static let `default` = StridedConvTuning()

    public var buildOptions: String { "-DFAST_CONV_KB=\(channelBlock) -DFAST_CONV_PB=\(pixelBlock)" }

    /// The forward's work-group: one work-item on CPUs, whose explicit vectors PoCL would
    /// otherwise widen across work-items; the driver's choice elsewhere.
    func local(_ library: KernelLibrary) -> [Int]? { library.gpu.info.isCPU ? [1, 1, 1] : nil }

    public var description: String { "KB \(channelBlock) PB \(pixelBlock)" }
}
