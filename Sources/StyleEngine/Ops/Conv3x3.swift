import CLRuntime

/// One 3×3 convolution layer on the device (stride 1, zero padding 1), with fixed weights.
public final class DeviceConvLayer: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// K × C·9, row-major (PyTorch's K×C×3×3), in the run's storage precision.
    public let weights: StoredBuffer
    /// FP32 im2col layers keep their GEMM operands, packed for the library's GEMM (ConvGEMM):
    /// the filter K × C·9 (absent where `weights` already is that, one row per panel), and
    /// the transposed, flipped filter C × K·9 of the backward-to-input convolution. FP16 runs
    /// pack them into scratch when needed (halving weight memory), and Winograd layers
    /// transform the filter on the fly.
    public let forwardPanels: Buffer<Float>?
    public let backwardPanels: Buffer<Float>?
    /// Direct convolutions' filters, forward and backward-to-input, in DirectConv's panels and
    /// the storage precision (FP16 runs convert one layer's to float scratch per call).
    let directPanels: (forward: StoredBuffer, backward: StoredBuffer)?
    public let bias: Buffer<Float>

    /// A layer from float weights on the device (stored as the library's precision asks).
    public init(library: KernelLibrary, inChannels: Int, outChannels: Int, weights: Buffer<Float>, bias: Buffer<Float>)
        throws
    {
        precondition(weights.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.bias = bias
        self.weights = try StoredBuffer.storing(weights, library: library)
        let winograd = Winograd.applies(inChannels: inChannels, outChannels: outChannels, library: library)
        if DirectConv.applies(library) {
            let forward = try StoredBuffer.allocate(
                library: library, count: DirectConv.packedCount(rows: outChannels, cols: inChannels))
            let backward = try StoredBuffer.allocate(
                library: library, count: DirectConv.packedCount(rows: inChannels, cols: outChannels))
            for (panels, flip) in [(forward, false), (backward, true)] {
                try DirectConv.pack(
                    library: library, weights: self.weights, outChannels: outChannels, inChannels: inChannels,
                    flip: flip, into: panels)
            }
            directPanels = (forward, backward)
            (forwardPanels, backwardPanels) = (nil, nil)
        } else if library.precision == .fp32 && !winograd {
            let backward = try library.gpu.buffer(
                Float.self, count: ConvGEMM.paddedRows(inChannels, library: library) * outChannels * 9)
            try Conv3x3.packFlipped(
                library: library, layer: self.weights, outChannels: outChannels, inChannels: inChannels, into: backward)
            backwardPanels = backward
            directPanels = nil
            if ConvGEMM.panelRows(library) > 1 {
                let forward = try library.gpu.buffer(
                    Float.self, count: ConvGEMM.paddedRows(outChannels, library: library) * inChannels * 9)
                try ConvGEMM.pack(
                    library: library, rows: outChannels, cols: inChannels * 9, source: self.weights, into: forward)
                forwardPanels = forward
            } else {
                forwardPanels = nil
            }
        } else {
            forwardPanels = nil
            backwardPanels = nil
            directPanels = nil
        }
    }

    /// A layer from host arrays (tests, and weights that come as floats).
    public convenience init(library: KernelLibrary, inChannels: Int, outChannels: Int, weights: [Float], bias: [Float])
        throws
    {
        try self.init(
            library: library, inChannels: inChannels, outChannels: outChannels,
            weights: library.gpu.buffer(weights), bias: library.gpu.buffer(bias))
    }
}

/// Scratch a convolution needs: im2col bands (or Winograd's transformed input); one layer's
/// float weights (FP16 runs) or transformed weights (Winograd); the float GEMM output band
/// that FP16 runs store as half; Winograd's GEMM products.
public struct ConvScratch {
    public let columns: Buffer<Float>
    public let weights: Buffer<Float>?
    public let outputBand: Buffer<Float>?
    public let products: Buffer<Float>?

    public init(columns: Buffer<Float>, weights: Buffer<Float>?, outputBand: Buffer<Float>?, products: Buffer<Float>? = nil) {
        self.columns = columns
        self.weights = weights
        self.outputBand = outputBand
        self.products = products
    }
}

/// 3×3 convolution as im2col + GEMM, processed in bands of rows so that the im2col
/// scratch never exceeds `scratch.columns.count` floats, whatever the image size.
public enum Conv3x3 {
    /// Rows per band such that C·9 × ldb (rows·W padded for the GEMM) fits in `scratchCount`.
    static func bandRows(channels: Int, height: Int, width: Int, scratchCount: Int, library: KernelLibrary) -> Int {
        var rows = max(1, min(height, scratchCount / (channels * 9 * width)))
        while rows > 1 && channels * 9 * ConvGEMM.paddedColumns(rows * width, library: library) > scratchCount {
            rows -= 1
        }
        return rows
    }

    /// Smallest scratch (floats) that lets a layer with at most `channels` channels either way
    /// run at width `width`: one im2col row, or one Winograd tile row.
    public static func minimumScratch(channels: Int, width: Int, library: KernelLibrary) -> Int {
        max(
            channels * 9 * ConvGEMM.paddedColumns(width, library: library),
            16 * channels * ConvGEMM.paddedColumns((width + 1) / 2, library: library))
    }

    /// Floats of the packed weights scratch an FP16 im2col layer needs (either direction).
    static func packedWeightCount(_ layer: DeviceConvLayer, library: KernelLibrary) -> Int {
        max(
            ConvGEMM.paddedRows(layer.outChannels, library: library) * layer.inChannels,
            ConvGEMM.paddedRows(layer.inChannels, library: library) * layer.outChannels) * 9
    }

    /// output[K×H×W] = conv(input[C×H×W]) + bias, then ReLU when `relu` is set.
    public static func forward(
        library: KernelLibrary, layer: DeviceConvLayer, input: StoredBuffer, height: Int, width: Int,
        output: StoredBuffer, scratch: ConvScratch, relu: Bool
    ) throws {
        if DirectConv.applies(library) {
            return try DirectConv.forward(
                library: library, layer: layer, input: input, height: height, width: width, output: output,
                scratch: scratch, relu: relu)
        }
        if Winograd.applies(to: layer, library: library) {
            let inputIsStored = if case .half = input { true } else { false }
            let outputIsStored = if case .half = output { true } else { false }
            return try Winograd.convolve(
                library: library, layer: layer, flip: false, input: input, inputIsStored: inputIsStored, height: height,
                width: width, output: output, outputIsStored: outputIsStored, bias: true, relu: relu, scratch: scratch)
        }
        let positions = height * width
        let filter: Buffer<Float>
        if let panels = layer.forwardPanels {
            filter = panels
        } else if case .float(let weights) = layer.weights, ConvGEMM.panelRows(library) == 1 {
            filter = weights
        } else {
            filter = scratch.weights!
            try ConvGEMM.pack(
                library: library, rows: layer.outChannels, cols: layer.inChannels * 9, source: layer.weights,
                into: filter)
        }
        try forEachIm2colBand(
            library: library, input: input, channels: layer.inChannels, height: height, width: width,
            columns: scratch.columns
        ) { row0, bandPositions, ldb in
            switch output {
            case .float(let out):
                try ConvGEMM.multiply(
                    library: library, m: layer.outChannels, n: bandPositions, k: layer.inChannels * 9, a: filter,
                    b: scratch.columns, ldb: ldb, c: out, cOffset: row0 * width, ldc: positions,
                    epilogue: .init(bias: layer.bias, relu: relu))
            case .half:
                let band = scratch.outputBand!
                try ConvGEMM.multiply(
                    library: library, m: layer.outChannels, n: bandPositions, k: layer.inChannels * 9, a: filter,
                    b: scratch.columns, ldb: ldb, c: band, ldc: bandPositions)
                try library.kernel("relu", "bias_activation_store").enqueue(
                    on: library.queue, global: [bandPositions, layer.outChannels], layer.outChannels, positions,
                    row0 * width, bandPositions, relu ? 1 : 0, layer.bias, band, output)
            }
        }
    }

    /// gradInput[C×H×W] = ∂L/∂input given gradOutput[K×H×W] = ∂L/∂output (weights fixed).
    public static func backwardInput(
        library: KernelLibrary, layer: DeviceConvLayer, gradOutput: Buffer<Float>, height: Int, width: Int,
        gradInput: Buffer<Float>, scratch: ConvScratch
    ) throws {
        if DirectConv.applies(library) {
            return try DirectConv.backwardInput(
                library: library, layer: layer, gradOutput: gradOutput, height: height, width: width,
                gradInput: gradInput, scratch: scratch)
        }
        if Winograd.applies(to: layer, library: library) {
            return try Winograd.convolve(
                library: library, layer: layer, flip: true, input: gradOutput, inputIsStored: false, height: height,
                width: width, output: gradInput, outputIsStored: false, bias: false, relu: false, scratch: scratch)
        }
        let filter: Buffer<Float>
        if let panels = layer.backwardPanels {
            filter = panels
        } else {
            filter = scratch.weights!
            try packFlipped(
                library: library, layer: layer.weights, outChannels: layer.outChannels, inChannels: layer.inChannels,
                into: filter)
        }
        try forEachIm2colBand(
            library: library, input: .float(gradOutput), channels: layer.outChannels, height: height, width: width,
            columns: scratch.columns
        ) { row0, bandPositions, ldb in
            try ConvGEMM.multiply(
                library: library, m: layer.inChannels, n: bandPositions, k: layer.outChannels * 9, a: filter,
                b: scratch.columns, ldb: ldb, c: gradInput, cOffset: row0 * width, ldc: height * width)
        }
    }

    /// For each band of rows that fits in `columns`: writes its im2col matrix there (C·9 rows
    /// ldb apart, ldb padded for the GEMM), then calls `body(firstRow, bandPositions, ldb)`.
    static func forEachIm2colBand(
        library: KernelLibrary, input: StoredBuffer, channels: Int, height: Int, width: Int, columns: Buffer<Float>,
        body: (Int, Int, Int) throws -> Void
    ) throws {
        let rowsPerBand = bandRows(
            channels: channels, height: height, width: width, scratchCount: columns.count, library: library)
        let isFloat = if case .float = input { true } else { false }
        let im2col = try library.kernel("conv3x3", isFloat ? "im2col_3x3" : "im2col_3x3_stored")
        try forEachBand(height: height, rowsPerBand: rowsPerBand) { row0, rows in
            let bandPositions = rows * width
            let ldb = ConvGEMM.paddedColumns(bandPositions, library: library)
            precondition(channels * 9 * ldb <= columns.count, "im2col scratch too small")
            try im2col.enqueue(
                on: library.queue, global: [width, rows, channels * 9], channels, height, width, row0, rows, ldb, input,
                columns)
            try body(row0, bandPositions, ldb)
        }
    }

    /// Calls `body(firstRow, rowCount)` for consecutive bands of at most `rowsPerBand` rows.
    static func forEachBand(height: Int, rowsPerBand: Int, body: (Int, Int) throws -> Void) throws {
        var row0 = 0
        while row0 < height {
            let rows = min(rowsPerBand, height - row0)
            try body(row0, rows)
            row0 += rows
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
