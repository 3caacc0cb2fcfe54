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
        if library.gemm == .packed {
            return try forwardOnCPU(
                library: library, features: features, channels: channels, positions: positions, gram: gram,
                scratch: scratch, alpha: alpha, accumulate: accumulate)
        }
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

    /// gradFeatures[C×P] += scale · (dG + dGᵀ) F / (C·P) = scale · 2·dG·F / (C·P), for a symmetric
    /// dG (the backward of `forward` with the same scale).
    public static func backward(
        library: KernelLibrary, gradGram: Buffer<Float>, features: StoredBuffer, channels: Int, positions: Int,
        gradFeatures: Buffer<Float>, scratch: Buffer<Float>, scale: Float = 1
    ) throws {
        let alpha = 2 * scale / Float(channels * positions)
        if library.gemm == .packed {
            try library.kernel("gram", "gram_backward").enqueue(
                on: library.queue, global: [(channels + cpuBackwardRows - 1) / cpuBackwardRows, (positions + 15) / 16],
                local: [1, 1], channels,
                positions, alpha, gradGram, features, gradFeatures)
            return
        }
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

    /// Channels per work-item of the CPU Gram backward (GRAM_MR; 16 measured fastest of 8/12/16).
    static let cpuBackwardRows = 16
    static var buildOptions: String { "-DGRAM_MR=\(cpuBackwardRows)" }

    /// Positions per chunk of the CPU Gram's partial sums: C × chunk floats of F (~512 KiB)
    /// stay in the cache while every tile of the chunk reads them.
    /// At most `scratchCount / C²` chunks, whose partial sums must fit in the scratch.
    static func chunkPositions(channels: Int, positions: Int, scratchCount: Int) -> Int {
        let byCache = max(256, (1 << 17) / channels)
        let mostChunks = max(1, scratchCount / (channels * channels))
        let byScratch = (positions + mostChunks - 1) / mostChunks
        return (max(byCache, byScratch) + 15) / 16 * 16
    }

    /// kernels/gram.cl: partial sums per chunk of positions into `scratch`, then their sum.
    static func forwardOnCPU(
        library: KernelLibrary, features: StoredBuffer, channels: Int, positions: Int, gram: Buffer<Float>,
        scratch: Buffer<Float>, alpha: Float, accumulate: Bool
    ) throws {
        let chunk = chunkPositions(channels: channels, positions: positions, scratchCount: scratch.count)
        let chunks = (positions + chunk - 1) / chunk
        precondition(chunks * channels * channels <= scratch.count, "Gram scratch too small")
        let tiles = (channels + 3) / 4
        try library.kernel("gram", "gram_partial").enqueue(
            on: library.queue, global: [tiles, tiles, chunks], local: [1, 1, 1], channels, positions, chunk, features,
            scratch)
        try library.kernel("gram", "gram_finish").enqueue(
            on: library.queue, global: [channels, channels], channels, chunks, alpha, accumulate ? 1 : 0, scratch, gram)
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
