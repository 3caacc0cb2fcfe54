import CLRuntime
import Foundation
import StyleEngine

/// `stylize-bench --tiling`: the tiled objective against the whole-image one on the sample
/// images, first what each halo costs in exactness, then the time of an evaluation.
struct TilingBench {
    let device: Device
    let configuration: EngineConfiguration
    let weightsURL: URL
    let samples: String
    let tileSize: Int

    struct Row: Codable {
        let size: Int
        let halo: Int
        let tiles: Int
        /// |tiled − whole| / whole of each loss part.
        let content: Double
        let style: Double
        let totalVariation: Double
        /// ‖g_tiled − g_whole‖ / ‖g_whole‖.
        let gradient: Double
        /// Median seconds of one evaluation (forward and backward), and the whole image's.
        let seconds: Double
        let wholeSeconds: Double
    }

    func run(sizes: [Int]) throws -> [Row] {
        var rows: [Row] = []
        for size in sizes {
            let (settings, images) = try BenchImages.samples(samples, size: size, iterations: 0)
            let weights = try VGG19Weights.load(
                from: weightsURL, convolutionCount: VGG19Network.convolutionsNeeded(for: settings.loss.layers))
            let session = try EngineSession(device: device, weights: weights, configuration: configuration)
            let targets = try StyleTargets.compute(
                session: session, styles: images.styles, blendWeights: images.blendWeights,
                layers: settings.loss.styleLayers, scratchLimit: settings.scratchLimit)
            // An image away from the content, so that every loss part and the gradient are large.
            var state: UInt64 = 12345
            let pixels = images.content.pixels.map { value -> Float in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return value + Float(Int64(state >> 40) % 61 - 30)
            }
            let gpu = session.computeDevice
            let image = try gpu.buffer(pixels)
            let gradient = try gpu.buffer(Float.self, count: pixels.count)

            func measure(_ objective: any Objective) throws -> (LossParts, [Float], Double) {
                var times: [Double] = []
                var loss = LossParts(content: 0, style: 0, totalVariation: 0)
                for _ in 0..<3 {
                    let start = Date()
                    try objective.evaluate(image: image, gradient: gradient)
                    loss = objective.lossParts(from: try session.scalars.read())
                    times.append(Date().timeIntervalSince(start))
                }
                return (loss, try gradient.download(queue: gpu.queue), times.sorted()[1])
            }
            let (whole, wholeGradient, wholeSeconds) = try session.scalars.scoped {
                try measure(
                    StyleObjective(
                        session: session, targets: targets, content: images.content, settings: settings.loss,
                        scratchLimit: settings.scratchLimit))
            }
            let field = ReceptiveField(deepestOf: settings.loss.layers)
            for halo in stride(from: field.exactHalo, through: 0, by: -field.stride) {
                let grid = TileGrid(
                    height: images.content.height, width: images.content.width, tileSize: tileSize, halo: halo,
                    alignment: field.stride)
                let (tiled, tiledGradient, seconds) = try session.scalars.scoped {
                    try measure(
                        TiledObjective(
                            session: session, targets: targets, content: images.content, grid: grid,
                            settings: settings.loss, scratchLimit: settings.scratchLimit))
                }
                var difference = 0.0, norm = 0.0
                for (a, b) in zip(tiledGradient, wholeGradient) {
                    difference += Double(a - b) * Double(a - b)
                    norm += Double(b) * Double(b)
                }
                func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }
                let row = Row(
                    size: size, halo: halo, tiles: grid.tiles.count, content: relative(tiled.content, whole.content),
                    style: relative(tiled.style, whole.style),
                    totalVariation: relative(tiled.totalVariation, whole.totalVariation),
                    gradient: (difference / norm).squareRoot(), seconds: seconds, wholeSeconds: wholeSeconds)
                print(
                    String(
                        format: "%d² halo %d (%d tiles): content %.1e, style %.1e, TV %.1e, gradient %.1e; %.2f s vs %.2f s",
                        size, halo, row.tiles, row.content, row.style, row.totalVariation, row.gradient, seconds,
                        wholeSeconds))
                rows.append(row)
            }
        }
        return rows
    }

    static func printTable(_ rows: [Row]) {
        StyleEngine.printTable(
            header: ["size", "tiles", "halo px", "content", "style", "TV", "gradient (rel. L2)", "s/evaluation", "one pass"],
            rows: rows.map {
                [
                    "\($0.size)²", "\($0.tiles)", "\($0.halo)", String(format: "%.1e", $0.content),
                    String(format: "%.1e", $0.style), String(format: "%.1e", $0.totalVariation),
                    String(format: "%.1e", $0.gradient), String(format: "%.2f", $0.seconds),
                    String(format: "%.2f", $0.wholeSeconds),
                ]
            })
    }
}
