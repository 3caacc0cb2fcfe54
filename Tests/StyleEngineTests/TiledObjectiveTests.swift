import CLRuntime
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The tiled objective against the whole-image one: the same loss parts and gradient when
/// the halo covers the deepest layer's receptive field, on tiles that really cut the image.
final class TiledObjectiveTests: XCTestCase {
    func testReceptiveFieldOfTheDefaultDeepestLayer() {
        let field = ReceptiveField(deepestOf: LossSettings().layers)
        XCTAssertEqual(field, ReceptiveField(position: VGG19Layers.position(of: "relu5_1")!))
        XCTAssertEqual(field.stride, 16)
        // conv1_x ±1 each, pool1 +1 after; conv2_x ±2 each, pool2 +2; conv3_x ±4 ×4, pool3 +4;
        // conv4_x ±8 ×4, pool4 +8; conv5_1 ±16.
        XCTAssertEqual(field.before, 2 + 4 + 16 + 32 + 16)
        XCTAssertEqual(field.after, 2 + 1 + 4 + 2 + 16 + 4 + 32 + 8 + 16)
        XCTAssertEqual(field.exactHalo, 80)
        XCTAssertEqual(ReceptiveField(deepestOf: ["relu1_1"]).exactHalo, 1)
        XCTAssertEqual(ReceptiveField(deepestOf: ["pool1"]).exactHalo, 2)
    }

    /// Over all tiles the cores of every layer partition it; regions start on the alignment.
    func testGridCoresPartitionEveryLayer() {
        for (height, width, tileSize) in [(203, 157, 48), (64, 64, 16), (300, 45, 100), (17, 33, 16)] {
            let grid = TileGrid(height: height, width: width, tileSize: tileSize, halo: 32, alignment: 16)
            XCTAssertEqual(grid.tiles.count, grid.rows * grid.columns)
            for shift in 0...4 {
                var covered = [Int](repeating: 0, count: (height >> shift) * (width >> shift))
                for tile in grid.tiles {
                    XCTAssertEqual(tile.region.y0 % 16, 0)
                    XCTAssertEqual(tile.region.x0 % 16, 0)
                    let (region, image) = grid.layerCore(tile, shift: shift)
                    XCTAssertEqual(region.height, image.height)
                    XCTAssertLessThanOrEqual(region.y1, tile.region.height >> shift)
                    XCTAssertLessThanOrEqual(region.x1, tile.region.width >> shift)
                    XCTAssertGreaterThanOrEqual(region.y0, 0)
                    for y in image.y0..<image.y1 {
                        for x in image.x0..<image.x1 { covered[y * (width >> shift) + x] += 1 }
                    }
                }
                XCTAssertEqual(Set(covered), covered.isEmpty ? [] : [1], "\(height)×\(width) shift \(shift)")
            }
        }
    }

    /// Loss parts and gradient of both objectives at one image; returns (relative loss
    /// differences, relative L2 difference of the gradients).
    static func compare(
        library: KernelLibrary, network: VGG19Network, settings: LossSettings, height: Int, width: Int, tileSize: Int,
        halo: Int? = nil, seed: UInt64 = 3,
        helpers: [(library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network)] = []
    ) throws -> (parts: [Double], gradient: Double, tilesPerDevice: [Int]) {
        var random = TestRandom(seed: seed)
        let gpu = library.gpu
        let count = 3 * height * width
        let contentPixels = random.array(count, scale: 60)
        let content = try gpu.buffer(contentPixels)
        let style = PreparedImage(pixels: random.array(3 * 96 * 80, scale: 60), height: 96, width: 80)
        let image = try gpu.buffer(random.array(count, scale: 60))
        let targets = try StyleTargets.compute(
            library: library, network: network, styles: [style], blendWeights: [1], layers: settings.styleLayers,
            scratchLimit: 1 << 22)
        let scalars = try DeviceScalars(library: library)
        let field = ReceptiveField(deepestOf: settings.layers)
        let grid = TileGrid(
            height: height, width: width, tileSize: tileSize, halo: halo ?? field.exactHalo, alignment: field.stride)
        XCTAssertGreaterThan(grid.tiles.count, 1)

        func run(_ objective: any Objective) throws -> (LossParts, [Float]) {
            let gradient = try gpu.buffer(Float.self, count: count)
            try objective.evaluate(image: image, gradient: gradient)
            return (objective.lossParts(from: try scalars.read()), try gradient.download(queue: gpu.queue))
        }
        let (whole, wholeGradient) = try run(
            StyleObjective(
                library: library, scalars: scalars, network: network, targets: targets, height: height, width: width,
                scratchLimit: 1 << 22, settings: settings, content: content))
        let tiledObjective = try TiledObjective(
            library: library, scalars: scalars, network: network, targets: targets, grid: grid, scratchLimit: 1 << 22,
            settings: settings, content: contentPixels, helpers: helpers)
        let (tiled, tiledGradient) = try run(tiledObjective)
        func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-30) }
        let parts = [
            relative(tiled.content, whole.content), relative(tiled.style, whole.style),
            relative(tiled.totalVariation, whole.totalVariation),
        ]
        var difference = 0.0, norm = 0.0
        for (a, b) in zip(tiledGradient, wholeGradient) {
            difference += Double(a - b) * Double(a - b)
            norm += Double(b) * Double(b)
        }
        XCTAssertGreaterThan(norm, 0)
        return (parts, (difference / norm).squareRoot(), tiledObjective.tilesPerDevice)
    }

    func testTinyNetworkDefaultLayersMatchWholeImage() throws {
        let library = try EngineTestDevice.library()
        let network = try TinyVGG().network(library: library)
        // Tiles of 32 px, regions up to 192 px: halos cut inside the image on every side.
        let result = try Self.compare(
            library: library, network: network, settings: LossSettings(), height: 232, width: 216, tileSize: 48)
        for part in result.parts { XCTAssertLessThan(part, 1e-5, "\(result.parts)") }
        XCTAssertLessThan(result.gradient, 1e-5)
    }

    func testTinyNetworkAveragePoolingAndConvLayersInHalf() throws {
        let device = try DeviceInventory.device(at: EngineTestDevice.index)
        let library = KernelLibrary(gpu: try ComputeDevice(device: device), precision: .fp16)
        let network = try TinyVGG(seed: 5).network(library: library, pooling: .avg)
        var settings = LossSettings()
        settings.contentLayers = ["conv3_2", "relu2_1"]
        settings.styleLayers = ["relu1_2", "pool2", "conv4_1"]
        let result = try Self.compare(
            library: library, network: network, settings: settings, height: 150, width: 171, tileSize: 40)
        for part in result.parts { XCTAssertLessThan(part, 1e-4, "\(result.parts)") }
        XCTAssertLessThan(result.gradient, 1e-4)
    }

    /// Tiles spread over two devices (here two contexts on the test device, each with its own
    /// queue, network and scalars) add up to the one-pass numbers too.
    func testTilesSpreadOverTwoDevicesMatchWholeImage() throws {
        let library = try EngineTestDevice.library()
        let other = try EngineTestDevice.library()
        let helper = (library: other, scalars: try DeviceScalars(library: other), network: try TinyVGG().network(library: other))
        let result = try Self.compare(
            library: library, network: try TinyVGG().network(library: library), settings: LossSettings(), height: 232,
            width: 216, tileSize: 48, helpers: [helper])
        XCTAssertEqual(result.tilesPerDevice.count, 2)
        XCTAssertTrue(result.tilesPerDevice.allSatisfy { $0 > 0 }, "\(result.tilesPerDevice)")
        for part in result.parts { XCTAssertLessThan(part, 1e-5, "\(result.parts)") }
        XCTAssertLessThan(result.gradient, 1e-5)
    }

    /// With a halo one stride short of the receptive field, tiles no longer agree: what the
    /// exact cases above rely on is tested, not assumed.
    func testShortHaloChangesTheResult() throws {
        let library = try EngineTestDevice.library()
        let network = try TinyVGG().network(library: library)
        let result = try Self.compare(
            library: library, network: network, settings: LossSettings(), height: 232, width: 216, tileSize: 48,
            halo: 64)
        XCTAssertGreaterThan(result.gradient, 1e-4)
    }
}
