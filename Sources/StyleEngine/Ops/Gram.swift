import CLRuntime

/// Gram matrices G = F Fᵀ / (C·P) of features F [C × P] (P = H·W positions).
///
/// Half-stored features are converted band by band into float scratch, so FP16 runs never
/// hold a float copy of a whole layer.
public enum Gram {
    /// gram[C×C] = scale · F Fᵀ / (C·P), or added to gram when `accumulate` (target blending).
    public static func forward(
        library: KernelLibrary, features: StoredBuffer, channels: Int, positions: Int, gram: Buffer<Float>,
        scratch: Buffer<Float>, scale: Float = 1, accumulate: Bool = false
    ) throws {
        let alpha = scale / Float(channels * positions)
        if case .float(let f) = features {
            try GEMM.sgemm(
                queue: library.queue, transposeB: .yes, m: channels, n: channels, k: positions, alpha: alpha,
                a: f, b: f, beta: accumulate ? 1 : 0, c: gram)
            return
        }
        var first = true
        try forEachBand(library: library, features: features, channels: channels, positions: positions, scratch: scratch) {
            _, bandPositions in
            try GEMM.sgemm(
                queue: library.queue, transposeB: .yes, m: channels, n: channels, k: bandPositions, alpha: alpha,
                a: scratch, lda: bandPositions, b: scratch, ldb: bandPositions, beta: accumulate || !first ? 1 : 0,
                c: gram)
            first = false
        }
    }

    /// gradFeatures[C×P] += (dG + dGᵀ) F / (C·P) = 2·dG·F / (C·P), for a symmetric dG.
    public static func backward(
        library: KernelLibrary, gradGram: Buffer<Float>, features: StoredBuffer, channels: Int, positions: Int,
        gradFeatures: Buffer<Float>, scratch: Buffer<Float>
    ) throws {
        let alpha = 2 / Float(channels * positions)
        if case .float(let f) = features {
            try GEMM.sgemm(
                queue: library.queue, m: channels, n: positions, k: channels, alpha: alpha, a: gradGram, b: f, beta: 1,
                c: gradFeatures)
            return
        }
        try forEachBand(library: library, features: features, channels: channels, positions: positions, scratch: scratch) {
            offset, bandPositions in
            try GEMM.sgemm(
                queue: library.queue, m: channels, n: bandPositions, k: channels, alpha: alpha, a: gradGram,
                b: scratch, ldb: bandPositions, beta: 1, c: gradFeatures, cOffset: offset, ldc: positions)
        }
    }

    /// Loads columns of F into `scratch` as float, a band at a time, and calls `body(offset, count)`.
    static func forEachBand(
        library: KernelLibrary, features: StoredBuffer, channels: Int, positions: Int, scratch: Buffer<Float>,
        body: (Int, Int) throws -> Void
    ) throws {
        let bandWidth = max(1, min(positions, scratch.count / channels))
        var offset = 0
        while offset < positions {
            let count = min(bandWidth, positions - offset)
            try library.kernel("storage", "load_band").enqueue(
                on: library.queue, global: [count, channels], channels, positions, offset, count, features, scratch)
            try body(offset, count)
            offset += count
        }
    }
}
