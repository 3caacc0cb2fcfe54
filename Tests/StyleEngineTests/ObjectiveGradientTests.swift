import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// The whole objective's gradient (VGG19 backward + losses + TV) against central finite
/// differences of the loss the device computes, on a tiny network. The device's loss is a
/// float sum, so this end-to-end check holds to 3%; each op's own check (against the CPU
/// reference in Double) is the tight one.
final class ObjectiveGradientTests: XCTestCase {
    static func checkGradient(pooling: Pooling, settings: LossSettings, seed: UInt64, tolerance: Double) throws {
        let library = try EngineTestDevice.library()
        let gpu = library.gpu
        let network = try TinyVGG(seed: seed).network(library: library, pooling: pooling)
        let (height, width) = (18, 17)
        var random = TestRandom(seed: seed + 1)
        let count = 3 * height * width
        let content = try gpu.buffer(random.array(count, scale: 15))
        let style = try gpu.buffer(random.array(3 * 20 * 16, scale: 15))
        let scalars = try DeviceScalars(library: library)
        let objective = try StyleObjective(
            library: library, scalars: scalars, network: network, height: height, width: width, settings: settings,
            content: content,
            styles: [(style, 20, 16, 1)])
        let x = random.array(count, scale: 15)
        let image = try gpu.buffer(x)
        let gradient = try gpu.buffer(Float.self, count: count)

        func loss(_ values: [Float]) throws -> Double {
            try image.upload(values, queue: gpu.queue)
            try objective.evaluate(image: image, gradient: gradient)
            return objective.lossParts(from: try scalars.read()).total
        }
        _ = try loss(x)
        let analytic = try gradient.download(queue: gpu.queue)
        let largest = analytic.map { Double(abs($0)) }.max() ?? 0
        XCTAssertGreaterThan(largest, 0)

        func centralDifference(_ index: Int, _ epsilon: Float) throws -> Double {
            var plus = x, minus = x
            plus[index] += epsilon
            minus[index] -= epsilon
            return (try loss(plus) - loss(minus)) / Double(2 * epsilon)
        }
        var checked = 0, nonSmooth = 0
        for index in stride(from: 5, to: count, by: 37) {
            let coarse = try centralDifference(index, 0.1)
            let half = try centralDifference(index, 0.05)
            let scale = max(abs(half), 1e-2 * largest)
            // A ReLU or max-pool switch inside ±ε spoils the difference there: such points show
            // as disagreement between the two step sizes, and are counted, not compared.
            if abs(coarse - half) > 0.02 * scale {
                nonSmooth += 1
                continue
            }
            let numeric = (4 * half - coarse) / 3  // Richardson: cancels the ε² error term
            XCTAssertEqual(Double(analytic[index]), numeric, accuracy: tolerance * scale, "pixel \(index)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 12)
        XCTAssertLessThanOrEqual(nonSmooth, checked / 2, "too many non-smooth points to trust the check")
    }

    func testDefaultLayersWithAveragePooling() throws {
        try Self.checkGradient(pooling: .avg, settings: LossSettings(), seed: 11, tolerance: 0.03)
    }

    func testConvAndPoolLayersWithMaxPooling() throws {
        var settings = LossSettings()
        settings.contentLayers = ["conv3_2", "relu2_1"]
        settings.styleLayers = ["relu1_2", "pool2", "conv4_1"]
        settings.totalVariationWeight = 0.01
        try Self.checkGradient(pooling: .max, settings: settings, seed: 12, tolerance: 0.03)
    }

    /// A loss on a pre-activation (conv) layer, and content and style on the same block.
    func testConvLayerLossAndSharedBlock() throws {
        var settings = LossSettings()
        settings.contentLayers = ["relu1_2"]
        settings.styleLayers = ["relu1_1", "conv1_2"]
        try Self.checkGradient(pooling: .max, settings: settings, seed: 13, tolerance: 0.03)
    }
}
