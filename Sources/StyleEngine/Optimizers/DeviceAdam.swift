import CLRuntime
import Foundation

/// Adam as torch.optim.Adam (by default β1 0.9, β2 0.999, ε 1e-8; bias-corrected), on the
/// device, over any flat float buffer of `count` values (an image, or a network's parameters).
public final class DeviceAdam: DeviceOptimizer, @unchecked Sendable {
    public let learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    let library: KernelLibrary
    let count: Int
    private let firstMoment: Buffer<Float>
    private let secondMoment: Buffer<Float>
    private var step = 0

    public init(
        library: KernelLibrary, count: Int, learningRate: Float = 10, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8
    ) throws {
        self.library = library
        self.count = count
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = try library.gpu.buffer(Float.self, count: count)
        secondMoment = try library.gpu.buffer(Float.self, count: count)
        try firstMoment.fill(0, queue: library.queue)
        try secondMoment.fill(0, queue: library.queue)
    }

    public func prepare(gradient: Buffer<Float>) throws {}

    public func carriedState(height: Int, width: Int) throws -> CarriedOptimizerState? {
        precondition(3 * height * width == count)
        return CarriedOptimizerState(
            tensors: try [firstMoment, secondMoment].map {
                PreparedImage(pixels: try $0.download(queue: library.queue), height: height, width: width)
            }, gradientPowers: [1, 2], step: step)
    }

    public func adopt(_ state: CarriedOptimizerState) throws {
        precondition(state.tensors.count == 2 && state.tensors.allSatisfy { $0.pixels.count == count })
        try firstMoment.upload(state.tensors[0].pixels, queue: library.queue)
        // Interpolation can bring a second moment near 0 where the first is not, and such a
        // pixel would step by m/ε; an average of squares is at least the square of the average.
        let first = state.tensors[0].pixels
        try secondMoment.upload(zip(first, state.tensors[1].pixels).map { max($1, $0 * $0) }, queue: library.queue)
        step = state.step
    }

    /// The moments and step count, for a checkpoint that resumes exactly.
    public func state() throws -> (first: [Float], second: [Float], step: Int) {
        (try firstMoment.download(queue: library.queue), try secondMoment.download(queue: library.queue), step)
    }

    /// Takes a checkpoint's `state()` back, bit for bit.
    public func restore(first: [Float], second: [Float], step: Int) throws {
        precondition(first.count == count && second.count == count, "moments of another size")
        try firstMoment.upload(first, queue: library.queue)
        try secondMoment.upload(second, queue: library.queue)
        self.step = step
    }

    public func update(image: Buffer<Float>, gradient: Buffer<Float>, scalars values: [Float]) throws {
        step += 1
        let correction1 = Float(1 - pow(Double(beta1), Double(step)))
        let correction2 = Float(1 - pow(Double(beta2), Double(step)))
        try library.kernel("optimizer", "adam_step").enqueue(
            on: library.queue, global: [count], count, learningRate, beta1, beta2, epsilon, correction1, correction2,
            gradient, image, firstMoment, secondMoment)
    }
}
