import CLRuntime

/// One 3×3 convolution layer on the device (stride 1, zero padding 1), with fixed weights.
public final class DeviceConvLayer: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    /// K × C·9, row-major (PyTorch's K×C×3×3), in the run's storage precision.
    public let weights: StoredBuffer
    /// C × K·9: the transposed, flipped filter of the backward-to-input convolution, kept for
    /// FP32 im2col layers. FP16 runs derive it from `weights` when needed (halving weight
    /// memory), and Winograd layers transform the flipped filter on the fly.
    public let flippedWeights: Buffer<Float>?
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
        if library.precision == .fp32 && !winograd {
            let flipped = try library.gpu.buffer(Float.self, count: weights.count)
            try Conv3x3.flipTranspose(library: library, layer: self.weights, outChannels: outChannels, inChannels: inChannels, into: flipped)
            flippedWeights = flipped
        } else {
            flippedWeights = nil
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
    /// Rows per band such that C·9 × rows·W floats fit in `scratchCount`.
    static func bandRows(channels: Int, height: Int, width: Int, scratchCount: Int) -> Int {
        max(1, min(height, scratchCount / (channels * 9 * width)))
    }

    /// Smallest scratch (floats) that lets a layer of `channels` inputs run at width `width`.
    public static func minimumScratch(channels: Int, width: Int) -> Int { channels * 9 * width }

    /// output[K×H×W] = conv(input[C×H×W]) + bias, then ReLU when `relu` is set.
    public static func forward(
        library: KernelLibrary, layer: DeviceConvLayer, input: StoredBuffer, height: Int, width: Int,
        output: StoredBuffer, scratch: ConvScratch, relu: Bool
    ) throws {
        if Winograd.applies(to: layer, library: library) {
            let inputIsStored = if case .half = input { true } else { false }
            let outputIsStored = if case .half = output { true } else { false }
            return try Winograd.convolve(
                library: library, layer: layer, flip: false, input: input, inputIsStored: inputIsStored, height: height,
                width: width, output: output, outputIsStored: outputIsStored, bias: true, relu: relu, scratch: scratch)
        }
        let positions = height * width
        let rowsPerBand = bandRows(
            channels: layer.inChannels, height: height, width: width, scratchCount: scratch.columns.count)
        let filter: Buffer<Float>
        switch layer.weights {
        case .float(let weights): filter = weights
        case .half:
            filter = scratch.weights!
            try layer.weights.copyAsFloats(to: filter, count: layer.weights.count, library: library)
        }
        let isFloat = if case .float = input { true } else { false }
        let im2col = try library.kernel("conv3x3", isFloat ? "im2col_3x3" : "im2col_3x3_stored")
        try forEachBand(height: height, rowsPerBand: rowsPerBand) { row0, rows in
            let bandPositions = rows * width
            try im2col.enqueue(
                on: library.queue, global: [width, rows, layer.inChannels * 9],
                layer.inChannels, height, width, row0, rows, input, scratch.columns)
            switch output {
            case .float(let out):
                try GEMM.sgemm(
                    queue: library.queue, m: layer.outChannels, n: bandPositions, k: layer.inChannels * 9,
                    a: filter, b: scratch.columns, ldb: bandPositions, c: out, cOffset: row0 * width, ldc: positions)
            case .half:
                let band = scratch.outputBand!
                try GEMM.sgemm(
                    queue: library.queue, m: layer.outChannels, n: bandPositions, k: layer.inChannels * 9,
                    a: filter, b: scratch.columns, ldb: bandPositions, c: band, ldc: bandPositions)
                try library.kernel("relu", "bias_activation_store").enqueue(
                    on: library.queue, global: [bandPositions, layer.outChannels], layer.outChannels, positions,
                    row0 * width, bandPositions, relu ? 1 : 0, layer.bias, band, output)
            }
        }
        if case .float(let out) = output {
            try library.kernel("relu", relu ? "bias_relu_forward" : "bias_forward").enqueue(
                on: library.queue, global: [positions, layer.outChannels], layer.outChannels, positions, layer.bias, out)
        }
    }

    /// gradInput[C×H×W] = ∂L/∂input given gradOutput[K×H×W] = ∂L/∂output (weights fixed).
    public static func backwardInput(
        library: KernelLibrary, layer: DeviceConvLayer, gradOutput: Buffer<Float>, height: Int, width: Int,
        gradInput: Buffer<Float>, scratch: ConvScratch
    ) throws {
        if Winograd.applies(to: layer, library: library) {
            return try Winograd.convolve(
                library: library, layer: layer, flip: true, input: gradOutput, inputIsStored: false, height: height,
                width: width, output: gradInput, outputIsStored: false, bias: false, relu: false, scratch: scratch)
        }
        let filter: Buffer<Float>
        if let flipped = layer.flippedWeights {
            filter = flipped
        } else {
            filter = scratch.weights!
            try flipTranspose(
                library: library, layer: layer.weights, outChannels: layer.outChannels, inChannels: layer.inChannels,
                into: filter)
        }
        let rowsPerBand = bandRows(
            channels: layer.outChannels, height: height, width: width, scratchCount: scratch.columns.count)
        let im2col = try library.kernel("conv3x3", "im2col_3x3")
        try forEachBand(height: height, rowsPerBand: rowsPerBand) { row0, rows in
            let bandPositions = rows * width
            try im2col.enqueue(
                on: library.queue, global: [width, rows, layer.outChannels * 9],
                layer.outChannels, height, width, row0, rows, gradOutput, scratch.columns)
            try GEMM.sgemm(
                queue: library.queue, m: layer.inChannels, n: bandPositions, k: layer.outChannels * 9,
                a: filter, b: scratch.columns, ldb: bandPositions, c: gradInput, cOffset: row0 * width,
                ldc: height * width)
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

    /// flipped[C × K·9] from stored weights [K × C·9].
    static func flipTranspose(
        library: KernelLibrary, layer weights: StoredBuffer, outChannels: Int, inChannels: Int, into flipped: Buffer<Float>
    ) throws {
        try library.kernel("conv3x3", "flip_transpose_3x3").enqueue(
            on: library.queue, global: [outChannels * inChannels * 9], outChannels, inChannels, weights, flipped)
    }
}
