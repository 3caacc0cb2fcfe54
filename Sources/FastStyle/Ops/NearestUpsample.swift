import CLRuntime
import StyleEngine

/// Nearest-neighbour ×2 upsampling, as `F.interpolate(x, scale_factor=2, mode='nearest')`:
/// out[y][x] = in[⌊y/2⌋][⌊x/2⌋], on N images.
///
/// Shapes: input `shape` (N×C×H×W) → output N×C×2H×2W.
public enum NearestUpsample {
    public static func outputShape(_ shape: TensorShape) -> TensorShape {
        TensorShape(images: shape.images, channels: shape.channels, height: 2 * shape.height, width: 2 * shape.width)
    }

    /// OVERWRITES output; both in the library's storage.
    public static func forward(library: KernelLibrary, input: StoredBuffer, shape: TensorShape, output: StoredBuffer)
        throws
    {
        input.requireStorage(of: library, "upsample input")
        output.requireStorage(of: library, "upsample output")
        input.requireCount(shape.count, "upsample input")
        output.requireCount(outputShape(shape).count, "upsample output")
        try library.kernel("resample", "upsample_nearest2x_forward").enqueue(
            on: library.queue, global: [2 * shape.width, 2 * shape.height, shape.planes], shape.height, shape.width,
            shape.planes, input, output)
    }

    /// gradInput (N×C×H×W) = the sum of gradOutput (N×C×2H×2W) over each 2×2 block.
    /// OVERWRITES gradInput.
    public static func backward(
        library: KernelLibrary, gradOutput: Buffer<Float>, shape: TensorShape, gradInput: Buffer<Float>
    ) throws {
        precondition(gradOutput.count >= outputShape(shape).count && gradInput.count >= shape.count)
        try library.kernel("resample", "upsample_nearest2x_backward").enqueue(
            on: library.queue, global: [shape.width, shape.height, shape.planes], shape.height, shape.width,
            shape.planes, gradOutput, gradInput)
    }
}
