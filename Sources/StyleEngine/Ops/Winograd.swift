import CLRuntime

/// 3×3 convolution by Winograd F(2×2, 3×3) (kernels/winograd.cl): input tiles and weights
/// transformed, 16 strided-batched GEMMs, outputs transformed back. Bands of tile rows keep
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

    /// Tile rows per band such that both V [16 × C × tileRows·⌈W/2⌉] and the products
    /// M [16 × K × tileRows·⌈W/2⌉] fit in `scratchCount` floats each.
    static func bandTileRows(inChannels: Int, outChannels: Int, height: Int, width: Int, scratchCount: Int) -> Int {
        max(1, min((height + 1) / 2, scratchCount / (16 * max(inChannels, outChannels) * ((width + 1) / 2))))
    }

    /// Floats of the GEMM output M for a conv of `inChannels` → `outChannels` at this size.
    static func productCount(inChannels: Int, outChannels: Int, height: Int, width: Int, scratchCount: Int) -> Int {
        16 * outChannels * ((width + 1) / 2)
            * bandTileRows(
                inChannels: inChannels, outChannels: outChannels, height: height, width: width, scratchCount: scratchCount)
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
        try library.kernel("winograd", "winograd_weights").enqueue(
            on: library.queue, global: [layer.inChannels, layer.outChannels], layer.outChannels, layer.inChannels,
            flip ? 1 : 0, layer.weights, transformed)
        let tilesX = (width + 1) / 2
        let tileRowsPerBand = bandTileRows(
            inChannels: inChannels, outChannels: outChannels, height: height, width: width,
            scratchCount: scratch.columns.count)
        let inputKernel = try library.kernel("winograd", inputIsStored ? "winograd_input_stored" : "winograd_input")
        let outputKernel = try library.kernel("winograd", outputIsStored ? "winograd_output_stored" : "winograd_output")
        try Conv3x3.forEachBand(height: (height + 1) / 2, rowsPerBand: tileRowsPerBand) { tileRow0, tileRows in
            let tiles = tileRows * tilesX
            try inputKernel.enqueue(
                on: library.queue, global: [tilesX, tileRows, inChannels], inChannels, height, width, tileRow0, tileRows,
                input, scratch.columns)
            try GEMM.sgemmStridedBatched(
                queue: library.queue, m: outChannels, n: tiles, k: inChannels,
                a: transformed, aStride: outChannels * inChannels, b: scratch.columns, bStride: inChannels * tiles,
                c: products, cStride: outChannels * tiles, batchCount: 16)
            try outputKernel.enqueue(
                on: library.queue, global: [tilesX, tileRows, outChannels], outChannels, height, width, tileRow0,
                tileRows, products, bias ? 1 : 0, layer.bias, relu ? 1 : 0, output)
        }
    }
}
