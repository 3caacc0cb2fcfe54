import CLRuntime

/// 3×3 convolution by Winograd F(2×2, 3×3) (kernels/winograd.cl): input tiles and weights
/// transformed, 16 batched GEMMs (ConvGEMM), outputs transformed back. Bands of tile rows keep
/// the transformed input within `scratch.columns`.
///
/// Shapes: input [C×H×W] → V [16 × C × tiles] (`columns`) → M = U·V [16 × K × tiles]
/// (`products`) → output [K×H×W]; U [16 × K × C] is the filter transformed on each call into
/// the weight scratch (so nothing is prepared). The backward to the input is the same with the
/// transposed, flipped filter (K → C). F(2×2, 3×3) is for 3×3 kernels at stride 1 only.
final class WinogradConvolution: ConvolutionMethod, @unchecked Sendable {
    /// Used where both channel counts are at least this: below it the GEMMs are too thin.
    static let minimumChannels = 16

    let shape: ConvolutionShape
    /// K × C·9 in the storage precision, transformed per call.
    let weights: StoredBuffer
    let bias: Buffer<Float>

    init(shape: ConvolutionShape, weights: StoredBuffer, bias: Buffer<Float>, library: KernelLibrary) throws {
        self.shape = shape
        self.weights = weights
        self.bias = bias
    }

    func forward(
        library: KernelLibrary, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        scratch: ConvScratch, relu: Bool
    ) throws {
        let inputIsStored = if case .half = input { true } else { false }
        let outputIsStored = if case .half = output { true } else { false }
        try convolve(
            library: library, flip: false, input: input, inputIsStored: inputIsStored, height: height, width: width,
            output: output, outputIsStored: outputIsStored, bias: true, relu: relu, scratch: scratch)
    }

    func backwardInput(
        library: KernelLibrary, gradOutput: Buffer<Float>, height: Int, width: Int, gradInput: Buffer<Float>,
        scratch: ConvScratch
    ) throws {
        try convolve(
            library: library, flip: true, input: gradOutput, inputIsStored: false, height: height, width: width,
            output: gradInput, outputIsStored: false, bias: false, relu: false, scratch: scratch)
    }

    /// Shared with im2col (`Conv3x3.bandColumns`): V needs less than im2col's whole matrix.
    func columns(height: Int, width: Int, library: KernelLibrary) -> (whole: Int, minimum: Int) {
        Conv3x3.bandColumns(shape, height: height, width: width, library: library)
    }

    /// U for either direction; M for either direction's bands in `columns`.
    func scratch(height: Int, width: Int, columns: Int, library: KernelLibrary) -> ConvScratch.Needs {
        let directions = [(shape.inChannels, shape.outChannels), (shape.outChannels, shape.inChannels)]
        return ConvScratch.Needs(
            weights: directions.map { Self.transformedWeightCount(rows: $0.1, cols: $0.0, library: library) }.max()!,
            products: directions.map {
                Self.productCount(
                    inChannels: $0.0, outChannels: $0.1, height: height, width: width, scratchCount: columns,
                    library: library)
            }.max()!)
    }

    /// Smallest band scratch (floats) for one tile row of a layer with at most `channels`
    /// channels either way, at width `width`.
    static func minimumColumns(channels: Int, width: Int, library: KernelLibrary) -> Int {
        16 * channels * ConvGEMM.paddedColumns((width + 1) / 2, library: library)
    }

    /// Tile rows per band such that both V [16 × C × ldv] (ldv: the band's tiles, padded for
    /// the GEMM) and the products M [16 × K × tiles] fit in `scratchCount` floats each.
    static func bandTileRows(
        inChannels: Int, outChannels: Int, height: Int, width: Int, scratchCount: Int, library: KernelLibrary
    ) -> Int {
        let tilesX = (width + 1) / 2
        var rows = max(1, min((height + 1) / 2, scratchCount / (16 * max(inChannels, outChannels) * tilesX)))
        while rows > 1
            && 16 * max(inChannels, outChannels) * ConvGEMM.paddedColumns(rows * tilesX, library: library) > scratchCount
        {
            rows -= 1
        }
        return rows
    }

    /// Floats of the GEMM output M for a conv of `inChannels` → `outChannels` at this size.
    static func productCount(
        inChannels: Int, outChannels: Int, height: Int, width: Int, scratchCount: Int, library: KernelLibrary
    ) -> Int {
        16 * outChannels * ((width + 1) / 2)
            * bandTileRows(
                inChannels: inChannels, outChannels: outChannels, height: height, width: width,
                scratchCount: scratchCount, library: library)
    }

    /// Floats of the transformed filter U [16 × rows × cols], rows padded to whole panels.
    static func transformedWeightCount(rows: Int, cols: Int, library: KernelLibrary) -> Int {
        16 * ConvGEMM.paddedRows(rows, library: library) * cols
    }

    /// The band-scratch methods' estimate (im2col's too): band scratch of the whole image
    /// (capped), about as much again for products or bands, and one layer's transformed filter.
    static func estimate(shape: ConvolutionShape, positions: Int, precisionBytes: Int, scratchLimit: Int)
        -> MemoryPlan.ConvolutionEstimate
    {
        MemoryPlan.ConvolutionEstimate(
            bandFloats: 2 * min(shape.widestChannels * 9 * positions, scratchLimit),
            weightScratchFloats: 16 * shape.outChannels * shape.inChannels, preparedBytes: 0)
    }

    /// output = conv(input) (+ bias, ReLU), for the forward (`flip` false: C → K with the
    /// layer's filter) or the backward to the input (`flip` true: K → C with the transposed,
    /// flipped filter, no bias). Overwrites output.
    private func convolve(
        library: KernelLibrary, flip: Bool, input: any KernelArgument, inputIsStored: Bool,
        height: Int, width: Int, output: any KernelArgument, outputIsStored: Bool, bias: Bool, relu: Bool,
        scratch: ConvScratch
    ) throws {
        let (inChannels, outChannels) = flip ? (shape.outChannels, shape.inChannels) : (shape.inChannels, shape.outChannels)
        guard let transformed = scratch.weights, let products = scratch.products else {
            preconditionFailure("a Winograd convolution needs weight and product scratch")
        }
        let uStride = ConvGEMM.paddedRows(outChannels, library: library) * inChannels
        try library.kernel("winograd", "winograd_weights").enqueue(
            on: library.queue, global: [shape.inChannels, shape.outChannels], shape.outChannels, shape.inChannels,
            flip ? 1 : 0, ConvGEMM.panelRows(library), uStride, weights, transformed)
        let tilesX = (width + 1) / 2
        let tileRowsPerBand = Self.bandTileRows(
            inChannels: inChannels, outChannels: outChannels, height: height, width: width,
            scratchCount: scratch.columns.count, library: library)
        let inputKernel = try library.kernel("winograd", inputIsStored ? "winograd_input_stored" : "winograd_input")
        let outputKernel = try library.kernel("winograd", outputIsStored ? "winograd_output_stored" : "winograd_output")
        try Conv3x3.forEachBand(height: (height + 1) / 2, rowsPerBand: tileRowsPerBand) { tileRow0, tileRows in
            let tiles = tileRows * tilesX
            let ldv = ConvGEMM.paddedColumns(tiles, library: library)
            precondition(
                16 * inChannels * ldv <= scratch.columns.count && 16 * outChannels * tiles <= products.count,
                "Winograd scratch too small")
            try inputKernel.enqueue(
                on: library.queue, global: [tilesX, tileRows, inChannels], inChannels, height, width, tileRow0, tileRows,
                ldv, input, scratch.columns)
            try ConvGEMM.multiply(
                library: library, m: outChannels, n: tiles, k: inChannels, a: transformed, aStride: uStride,
                b: scratch.columns, ldb: ldv, bStride: inChannels * ldv, c: products, ldc: tiles,
                cStride: outChannels * tiles, batch: 16)
            try outputKernel.enqueue(
                on: library.queue, global: [tilesX, tileRows, outChannels], outChannels, height, width, tileRow0,
                tileRows, products, bias ? 1 : 0, self.bias, relu ? 1 : 0, output)
        }
    }
}
