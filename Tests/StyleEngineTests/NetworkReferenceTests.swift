import CLRuntime
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The real VGG19 (the fetched weights) on the device against the CPU reference in Double.
final class NetworkReferenceTests: XCTestCase {
    func realWeights() throws -> (URL, VGG19Weights) {
        guard let url = try? VGG19Weights.locate(explicitPath: nil) else {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights); scripts/test fetches them")
        }
        return (url, try VGG19Weights.load(from: url, convolutionCount: 13))
    }

    /// A sample photo, resized and preprocessed as the engine does.
    func sample(_ name: String, side: Int) throws -> (pixels: [Float], height: Int, width: Int) {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../samples/\(name).png").path
        let image = try ImageFile.read(path: path).resized(width: side, height: side)
        return (image.preprocessed(), side, side)
    }

    func testForwardOf32PixelImageToRelu51MatchesReference() throws {
        let (url, weights) = try realWeights()
        let library = try EngineTestDevice.library()
        let network = try VGG19Loader.network(
            library: library, weights: VGG19Weights.load(from: url, convolutionCount: 13), pooling: .max)
        let image = try sample("chelsea", side: 32)
        let layers = ["relu1_1", "pool1", "relu3_1", "relu4_2", "relu5_1"]
        let pass = try NetworkPass(network: network, height: 32, width: 32, layers: layers, backward: false)
        try pass.forward(image: try library.gpu.buffer(image.pixels))
        let cpu = ReferenceVGG(weights).forward(
            image.pixels.map(Double.init), height: 32, width: 32, through: VGG19Layers.position(of: "relu5_1")!)
        for name in layers {
            let expected = cpu[VGG19Layers.position(of: name)!].values.map(Float.init)
            assertClose(try pass.activation(name).buffer.downloadFloats(library: library), expected, relative: 1e-4, name)
        }
    }

    func testLossPartsOfFixedTripleMatchReference() throws {
        let (url, weights) = try realWeights()
        let settings = LossSettings()
        let content = try sample("astronaut", side: 32)
        let style = try sample("ihc", side: 24)
        var random = TestRandom(seed: 5)
        let initial = content.pixels.map { $0 + 10 * random.next() }

        let library = try EngineTestDevice.library()
        let session = try EngineSession(
            library: library,
            network: VGG19Loader.network(
                library: library, weights: VGG19Weights.load(from: url, convolutionCount: 13), pooling: .max))
        let targets = try StyleTargets.compute(
            session: session, styles: [PreparedImage(pixels: style.pixels, height: 24, width: 24)], blendWeights: [1],
            layers: settings.styleLayers, scratchLimit: 1 << 24)
        let objective = try StyleObjective(
            session: session, targets: targets, content: PreparedImage(pixels: content.pixels, height: 32, width: 32),
            settings: settings, scratchLimit: 1 << 24)
        let loop = try OptimizationLoop(
            session: session, objective: objective, optimizer: OptimizerSettings(),
            initial: PreparedImage(pixels: initial, height: 32, width: 32))
        let device = try loop.run(iterations: 0).losses[0]

        let cpu = ReferenceVGG(weights).loss(
            image: initial.map(Double.init), content: content.pixels.map(Double.init),
            styles: [(style.pixels.map(Double.init), 24, 24, 1)], height: 32, width: 32, settings: settings)
        XCTAssertEqual(device.content, cpu.content, accuracy: 1e-4 * cpu.content)
        XCTAssertEqual(device.style, cpu.style, accuracy: 1e-4 * cpu.style)
        XCTAssertEqual(device.totalVariation, cpu.totalVariation, accuracy: 1e-4 * cpu.totalVariation)
        XCTAssertEqual(device.total, cpu.content + cpu.style + cpu.totalVariation, accuracy: 1e-4 * device.total)
        XCTAssertGreaterThan(cpu.content, 0)
    }
}
