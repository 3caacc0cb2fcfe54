import CLRuntime
import StyleEngine

/// Instance normalization with affine γ/β, as `InstanceNorm2d(C, affine=True)` (biased
/// variance, ε 1e-5 by default), per (image, channel) plane of an N×C×H×W tensor, with an
/// optional fused ReLU; conditional instance norm by where `InstanceNormAffine` points.
///
/// The forward keeps each plane's mean and 1/√(σ²+ε) in `statistics` (float,
/// `statisticsCount` values) for the backward. The backward to the input OVERWRITES; the
/// backward to γ and β ADDS, so that images and batches accumulate (zero them first).
/// Activations are in the library's storage; γ, β, statistics and gradients are float.
public enum InstanceNorm {
    /// PyTorch's default ε.
    public static let defaultEpsilon: Float = 1e-5

    /// Floats of `statistics` for `shape`: 4 per plane (μ, 1/σ, and two backward sums).
    public static func statisticsCount(_ shape: TensorShape) -> Int { 4 * shape.planes }

    /// output = γ·(input − μ)/σ + β (then max(·, 0) when `relu`), OVERWRITING output, which
    /// may be the input (apply; the backward needs the input). Writes μ and 1/σ per plane.
    /// `groupSize`: work-items per plane (a power of two; nil: the library's reduction width).
    public static func forward(
        library: KernelLibrary, input: StoredBuffer, shape: TensorShape, affine: InstanceNormAffine, relu: Bool,
        statistics: Buffer<Float>, output: StoredBuffer, epsilon: Float = defaultEpsilon, groupSize: Int? = nil
    ) throws {
        input.requireStorage(of: library, "instance norm input")
        output.requireStorage(of: library, "instance norm output")
        input.requireCount(shape.count, "instance norm input")
        output.requireCount(shape.count, "instance norm output")
        affine.require(shape, "instance norm affine")
        precondition(statistics.count >= statisticsCount(shape), "instance norm statistics")
        let group = Self.groupSize(groupSize, library: library)
        try library.kernel("instance_norm", "instance_norm_forward").enqueue(
            on: library.queue, global: [group, shape.planes], local: [group, 1], shape.positions, shape.channels,
            epsilon, relu ? 1 : 0, input, affine.gamma.buffer, affine.gamma.offset, affine.beta.buffer,
            affine.beta.offset, affine.imageStride, statistics, output, LocalMemory(bytes: 4 * group))
    }

    /// gradInput from gradOutput, the forward's input, affine, relu and statistics,
    /// OVERWRITING gradInput (which may be gradOutput). With `gradAffine` (the same image
    /// stride as `affine`), also ADDS ∂L/∂γ and ∂L/∂β into its slices.
    public static func backward(
        library: KernelLibrary, input: StoredBuffer, shape: TensorShape, affine: InstanceNormAffine, relu: Bool,
        statistics: Buffer<Float>, gradOutput: Buffer<Float>, gradInput: Buffer<Float>,
        gradAffine: InstanceNormAffine?, groupSize: Int? = nil
    ) throws {
        input.requireStorage(of: library, "instance norm input")
        input.requireCount(shape.count, "instance norm input")
        affine.require(shape, "instance norm affine")
        precondition(gradOutput.count >= shape.count && gradInput.count >= shape.count)
        precondition(statistics.count >= statisticsCount(shape), "instance norm statistics")
        let group = Self.groupSize(groupSize, library: library)
        try library.kernel("instance_norm", "instance_norm_backward").enqueue(
            on: library.queue, global: [group, shape.planes], local: [group, 1], shape.positions, shape.channels,
            relu ? 1 : 0, input, affine.gamma.buffer, affine.gamma.offset, affine.beta.buffer, affine.beta.offset,
            affine.imageStride, statistics, gradOutput, gradInput, LocalMemory(bytes: 4 * group))
        guard let gradAffine else { return }
        precondition(gradAffine.imageStride == affine.imageStride, "γ/β gradients laid out unlike γ/β")
        gradAffine.require(shape, "instance norm affine gradient")
        try library.kernel("instance_norm", "instance_norm_affine_backward").enqueue(
            on: library.queue, global: [shape.channels], shape.images, shape.channels, statistics,
            gradAffine.imageStride, gradAffine.gamma.buffer, gradAffine.gamma.offset, gradAffine.beta.buffer,
            gradAffine.beta.offset)
    }

    /// The work-group width: asked, or the library's reduction width (1 on CPUs, where one
    /// work-item per plane walks it; a tree of 64 on GPUs).
    static func groupSize(_ asked: Int?, library: KernelLibrary) -> Int {
        let size = asked ?? library.reduceLocal
        precondition(size > 0 && size & (size - 1) == 0, "instance norm group size \(size) is not a power of two")
        return size
    }
}
