import CLRuntime

/// 3×3 convolution as im2col + GEMM (ConvGEMM), in bands of rows so that the im2col matrix
/// never exceeds `scratch.columns`, whatever the image size.
///
/// Shapes: input [C×H×W] → columns [C·9 × ldb] per band (ldb: the band's positions, padded
/// for the GEMM) → output [K×H×W] = filter [K × C·9] · columns. The backward to the input is
/// the same with the transposed, flipped filter [C × K·9] (K → C). FP32 layers pack both
/// filters for the library's GEMM once; FP16 layers pack one into weight scratch per call
/// (halving weight memory) and write each band's float output to `outputBand` before storing
/// it as half.
final class Im2colConvolution: ConvolutionMethod, @unchecked Sendable {
    let shape: ConvolutionShape
    /// K × C·9 in the storage precision.
    let weights: StoredBuffer
    let bias: Buffer<Float>
    /// FP32: the filter in the GEMM's panels (absent where `weights` already is that, one row
    /// per panel) and the backward's transposed, flipped filter; both absent in FP16.
    let forwardPanels: Buffer<Float>?
    let backwardPanels: Buffer<Float>?

    init(shape: ConvolutionShape, weights: StoredBuffer, bias: Buffer<Float>, library: KernelLibrary) throws {
        self.shape = shape
        self.weights = weights
        self.bias = bias
        let (inChannels, outChannels) = (shape.inChannels, shape.outChannels)
        guard library.precision == .fp32 else {
            (forwardPanels, backwardPanels) = (nil, nil)
            return
        }
        let backward = try library.gpu.buffer(
            Float.self, count: ConvGEMM.paddedRows(inChannels, library: library) * outChannels * 9)
        try Self.packFlipped(
            library: library, layer: weights, outChannels: outChannels, inChannels: inChannels, into: backward)
        backwardPanels = backward
        if ConvGEMM.panelRows(library) > 1 {
            let forward = try library.gpu.buffer(
                Float.self, count: ConvGEMM.paddedRows(outChannels, library: library) * inChannels * 9)
            try ConvGEMM.pack(library: library, rows: outChannels, cols: inChannels * 9, source: weights, into: forward)
            forwardPanels = forward
        } else {
            forwardPanels = nil
        }
    }

    func forward(
        library: KernelLibrary, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        scratch: ConvScratch, relu: Bool
    ) throws {
        let (inChannels, outChannels) = (shape.inChannels, shape.outChannels)
        let positions = height * width
        let filter: Buffer<Float>
        if let panels = forwardPanels {
            filter = panels
        } else if case .float(let floats) = weights, ConvGEMM.panelRows(library) == 1 {
            filter = floats
        } else {
            filter = scratch.weights!
            try ConvGEMM.pack(library: library, rows: outChannels, cols: inChannels * 9, source: weights, into: filter)
        }
        try Self.forEachBand(
            library: library, input: input, channels: inChannels, height: height, width: width,
            columns: scratch.columns
        ) { row0, bandPositions, ldb in
            switch output {
            case .float(let out):
                try ConvGEMM.multiply(
                    library: library, m: outChannels, n: bandPositions, k: inChannels * 9, a: filter,
                    b: scratch.columns, ldb: ldb, c: out, cOffset: row0 * width, ldc: positions,
                    epilogue: .init(bias: bias, relu: relu))
            case .half:
                let band = scratch.outputBand!
                try ConvGEMM.multiply(
                    library: library, m: outChannels, n: bandPositions, k: inChannels * 9, a: filter,
                    b: scratch.columns, ldb: ldb, c: band, ldc: bandPositions)
                try library.kernel("relu", "bias_activation_store").enqueue(
                    on: library.queue, global: [bandPositions, outChannels], outChannels, positions,
                    row0 * width, bandPositions, relu ? 1 : 0, bias, band, output)
            }
        }
    }

    func backwardInput(
        library: KernelLibrary, gradOutput: Buffer<Float>, height: Int, width: Int, gradInput: Buffer<Float>,
        scratch: ConvScratch
    ) throws {
        let (inChannels, outChannels) = (shape.inChannels, shape.outChannels)
        let filter: Buffer<Float>
        if let panels = backwardPanels {
            filter = panels
        } else {
            filter = scratch.weights!
            try Self.packFlipped(
                library: library, layer: weights, outChannels: outChannels, inChannels: inChannels, into: filter)
        }
        try Self.forEachBand(
            library: library, input: .float(gradOutput), channels: outChannels, height: height, width: width,
            columns: scratch.columns
        ) { row0, bandPositions, ldb in
            try ConvGEMM.multiply(
                library: library, m: inChannels, n: bandPositions, k: outChannels * 9, a: filter,
                b: scratch.columns, ldb: ldb, c: gradInput, cOffset: row0 * width, ldc: height * width)
        }
    }

    /// Shared with Winograd (`Conv3x3.bandColumns`).
    func columns(height: Int, width: Int, library: KernelLibrary) -> (whole: Int, minimum: Int) {
        Conv3x3.bandColumns(shape, height: height, width: width, library: library)
    }

    /// FP16: one direction's packed filter, and the float output of the forward's bands.
    func scratch(height: Int, width: Int, columns: Int, library: KernelLibrary) -> ConvScratch.Needs {
        guard library.precision == .fp16 else { return ConvScratch.Needs() }
        let (inChannels, outChannels) = (shape.inChannels, shape.outChannels)
        return ConvScratch.Needs(
            weights: max(
                ConvGEMM.paddedRows(outChannels, library: library) * inChannels,
                ConvGEMM.paddedRows(inChannels, library: library) * outChannels) * 9,
            outputBand: outChannels * width
                * Self.bandRows(
                    channels: inChannels, height: height, width: width, scratchCount: columns, library: library))
    }

    /// Reckoned as Winograd's, which covers it (bands and FP16 output band within twice the
    /// band scratch, the FP16 packed filter within 16·K·C); FP32's packed filters are not
    /// counted.
    static func estimate(shape: ConvolutionShape, positions: Int, precisionBytes: Int, scratchLimit: Int)
        -> MemoryPlan.ConvolutionEstimate
    {
        WinogradConvolution.estimate(
            shape: shape, positions: positions, precisionBytes: precisionBytes, scratchLimit: scratchLimit)
    }

    /// Smallest band scratch (floats) for one im2col row of a layer with at most `channels`
    /// channels either way, at width `width`.
    static func minimumColumns(channels: Int, width: Int, library: KernelLibrary) -> Int {
        channels * 9 * ConvGEMM.paddedColumns(width, library: library)
    }

    /// Rows per band such that C·9 × ldb (rows·W padded for the GEMM) fits in `scratchCount`.
    static func bandRows(channels: Int, height: Int, width: Int, scratchCount: Int, library: KernelLibrary) -> Int {
        var rows = max(1, min(height, scratchCount / (channels * 9 * width)))
        while rows > 1 && channels * 9 * ConvGEMM.paddedColumns(rows * width, library: library) > scratchCount {
            rows -= 1
        }
        return rows
    }

    /// For each band of rows that fits in `columns`: writes its im2col matrix there (C·9 rows
    /// ldb apart, ldb padded for the GEMM), then calls `body(firstRow, bandPositions, ldb)`.
    static func forEachBand(
        library: KernelLibrary, input: StoredBuffer, channels: Int, height: Int, width: Int, columns: Buffer<Float>,
        body: (Int, Int, Int) throws -> Void
    ) throws {
        let rowsPerBand = bandRows(
            channels: channels, height: height, width: width, scratchCount: columns.count, library: library)
        let isFloat = if case .float = input { true } else { false }
        let im2col = try library.kernel("conv3x3", isFloat ? "im2col_3x3" : "im2col_3x3_stored")
        try Conv3x3.forEachBand(height: height, rowsPerBand: rowsPerBand) { row0, rows in
            let bandPositions = rows * width
            let ldb = ConvGEMM.paddedColumns(bandPositions, library: library)
            precondition(channels * 9 * ldb <= columns.count, "im2col scratch too small")
            try im2col.enqueue(
                on: library.queue, global: [width, rows, channels * 9], channels, height, width, row0, rows, ldb, input,
                columns)
            try body(row0, bandPositions, ldb)
        }
    }

    /// The transposed, flipped filter C × K·9 from stored weights K × C·9, packed for the GEMM.
    static func packFlipped(
        library: KernelLibrary, layer weights: StoredBuffer, outChannels: Int, inChannels: Int, into packed: Buffer<Float>
    ) throws {
        try library.kernel("conv3x3", "flip_transpose_3x3").enqueue(
            on: library.queue, global: [outChannels * inChannels * 9], outChannels, inChannels,
            ConvGEMM.panelRows(library), weights, packed)
    }
}
