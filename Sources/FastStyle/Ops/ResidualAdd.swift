import CLRuntime
import StyleEngine

/// The residual block's sum, y = x + F(x), elementwise over `count` values.
///
/// Its backward is the same sum on gradients: the gradient reaching x is dy (the skip) plus
/// the gradient that came back through the branch F.
public enum ResidualAdd {
    /// output = input + branch, OVERWRITING output (which may be either operand). All three
    /// in the library's storage.
    public static func forward(
        library: KernelLibrary, input: StoredBuffer, branch: StoredBuffer, output: StoredBuffer, count: Int
    ) throws {
        for (buffer, role) in [(input, "residual input"), (branch, "residual branch"), (output, "residual output")] {
            buffer.requireStorage(of: library, role)
            buffer.requireCount(count, role)
        }
        try library.kernel("resample", "add_stored").enqueue(
            on: library.queue, global: [count], count, input, branch, output)
    }

    /// gradInput = gradOutput + gradThroughBranch (the branch's backward to its input),
    /// OVERWRITING gradInput (which may be either operand, e.g. the branch gradient in place).
    public static func backward(
        library: KernelLibrary, gradOutput: Buffer<Float>, gradThroughBranch: Buffer<Float>, gradInput: Buffer<Float>,
        count: Int
    ) throws {
        precondition(gradOutput.count >= count && gradThroughBranch.count >= count && gradInput.count >= count)
        try library.kernel("resample", "add_float").enqueue(
            on: library.queue, global: [count], count, gradOutput, gradThroughBranch, gradInput)
    }
}
