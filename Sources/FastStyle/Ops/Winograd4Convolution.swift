import CLRuntime
import StyleEngine

/// The forward of a 3×3, stride-1 `StridedConvolution` by Winograd's F(4×4, 3×3)
/// (StyleEngine's `WinogradF4`, which VGG shares), its regions in one workspace.
///
/// Shapes: `StridedConvShape` with kernelSize 3, stride 1 (input N×C×Hin×Win, already padded →
/// output N×K×(Hin−2)×(Win−2)); weights [K][C][3][3], bias [K], float. OVERWRITES the output;
/// the workspace (`workspaceCount`) holds the transformed filter, then V and M of a chunk.
public enum Winograd4Convolution {
    public static func applies(to shape: StridedConvShape) -> Bool { shape.kernelSize == 3 && shape.stride == 1 }

    static func geometry(_ shape: StridedConvShape) -> WinogradF4.Geometry {
        WinogradF4.Geometry(
            images: shape.images, channels: shape.inChannels, outChannels: shape.outChannels, inHeight: shape.inHeight,
            inWidth: shape.inWidth, pad: 0)
    }

    /// Floats of workspace `forward` needs for `shape`, whatever the channel block.
    public static func workspaceCount(for shape: StridedConvShape) -> Int {
        let g = geometry(shape)
        return g.filterCount + g.transformedCount + g.productCount
    }

    /// output = conv(input) + bias (nil: none), OVERWRITING output; `channelBlock` output
    /// channels per work-item of the product (at most `WinogradF4.largestChannelBlock`). The
    /// workspace is `workspace` from `workspaceOffset` on (overwritten).
    static func forward(
        library: KernelLibrary, shape: StridedConvShape, input: StoredBuffer, weights: ParameterSlice,
        bias: ParameterSlice?, output: StoredBuffer, workspace: Buffer<Float>, workspaceOffset: Int = 0,
        channelBlock: Int
    ) throws {
        precondition(applies(to: shape), "Winograd F(4×4, 3×3) is for 3×3 stride-1 convolutions, not \(shape)")
        precondition(
            workspace.count - workspaceOffset >= workspaceCount(for: shape),
            "workspace: \(workspace.count - workspaceOffset) floats, \(workspaceCount(for: shape)) needed for \(shape)")
        let g = geometry(shape)
        try WinogradF4.convolve(
            library: library, geometry: g, input: input, weights: .float(weights.buffer), weightOffset: weights.offset,
            bias: bias?.buffer, biasOffset: bias?.offset ?? 0, output: output,
            filter: .init(workspace, offset: workspaceOffset),
            transformed: .init(workspace, offset: workspaceOffset + g.filterCount),
            products: .init(workspace, offset: workspaceOffset + g.filterCount + g.transformedCount),
            channelBlock: channelBlock)
    }
}
