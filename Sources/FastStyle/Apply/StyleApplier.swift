import CLRuntime
import StyleEngine

/// A transform network applied to pixels: an 8-bit RGB photo in, the stylized photo out, the
/// same size. Pixels go in as pytorch/examples' `stylize` gives them (RGB, 0–255, no mean
/// taken off); the result is clamped to 0–255 and rounded (theirs truncates). The network's
/// output is a multiple of 4 on each side; a photo that is not is cropped back to its size.
///
/// A photo whose untiled pass does not fit the device memory left (the session's limit, or
/// the device's memory, less what is allocated) runs tiled (`TiledApplier`, exact instance
/// norms); `bandRows` forces tiles of at most that many output rows.
public struct StyleApplier {
    public let network: TransformerNetwork
    /// Forces a tiled apply in bands of at most this many output rows (nil: tiles only when
    /// the untiled pass does not fit).
    public var bandRows: Int?

    public init(network: TransformerNetwork, bandRows: Int? = nil) {
        precondition(bandRows.map { $0 > 0 } ?? true, "band rows must be positive")
        self.network = network
        self.bandRows = bandRows
    }

    /// The tiles a `height` × `width` photo needs, or nil when it runs in one pass. Throws
    /// `ApplyError.tooLargeForDevice` when not even one-row bands fit.
    public func plan(height: Int, width: Int) throws -> TilePlan? {
        let untiled = TilePlan.untiledBytes(network: network, height: height, width: width)
        if bandRows == nil && untiled <= availableBytes { return nil }
        // The last untiled pass's tensors would only stand in the bands' way.
        network.releaseActivations()
        if bandRows == nil && untiled <= availableBytes { return nil }
        return try TilePlan(
            network: network, height: height, width: width, budgetBytes: max(0, availableBytes - Self.reserveBytes),
            bandRows: bandRows)
    }

    /// Device bytes still free: the device's memory budget less what is allocated.
    public var availableBytes: Int {
        let gpu = network.library.gpu
        return gpu.memoryBudget - gpu.context.allocatedBytes
    }

    /// Left out of a tile budget for what a tiled pass allocates besides its bands (a blend's γ/β rows).
    static let reserveBytes = 1 << 16

    /// `image` stylized with the selected style (weights as `TransformerModel.styleWeights`
    /// gives), in one pass or in the tiles `plan(height:width:)` gives.
    public func apply(_ image: RGBImage, style: StyleSelection = .style(0)) throws -> RGBImage {
        try apply(image, style: style, plan: try plan(height: image.height, width: image.width))
    }

    /// `image` stylized in one pass (`plan` nil) or in `plan`'s tiles.
    public func apply(_ image: RGBImage, style: StyleSelection, plan: TilePlan?) throws -> RGBImage {
        let library = network.library
        let (height, width) = (image.height, image.width)
        let planes = Self.planar(image)
        let outputShape = network.outputShape(height: height, width: width)
        let values: [Float]
        if let plan {
            values = try TiledApplier(network: network).forward(
                image: planes, height: height, width: width, style: style, plan: plan)
        } else {
            let input = try library.gpu.buffer(planes)
            let output = try library.gpu.buffer(Float.self, count: outputShape.count)
            try network.forward(image: input, height: height, width: width, output: output, style: style)
            values = try output.download(queue: library.queue)
        }
        return Self.interleaved(values, planeHeight: outputShape.height, planeWidth: outputShape.width, height: height, width: width)
    }

    /// RGB bytes → 3 planes of floats on 0–255.
    public static func planar(_ image: RGBImage) -> [Float] {
        let count = image.width * image.height
        var planes = [Float](repeating: 0, count: 3 * count)
        for index in 0..<count {
            for channel in 0..<3 { planes[channel * count + index] = Float(image.pixels[index * 3 + channel]) }
        }
        return planes
    }

    /// 3 planes of planeHeight × planeWidth → the top-left height × width as RGB bytes, each
    /// value clamped to 0–255 and rounded.
    static func interleaved(_ planes: [Float], planeHeight: Int, planeWidth: Int, height: Int, width: Int) -> RGBImage {
        let plane = planeHeight * planeWidth
        var pixels = [UInt8](repeating: 0, count: 3 * height * width)
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<3 {
                    let value = planes[channel * plane + y * planeWidth + x]
                    pixels[(y * width + x) * 3 + channel] = UInt8(min(255, max(0, value)).rounded())
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
