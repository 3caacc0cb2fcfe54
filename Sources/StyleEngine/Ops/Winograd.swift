import CLRuntime

/// 3×3 convolution by Winograd F(2×2, 3×3) (kernels/winograd.cl): input tiles and weights
/// transformed, 16 batched GEMMs (ConvGEMM), outputs transformed back. Bands of tile rows keep
/// the transformed input within `scratch.columns`.
enum Winograd {
    /// Used where both channel counts are at least this: below it the GEMMs are too thin.
    static let minimumChannels = 16

    static func applies(to layer: DeviceConvLayer, library: KernelLibrary) -> Bool {
        applies(inChannels: layer.inChannels, outChannels: layer.outChannels, library: library)
    }

    static func applies(inChannels: Int, outChannels: Int, library: KernelLibrary) -> Bool {
        library.convolution == .winograd && min(inChannels, outChannels) >= minimumChannels
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

    /// output = conv(input) (+ bias, ReLU), for the forward (`flip` false: C → K with the
    /// layer's filter) or the backward to the input (`flip` true: K → C with the transposed,
    /// flipped filter, no bias).
    static func convolve(
        library: KernelLibrary, layer: DeviceConvLayer, flip: Bool, input: any KernelArgument, inputIsStored: Bool,
        height: Int, width: Int, output: any KernelArgument, outputIsStored: Bool, bias: Bool, relu: Bool,
        scratch: ConvScratch
    ) throws {
        let (inChannels, outChannels) = flip ? (layer.outChannels, layer.inChannels) : (layer.inChannels, layer.outChannels)
        guard let transformed = scratch.weights, let products = scratch.products else {
            preconditionFailure("a Winograd convolution needs weight and product scratch")
        }
        let uStride = ConvGEMM.paddedRows(outChannels, library: library) * inChannels
        try library.kernel("winograd", "winograd_weights").enqueue(
            on: library.queue, global: [layer.inChannels, layer.outChannels], layer.outChannels, layer.inChannels,
            flip ? 1 : 0, ConvGEMM.panelRows(library), uStride, layer.weights, transformed)
        let tilesX = (width + 1) / 2
        let tileRowsPerBand = bandTileRows(
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
                tileRows, products, bias ? 1 : 0, layer.bias, relu ? 1 : 0, output)
        }
    }
}
