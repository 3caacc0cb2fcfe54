import CLRuntime
import StyleEngine

/// PyTorch's `ReflectionPad2d(pad)` (the edge row and column are not repeated), on N images.
///
/// Shapes: input `shape` (N×C×H×W) → output N×C×(H+2·pad)×(W+2·pad); pad < H and pad < W.
public enum ReflectionPad {
    /// The padded shape.
    public static func outputShape(_ shape: TensorShape, pad: Int) -> TensorShape {
        TensorShape(
            images: shape.images, channels: shape.channels, height: shape.height + 2 * pad, width: shape.width + 2 * pad)
    }

    /// Pads `input` into `output`, OVERWRITING it. `input` may be a float buffer (the image)
    /// whatever the library's storage; `output` is in the library's storage.
    public static func forward(
        library: KernelLibrary, input: StoredBuffer, shape: TensorShape, pad: Int, output: StoredBuffer
    ) throws {
        precondition(pad >= 0 && pad < shape.height && pad < shape.width, "reflection pad \(pad) of \(shape)")
        let padded = outputShape(shape, pad: pad)
        input.requireCount(shape.count, "pad input")
        output.requireCount(padded.count, "pad output")
        output.requireStorage(of: library, "pad output")
        let name = input.isHalf || library.precision == .fp32 ? "reflection_pad_forward" : "reflection_pad_forward_from_float"
        if input.isHalf { input.requireStorage(of: library, "pad input") }
        try library.kernel("resample", name).enqueue(
            on: library.queue, global: [padded.width, padded.height, shape.planes], shape.height, shape.width, pad,
            shape.planes, input, output)
    }

    /// gradInput (N×C×H×W) from gradOutput (N×C×(H+2·pad)×(W+2·pad)): each input position
    /// gets the sum of the gradients of every padded position that copied it. OVERWRITES
    /// gradInput.
    public static func backward(
        library: KernelLibrary, gradOutput: Buffer<Float>, shape: TensorShape, pad: Int, gradInput: Buffer<Float>
    ) throws {
        precondition(pad >= 0 && pad < shape.height && pad < shape.width, "reflection pad \(pad) of \(shape)")
        precondition(gradOutput.count >= outputShape(shape, pad: pad).count && gradInput.count >= shape.count)
        try library.kernel("resample", "reflection_pad_backward").enqueue(
            on: library.queue, global: [shape.width, shape.height, shape.planes], shape.height, shape.width, pad,
            shape.planes, gradOutput, gradInput)
    }
}
