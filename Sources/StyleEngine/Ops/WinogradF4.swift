import CLRuntime

/// 3×3, stride-1 convolution of N images by Winograd's F(4×4, 3×3) (kernels/winograd4.cl):
/// 36 multiplies per 4×4 output tile and channel pair instead of 144. Both networks use it:
/// the fast models over their reflection-padded inputs (pad 0), VGG over its own zero padding
/// (pad 1), forward and backward to the input (the flipped filter).
///
/// Shapes: input N×C×Hin×Win (storage or float) → output N×K×Ho×Wo with Ho = Hin + 2·pad − 2,
/// likewise Wo; the filter [K][C][3][3] (flipped: the layer's [C][K][3][3]), bias [K]. The
/// filter is transformed on every call (weights change in training) into `filter`; the input
/// is transformed into `transformed` and multiplied into `products` by chunks of tile rows,
/// small enough to stay in a CPU's cache. OVERWRITES the output and the three scratch regions.
public enum WinogradF4 {
    /// A convolution's sizes.
    public struct Geometry: Hashable, Sendable {
        public var images: Int
        public var channels: Int
        public var outChannels: Int
        public var inHeight: Int
        public var inWidth: Int
        /// Zeros around the input: 0 where it is padded already, 1 for a same-size convolution.
        public var pad: Int

        public init(images: Int = 1, channels: Int, outChannels: Int, inHeight: Int, inWidth: Int, pad: Int) {
            precondition(images > 0 && channels > 0 && outChannels > 0 && pad >= 0)
            precondition(inHeight + 2 * pad >= 3 && inWidth + 2 * pad >= 3, "input under the filter")
            self.images = images
            self.channels = channels
            self.outChannels = outChannels
            self.inHeight = inHeight
            self.inWidth = inWidth
            self.pad = pad
        }

        public var outHeight: Int { inHeight + 2 * pad - 2 }
        public var outWidth: Int { inWidth + 2 * pad - 2 }
        var tileRows: Int { (outHeight + 3) / 4 }
        var tileColumns: Int { (outWidth + 3) / 4 }

        /// Tile rows per chunk (counted over images): V and M under `chunkBytes`, at least one.
        var chunkRows: Int {
            let perTile = 36 * (channels + outChannels) * MemoryLayout<Float>.stride
            return max(1, min(images * tileRows, WinogradF4.chunkBytes / (perTile * tileColumns)))
        }

        /// The distance between rows of V and M: a chunk's tiles, plus the 8 lanes a last
        /// partial block of the output transform loads, rounded up to the product's vector.
        var leadingDimension: Int { (chunkRows * tileColumns + 8 + 15) / 16 * 16 }

        /// Floats of each scratch region.
        public var filterCount: Int { 36 * (outChannels + WinogradF4.largestChannelBlock - 1) * channels }
        public var transformedCount: Int { 36 * channels * leadingDimension }
        public var productCount: Int { 36 * outChannels * leadingDimension }
    }

    /// A scratch region: a buffer from an offset on.
    public struct Region {
        public let buffer: Buffer<Float>
        public let offset: Int
        public init(_ buffer: Buffer<Float>, offset: Int = 0) {
            self.buffer = buffer
            self.offset = offset
        }
    }

    /// The largest output-channel block of the product (WINOGRAD4_KB) `filterCount` allows.
    public static let largestChannelBlock = 16
    /// The product's output channels per work-item where none is asked (the best of 4, 6, 8
    /// and 12 in stylize-bench --transformer --profile on a 2-core AVX2 PoCL: 12 accumulators
    /// and the vector of V in 16 registers).
    public static let defaultChannelBlock = 6
    /// Bytes of V and M for one chunk: well inside a core's share of the last-level cache.
    static let chunkBytes = 4 << 20

    /// output = conv(input) (+ bias[biasOffset...], then ReLU when `relu`), OVERWRITING output.
    /// `weights` from `weightOffset` on; `flip` takes them as the layer's whose backward to
    /// the input this is. `channelBlock`: the product's output channels per work-item (≤ 16).
    public static func convolve(
        library: KernelLibrary, geometry g: Geometry, input: StoredBuffer, weights: StoredBuffer, weightOffset: Int = 0,
        flip: Bool = false, bias: Buffer<Float>?, biasOffset: Int = 0, relu: Bool = false, output: StoredBuffer,
        filter: Region, transformed: Region, products: Region, channelBlock: Int = defaultChannelBlock
    ) throws {
        precondition(channelBlock > 0 && channelBlock <= largestChannelBlock, "channel block \(channelBlock)")
        precondition(filter.buffer.count - filter.offset >= g.filterCount, "Winograd filter scratch")
        precondition(transformed.buffer.count - transformed.offset >= g.transformedCount, "Winograd input scratch")
        precondition(products.buffer.count - products.offset >= g.productCount, "Winograd product scratch")
        input.requireCount(g.images * g.channels * g.inHeight * g.inWidth, "Winograd input")
        output.requireCount(g.images * g.outChannels * g.outHeight * g.outWidth, "Winograd output")
        let options = "-DWINOGRAD4_KB=\(channelBlock)"
        let panels = (g.outChannels + channelBlock - 1) / channelBlock
        try library.kernel("winograd4", weights.isHalf ? "winograd4_weights" : "winograd4_weights_float", options: options)
            .enqueue(
                on: library.queue, global: [g.channels, panels * channelBlock], g.channels, g.outChannels, flip ? 1 : 0,
                weights, weightOffset, filter.buffer, filter.offset)
        let transformInput = try library.kernel(
            "winograd4", input.isHalf ? "winograd4_input" : "winograd4_input_float", options: options)
        let multiply = try library.kernel("winograd4", "winograd4_multiply", options: options)
        let transformOutput = try library.kernel(
            "winograd4", output.isHalf ? "winograd4_output" : "winograd4_output_float", options: options)
        let local: [Int]? = library.gpu.info.isCPU ? [1, 1, 1] : nil
        let (tileRows, tileColumns, ld) = (g.tileRows, g.tileColumns, g.leadingDimension)
        let totalRows = g.images * tileRows
        let blocks = (tileColumns + 7) / 8
        var first = 0
        while first < totalRows {
            let rows = min(g.chunkRows, totalRows - first)
            try transformInput.enqueue(
                on: library.queue, global: [blocks, rows, g.channels], local: local, g.channels, g.inHeight, g.inWidth,
                tileRows, tileColumns, g.pad, first, rows, ld, input, transformed.buffer, transformed.offset)
            try multiply.enqueue(
                on: library.queue, global: [panels, (rows * tileColumns + 15) / 16, 36], local: local, g.channels,
                g.outChannels, ld, filter.buffer, filter.offset, transformed.buffer, transformed.offset, products.buffer,
                products.offset)
            try transformOutput.enqueue(
                on: library.queue, global: [blocks, rows, g.outChannels], local: local, g.outChannels, g.outHeight,
                g.outWidth, tileRows, tileColumns, first, rows, ld, products.buffer, products.offset, bias == nil ? 0 : 1,
                bias ?? filter.buffer, biasOffset, relu ? 1 : 0, output)
            first += rows
        }
    }
}
