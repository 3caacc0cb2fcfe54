import CLRuntime

/// 3×3 convolution layers (stride 1, zero padding 1): each call runs the layer's own
/// `ConvolutionMethod` (chosen when the layer was made), with `scratch` sized by the methods.
public enum Conv3x3 {
    /// Smallest scratch (floats) that lets a layer with at most `channels` channels either way
    /// run at width `width`, whichever band method it has: one im2col row, or one Winograd tile row.
    public static func minimumScratch(channels: Int, width: Int, library: KernelLibrary) -> Int {
        max(
            Im2colConvolution.minimumColumns(channels: channels, width: width, library: library),
            WinogradConvolution.minimumColumns(channels: channels, width: width, library: library))
    }

    /// The band scratch (floats) of the methods that band (im2col and Winograd, which share it
    /// in a run): the whole image's im2col matrix, the wider direction; at least one row of
    /// either, so that the scratch does not depend on which of the two a layer has.
    static func bandColumns(_ shape: ConvolutionShape, height: Int, width: Int, library: KernelLibrary)
        -> (whole: Int, minimum: Int)
    {
        (
            shape.widestChannels * 9 * height * width,
            minimumScratch(channels: shape.widestChannels, width: width, library: library)
        )
    }

    /// output[K×H×W] = conv(input[C×H×W]) + bias, then ReLU when `relu` is set (overwrites output).
    public static func forward(
        library: KernelLibrary, layer: DeviceConvLayer, input: StoredBuffer, height: Int, width: Int,
        output: StoredBuffer, scratch: ConvScratch, relu: Bool
    ) throws {
        try layer.method.forward(
            library: library, input: input, height: height, width: width, output: output, scratch: scratch, relu: relu)
    }

    /// gradInput[C×H×W] = ∂L/∂input given gradOutput[K×H×W] = ∂L/∂output (weights fixed;
    /// overwrites gradInput).
    public static func backwardInput(
        library: KernelLibrary, layer: DeviceConvLayer, gradOutput: Buffer<Float>, height: Int, width: Int,
        gradInput: Buffer<Float>, scratch: ConvScratch
    ) throws {
        try layer.method.backwardInput(
            library: library, gradOutput: gradOutput, height: height, width: width, gradInput: gradInput,
            scratch: scratch)
    }

    /// Calls `body(firstRow, rowCount)` for consecutive bands of at most `rowsPerBand` rows.
    static func forEachBand(height: Int, rowsPerBand: Int, body: (Int, Int) throws -> Void) throws {
        var row0 = 0
        while row0 < height {
            let rows = min(rowsPerBand, height - row0)
            try body(row0, rows)
            row0 += rows
        }
    }
}
