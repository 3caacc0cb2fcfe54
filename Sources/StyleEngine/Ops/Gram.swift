import CLRuntime

/// Gram matrices G = F Fᵀ / (C·P) of features F [C × P] (P = H·W positions).
public enum Gram {
    /// gram[C×C] = F Fᵀ / (C·P); `beta` = 1 adds `alpha`-scaled into gram instead (target blending).
    public static func forward(
        library: KernelLibrary, features: Buffer<Float>, channels: Int, positions: Int, gram: Buffer<Float>,
        scale: Float = 1, accumulate: Bool = false
    ) throws {
        try GEMM.sgemm(
            queue: library.queue, transposeB: .yes, m: channels, n: channels, k: positions,
            alpha: scale / Float(channels * positions), a: features, b: features, beta: accumulate ? 1 : 0, c: gram)
    }

    /// gradFeatures[C×P] += (dG + dGᵀ) F / (C·P) = 2·dG·F / (C·P), for a symmetric dG.
    public static func backward(
        library: KernelLibrary, gradGram: Buffer<Float>, features: Buffer<Float>, channels: Int, positions: Int,
        gradFeatures: Buffer<Float>
    ) throws {
        try GEMM.sgemm(
            queue: library.queue, m: channels, n: positions, k: channels, alpha: 2 / Float(channels * positions),
            a: gradGram, b: features, beta: 1, c: gradFeatures)
    }
}
