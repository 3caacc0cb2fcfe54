/// A k×k convolution with a stride and no padding of its own, over N images whose input is
/// already padded (`ReflectionPad`): TransformerNet's `ConvLayer` is `ReflectionPad` by
/// k/2, then this.
///
/// input N×C×Hin×Win → output N×K×Ho×Wo, Ho = (Hin − k)/s + 1 (rounded down), likewise Wo.
/// Weights PyTorch's [K][C][k][k], bias [K].
public struct StridedConvShape: Hashable, Sendable, CustomStringConvertible {
    public var images: Int
    public var inChannels: Int
    public var outChannels: Int
    public var kernelSize: Int
    public var stride: Int
    /// The input's (padded) height and width.
    public var inHeight: Int
    public var inWidth: Int

    public init(
        images: Int = 1, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, inHeight: Int,
        inWidth: Int
    ) {
        precondition(images > 0 && inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0)
        precondition(inHeight >= kernelSize && inWidth >= kernelSize, "input \(inHeight)×\(inWidth) under the kernel")
        self.images = images
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.inHeight = inHeight
        self.inWidth = inWidth
    }

    /// The convolution over `input` (already padded).
    public init(input: TensorShape, outChannels: Int, kernelSize: Int, stride: Int = 1) {
        self.init(
            images: input.images, inChannels: input.channels, outChannels: outChannels, kernelSize: kernelSize,
            stride: stride, inHeight: input.height, inWidth: input.width)
    }

    public var outHeight: Int { (inHeight - kernelSize) / stride + 1 }
    public var outWidth: Int { (inWidth - kernelSize) / stride + 1 }
    public var input: TensorShape { TensorShape(images: images, channels: inChannels, height: inHeight, width: inWidth) }
    public var output: TensorShape {
        TensorShape(images: images, channels: outChannels, height: outHeight, width: outWidth)
    }
    /// Values of the weights [K][C][k][k].
    public var weightCount: Int { outChannels * inChannels * kernelSize * kernelSize }

    /// The backward to the input as a convolution (stride 1) of the output gradient, dilated
    /// by the stride and zero-padded by k − 1, with the flipped, transposed filter: N images,
    /// K → C channels, input (Hin + k − 1) × (Win + k − 1), output Hin × Win.
    public var transposed: StridedConvShape {
        StridedConvShape(
            images: images, inChannels: outChannels, outChannels: inChannels, kernelSize: kernelSize, stride: 1,
            inHeight: inHeight + kernelSize - 1, inWidth: inWidth + kernelSize - 1)
    }

    /// Floats the forward needs as workspace whatever its tuning (Winograd's, for 3×3 stride 1).
    public var forwardWorkspaceCount: Int {
        Winograd4Convolution.applies(to: self) ? Winograd4Convolution.workspaceCount(for: self) : 0
    }

    /// Floats the backward to the input needs as workspace: the dilated gradient, the flipped
    /// filter and the workspace of their convolution's forward.
    public var backwardInputWorkspaceCount: Int {
        transposed.input.count + weightCount + transposed.forwardWorkspaceCount
    }

    public var description: String {
        "\(kernelSize)×\(kernelSize)/\(stride) \(inChannels)→\(outChannels) on \(images)×\(inHeight)×\(inWidth)"
    }
}
