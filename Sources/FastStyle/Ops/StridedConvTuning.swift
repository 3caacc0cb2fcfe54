import StyleEngine

/// The blocking of kernels/fast_conv.cl's forward, as `-D` options, so that a tuner can
/// search it: each work-item keeps `channelBlock` output channels × `pixelBlock` pixels of one
/// row in registers. The options also build the backward to the weights in the same program;
/// the backward to the input is a forward convolution of its own shape
/// (`StridedConvShape.transposed`), with its own tuning.
public struct StridedConvTuning: Hashable, Sendable, CustomStringConvertible {
    /// FAST_CONV_KB.
    public var channelBlock: Int
    /// FAST_CONV_PB: 4, 8 or 16 (one float vector).
    public var pixelBlock: Int

    /// Whether each kernel size and stride gets its own program (FAST_CONV_K,
    /// FAST_CONV_STRIDE), whose tap loops the compiler unrolls; else one program takes them
    /// as arguments.
    public var specializesShape: Bool

    /// Whether the forward walks a row's pixel blocks before the channel groups
    /// (FAST_CONV_PIXELS_FIRST: a group's weights stay in the cache) or the channel groups
    /// first (a pixel block's input rows stay in the cache).
    public var pixelsFirst: Bool

    /// Channel groups each forward work-item computes in turn (a kernel argument, not a
    /// build option): nil is all of them on CPUs (fewer, longer work-groups), one elsewhere.
    public var groupsPerItem: Int?

    /// Whether the forward of a 3×3, stride-1 shape runs as Winograd F(4×4, 3×3)
    /// (`Winograd4Convolution`, `channelBlock` output channels per work-item of its product,
    /// at most 16) rather than directly.
    public var winograd: Bool

    public init(
        channelBlock: Int = 8, pixelBlock: Int = 8, pixelsFirst: Bool = false, specializesShape: Bool = true,
        groupsPerItem: Int? = nil, winograd: Bool = false
    ) {
        precondition(channelBlock > 0 && [4, 8, 16].contains(pixelBlock), "pixel block \(pixelBlock): 4, 8 or 16")
        precondition(!winograd || channelBlock <= WinogradF4.largestChannelBlock, "Winograd channel block")
        self.winograd = winograd
        precondition(groupsPerItem.map { $0 > 0 } ?? true, "groups per item")
        self.groupsPerItem = groupsPerItem
        self.channelBlock = channelBlock
        self.pixelBlock = pixelBlock
        self.specializesShape = specializesShape
        self.pixelsFirst = pixelsFirst
    }

    /// The blocking used where none is asked: Winograd for 3×3 stride-1 shapes
    /// (`WinogradF4.defaultChannelBlock`); else directly, 16 pixels (two AVX2 vectors, one AVX-512 vector) by up to 4
    /// channels, the accumulators well inside 16 vector registers (the best of
    /// stylize-bench --transformer --profile's candidates on a 2-core AVX2 PoCL).
    public static func `default`(for shape: StridedConvShape) -> StridedConvTuning {
        if Winograd4Convolution.applies(to: shape) {
            return StridedConvTuning(
                channelBlock: min(WinogradF4.defaultChannelBlock, shape.outChannels), pixelBlock: 16, winograd: true)
        }
        return StridedConvTuning(channelBlock: min(4, shape.outChannels), pixelBlock: 16)
    }

    /// The backward to the weights' channel blocking (FAST_CONV_BACKWARD_CB's default), by
    /// runs of 8 pixels, independent of the forward's.
    static let backwardChannelBlock = 4

    /// The `-D` options of the program for a convolution of `shape`.
    public func buildOptions(for shape: StridedConvShape) -> String {
        "-DFAST_CONV_KB=\(channelBlock) -DFAST_CONV_PB=\(pixelBlock)"
            + (specializesShape ? " -DFAST_CONV_K=\(shape.kernelSize) -DFAST_CONV_STRIDE=\(shape.stride)" : "")
            + (pixelsFirst ? " -DFAST_CONV_PIXELS_FIRST=1" : "")
    }

    /// The forward's global size for `groups` channel groups × `blocks` pixel blocks × `rows`
    /// output rows (of all images).
    func forwardGlobal(groups: Int, blocks: Int, rows: Int) -> [Int] {
        pixelsFirst ? [blocks, groups, rows] : [groups, blocks, rows]
    }

    /// The forward's work-group: one work-item on CPUs, whose explicit vectors PoCL would
    /// otherwise widen across work-items; the driver's choice elsewhere.
    func local(_ library: KernelLibrary) -> [Int]? { library.gpu.info.isCPU ? [1, 1, 1] : nil }

    public var description: String {
        if winograd { return "Winograd KB \(channelBlock)" }
        return "KB \(channelBlock) PB \(pixelBlock)" + (groupsPerItem.map { " G \($0)" } ?? "") + (pixelsFirst ? " pixels first" : "")
            + (specializesShape ? "" : " generic")
    }
}
