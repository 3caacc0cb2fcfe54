/// How a tiled apply cuts one photo: every layer of the network in bands of whole rows of its
/// output, the same share of the image for every layer (`bandRows` rows of the network's
/// output, scaled to each layer's resolution, at least one row), so that each band's float
/// input (with its halo) and output fit `budgetBytes` of device memory.
public struct TilePlan: Sendable, Equatable, CustomStringConvertible {
    /// The photo's size (the network's input).
    public let height: Int
    public let width: Int
    /// Rows of the network's output per band.
    public let bandRows: Int
    /// Per layer: rows of its output per band.
    public let layerBandRows: [Int]
    /// Bands of every layer together.
    public let tiles: Int
    /// The most device bytes one band of any layer takes (input, output).
    public let largestBandBytes: Int
    /// The device bytes the bands may take.
    public let budgetBytes: Int

    /// A plan for `network` on a `height` × `width` photo. `bandRows` forces bands of at most
    /// that many output rows (nil: as large as `budgetBytes` allows). Throws
    /// `ApplyError.tooLargeForDevice` when not even one row of some layer fits.
    public init(network: TransformerNetwork, height: Int, width: Int, budgetBytes: Int, bandRows forced: Int? = nil) throws {
        precondition(forced.map { $0 > 0 } ?? true, "band rows must be positive")
        let geometries = TileGeometry.network(network, height: height, width: width)
        let outputHeight = geometries.last!.output.height
        // The largest band of the network's output rows every layer fits.
        var fitting = outputHeight
        for geometry in geometries {
            let rows = geometry.rowsFitting(bytes: budgetBytes)
            guard rows >= 1 else {
                throw ApplyError.tooLargeForDevice(width: width, height: height, budgetBytes: budgetBytes)
            }
            // rows ≥ ⌊bandRows · Ho / outputHeight⌋ must hold.
            fitting = min(fitting, ((rows + 1) * outputHeight - 1) / geometry.output.height)
        }
        let bandRows = max(1, min(forced ?? outputHeight, fitting, outputHeight))
        self.height = height
        self.width = width
        self.bandRows = bandRows
        self.budgetBytes = budgetBytes
        layerBandRows = geometries.map { max(1, min($0.output.height, bandRows * $0.output.height / outputHeight)) }
        tiles = zip(geometries, layerBandRows).map { ($0.output.height + $1 - 1) / $1 }.reduce(0, +)
        largestBandBytes = zip(geometries, layerBandRows).map { $0.bandBytes(rows: $1) }.max()!
    }

    /// One line: "tiled apply 4096×4096: 16 layers in bands of 256 output rows, 512 tiles, up to
    /// 300 MiB a band of 1900 MiB".
    public var description: String {
        "tiled apply \(width)×\(height): \(layerBandRows.count) layers in bands of \(bandRows) output rows, \(tiles) tiles, "
            + "up to \(Self.mebibytes(largestBandBytes)) a band of \(Self.mebibytes(budgetBytes)) device memory"
    }

    /// "1900 MiB"; a tenth under 10 MiB, so that small bands do not read as 0.
    static func mebibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value < 10 ? "\((value * 10).rounded(.up) / 10) MiB" : "\(Int(value.rounded(.up))) MiB"
    }

    /// Device bytes an untiled apply of a `height` × `width` photo allocates: the float image
    /// and output, and `TransformerActivations`' apply buffers and statistics.
    public static func untiledBytes(network: TransformerNetwork, height: Int, width: Int) -> Int {
        let storage = network.library.precision == .fp16 ? 2 : 4
        var shape = TensorShape(channels: 3, height: height, width: width)
        var (resampled, padded, output, statistics) = (0, 0, 0, 0)
        for layer in network.layers {
            let shapes = layer.shapes(input: shape)
            if layer.upsample { resampled = max(resampled, shapes.resampled.count) }
            padded = max(padded, shapes.padded.count)
            if layer.norm != nil { statistics += 4 * InstanceNorm.statisticsCount(shapes.conv.output) }
            shape = shapes.conv.output
            output = max(output, shape.count)
        }
        return 4 * (3 * height * width + shape.count) + storage * (resampled + padded + 3 * output) + statistics
    }
}
