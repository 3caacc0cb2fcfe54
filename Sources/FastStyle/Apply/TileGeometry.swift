/// One layer of a tiled apply seen as row bands: which rows of its (whole-image) input a band
/// of output rows reads, and the device bytes a band takes. The band's input is built on the
/// host already upsampled (where the layer upsamples) and reflection padded, as the whole
/// image would be: real neighbours inside, reflections only at the image's border.
struct TileGeometry: Sendable {
    let layer: TransformerLayer
    /// The layer's whole input (1×C×H×W) and output (1×K×Ho×Wo).
    let input: TensorShape
    let output: TensorShape
    /// The input after upsampling (or the input), before padding.
    let resampled: TensorShape

    init(layer: TransformerLayer, input: TensorShape) {
        self.layer = layer
        self.input = input
        let shapes = layer.shapes(input: input)
        resampled = shapes.resampled
        output = shapes.conv.output
    }

    /// Every layer's geometry for a 1×3×`height`×`width` photo.
    static func network(_ network: TransformerNetwork, height: Int, width: Int) -> [TileGeometry] {
        var shape = TensorShape(channels: 3, height: height, width: width)
        return network.layers.map { layer in
            let geometry = TileGeometry(layer: layer, input: shape)
            shape = geometry.output
            return geometry
        }
    }

    var paddedWidth: Int { resampled.width + 2 * layer.pad }

    /// Padded input rows that `rows` output rows read.
    func inputRows(_ rows: Int) -> Int { (rows - 1) * layer.stride + layer.kernelSize }

    /// The convolution of a band of `rows` output rows.
    func bandShape(rows: Int) -> StridedConvShape {
        StridedConvShape(
            inChannels: input.channels, outChannels: output.channels, kernelSize: layer.kernelSize, stride: layer.stride,
            inHeight: inputRows(rows), inWidth: paddedWidth)
    }

    /// The whole image's convolution (its tuning is the untiled pass's).
    var wholeShape: StridedConvShape { bandShape(rows: output.height) }

    /// Device bytes of a band: its float input and output, and the convolution's workspace
    /// (at most the whole image's).
    func bandBytes(rows: Int) -> Int {
        4 * (input.channels * inputRows(rows) * paddedWidth + output.channels * rows * output.width
            + wholeShape.forwardWorkspaceCount)
    }

    /// The most output rows whose band fits `bytes` (0 when not even one does).
    func rowsFitting(bytes: Int) -> Int {
        let fixed = 4 * (input.channels * (layer.kernelSize - layer.stride) * paddedWidth + wholeShape.forwardWorkspaceCount)
        let perRow = 4 * (input.channels * layer.stride * paddedWidth + output.channels * output.width)
        guard bytes > fixed else { return 0 }
        return min(output.height, (bytes - fixed) / perRow)
    }

    /// For each padded column, the input column it copies (reflection at the border, then
    /// the upsampling's source).
    func sourceColumns() -> [Int32] {
        (0..<paddedWidth).map { Int32(source(padded: $0, size: resampled.width)) }
    }

    /// The input row (or column) that padded index `index` of a side of `size` (after
    /// upsampling) copies: PyTorch's reflection (the edge is not repeated), then ⌊·/2⌋ where
    /// the layer upsamples.
    func source(padded index: Int, size: Int) -> Int {
        var i = index - layer.pad
        if i < 0 { i = -i } else if i >= size { i = 2 * (size - 1) - i }
        return layer.upsample ? i / 2 : i
    }
}
