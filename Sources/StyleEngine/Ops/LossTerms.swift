import CLRuntime

/// The spec's loss terms on the device. Each adds its gradient in place and leaves
/// Σ(difference²) in a `DeviceScalars` slot's partials; the loss is weight/count × that sum.
public enum LossTerms {
    /// Content: L = w·mean((F − P)²) over n = C·H·W; gradient += 2w/n · (F − P), over the first
    /// `count` values. `meanOver`: n when these values are part of a larger layer (a tile).
    public static func content(
        library: KernelLibrary, features: StoredBuffer, target: Buffer<Float>, count: Int, meanOver: Int? = nil,
        weight: Float, gradient: Buffer<Float>, scalars: DeviceScalars, slot: Int
    ) throws {
        try library.kernel("losses", "content_loss").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            count, features, target, 2 * weight / Float(meanOver ?? count), gradient, scalars.partials, slot)
    }

    /// Style, on one layer's Gram matrix G [C×C] against the target A: L = w·mean((G − A)²);
    /// gradGram = 2w/C² · (G − A).
    public static func styleGram(
        library: KernelLibrary, gram: Buffer<Float>, target: Buffer<Float>, channels: Int, weight: Float,
        gradGram: Buffer<Float>, scalars: DeviceScalars, slot: Int
    ) throws {
        let count = channels * channels
        try library.kernel("losses", "style_gram_loss").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            count, gram, target, 2 * weight / Float(count), gradGram, scalars.partials, slot)
    }

    /// Total variation of image [C×H×W]: L = w·½·Σ(neighbour differences²); the slot holds
    /// the plain Σ, so L = w/2 · sum.
    public static func totalVariation(
        library: KernelLibrary, image: Buffer<Float>, channels: Int, height: Int, width: Int, weight: Float,
        gradient: Buffer<Float>, scalars: DeviceScalars, slot: Int
    ) throws {
        try library.kernel("losses", "total_variation").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            channels, height, width, weight, image, gradient, scalars.partials, slot)
    }
}
