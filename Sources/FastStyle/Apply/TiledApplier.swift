import CLRuntime
import StyleEngine

/// TransformerNet applied layer by layer to a photo whose activations do not fit the device:
/// every activation of the whole image stays on the host (float), and each layer runs on the
/// device in row bands (`TilePlan`). A band's input is gathered on the host with its halo
/// (real neighbours inside the image, reflection only at its border, upsampled where the
/// layer upsamples), so its convolution is the whole image's on those rows. Each instance
/// norm's statistics are reduced over all bands of its layer (`TileStatistics`, Double)
/// before any value is normalized, so the norms are exact, not per tile; the norm (ReLU,
/// residual add) is then applied on the host as the device's kernel computes it.
///
/// The result equals the untiled pass's up to float rounding (the statistics are reduced in
/// another order). Activations stay float whatever the library's storage precision. Uses
/// the network's queue: one thread at a time.
public struct TiledApplier {
    public let network: TransformerNetwork

    public init(network: TransformerNetwork) {
        self.network = network
    }

    /// TransformerNet(image) for one image: `image` 3×`height`×`width` float planes (0–255,
    /// not changed) → the output's 3×H'×W' float planes (H', W' as
    /// `TransformerNetwork.outputShape`). Device allocations: one band's input and output at
    /// a time, as `plan` (made for this size) sized them.
    public func forward(image: [Float], height: Int, width: Int, style: StyleSelection = .style(0), plan: TilePlan) throws
        -> [Float]
    {
        guard height >= 5 && width >= 5 else { throw FastStyleError.input("\(height)×\(width) is under 5×5") }
        precondition(plan.height == height && plan.width == width, "a tile plan for another size")
        precondition(image.count == 3 * height * width, "image planes")
        let queue = network.library.queue
        let affines = try network.affineRows(for: style)
        let geometries = TileGeometry.network(network, height: height, width: width)
        var current = image
        var blockInput: [Float]?
        for (index, geometry) in geometries.enumerated() {
            // The layer before a residual block's second conv opens the block: keep its input.
            if index + 1 < geometries.count && geometries[index + 1].layer.closesResidual { blockInput = current }
            var (output, statistics) = try convolve(current, geometry, bandRows: plan.layerBandRows[index])
            if let affine = affines[index], let statistics {
                let channels = geometry.output.channels
                let gamma = try affine.gamma.buffer.download(offset: affine.gamma.offset, count: channels, queue: queue)
                let beta = try affine.beta.buffer.download(offset: affine.beta.offset, count: channels, queue: queue)
                Self.normalize(
                    &output, positions: geometry.output.positions, statistics: statistics, gamma: gamma, beta: beta,
                    relu: geometry.layer.relu, residual: geometry.layer.closesResidual ? blockInput : nil)
            }
            if geometry.layer.closesResidual { blockInput = nil }
            current = output
        }
        return current
    }

    /// One layer's convolution over the whole of `input` (its 1×C×H×W float planes), band by
    /// band on the device: the output planes (1×K×Ho×Wo, before any norm) and, where the layer
    /// has a norm, their statistics over all bands.
    func convolve(_ input: [Float], _ geometry: TileGeometry, bandRows: Int) throws -> ([Float], TileStatistics?) {
        let library = network.library
        let (channels, inHeight, inWidth) = (geometry.input.channels, geometry.input.height, geometry.input.width)
        let (outChannels, outHeight, outWidth) = (geometry.output.channels, geometry.output.height, geometry.output.width)
        let paddedWidth = geometry.paddedWidth
        let layer = geometry.layer
        let tuning = network.tuning(geometry.wholeShape)
        let weights = network.parameters.slice(layer.weightName)
        let bias = network.parameters.slice(layer.biasName)
        let bandInput = try library.gpu.buffer(Float.self, count: channels * geometry.inputRows(bandRows) * paddedWidth)
        let bandOutput = try library.gpu.buffer(Float.self, count: outChannels * bandRows * outWidth)
        let workspace = try library.gpu.buffer(Float.self, count: max(1, geometry.bandShape(rows: bandRows).forwardWorkspaceCount))
        let columns = geometry.sourceColumns()
        var output = [Float](repeating: 0, count: geometry.output.count)
        var statistics = layer.norm != nil ? TileStatistics(channels: outChannels) : nil
        var first = 0
        while first < outHeight {
            let rows = min(bandRows, outHeight - first)
            let shape = geometry.bandShape(rows: rows)
            var staged = [Float](repeating: 0, count: channels * shape.inHeight * paddedWidth)
            input.withUnsafeBufferPointer { source in
                columns.withUnsafeBufferPointer { columns in
                    staged.withUnsafeMutableBufferPointer { staged in
                        for row in 0..<shape.inHeight {
                            let sourceRow = geometry.source(padded: first * layer.stride + row, size: geometry.resampled.height)
                            for channel in 0..<channels {
                                let from = source.baseAddress! + (channel * inHeight + sourceRow) * inWidth
                                let to = staged.baseAddress! + (channel * shape.inHeight + row) * paddedWidth
                                for x in 0..<paddedWidth { to[x] = from[Int(columns[x])] }
                            }
                        }
                    }
                }
            }
            try bandInput.upload(staged, queue: library.queue)
            try StridedConvolution.forward(
                library: library, shape: shape, input: .float(bandInput), weights: weights, bias: bias,
                output: .float(bandOutput), tuning: tuning, workspace: workspace)
            let band = try bandOutput.download(count: outChannels * rows * outWidth, queue: library.queue)
            let positions = rows * outWidth
            band.withUnsafeBufferPointer { band in
                output.withUnsafeMutableBufferPointer { output in
                    for channel in 0..<outChannels {
                        let to = output.baseAddress! + (channel * outHeight + first) * outWidth
                        to.update(from: band.baseAddress! + channel * positions, count: positions)
                    }
                }
                statistics?.add(planes: band, positions: positions)
            }
            first += rows
        }
        return (output, statistics)
    }

    /// values = γ·(values − μ)/σ + β per channel (then ReLU, then + residual), OVERWRITING
    /// values (C planes of `positions`), with the whole image's statistics, computed as
    /// `instance_norm_forward` computes it (scale and shift in float, one fused multiply-add).
    static func normalize(
        _ values: inout [Float], positions: Int, statistics: TileStatistics, gamma: [Float], beta: [Float], relu: Bool,
        residual: [Float]?
    ) {
        precondition(values.count == statistics.channels * positions && residual.map { $0.count == values.count } ?? true)
        values.withUnsafeMutableBufferPointer { values in
            for channel in 0..<statistics.channels {
                let inverseStd = Float(statistics.inverseStd(channel))
                let scale = gamma[channel] * inverseStd
                let shift = beta[channel] - Float(statistics.means[channel]) * scale
                let base = channel * positions
                for index in base..<(base + positions) {
                    var y = shift.addingProduct(values[index], scale)
                    if relu { y = max(y, 0) }
                    values[index] = y
                }
            }
            if let residual {
                residual.withUnsafeBufferPointer { residual in
                    for index in 0..<values.count { values[index] = residual[index] + values[index] }
                }
            }
        }
    }
}
