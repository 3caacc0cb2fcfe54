import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// FP16 storage (activations and weights as half, float arithmetic) against FP32, on a
/// network wide enough (≥ 16 channels) to take the Winograd path too.
final class HalfStorageTests: XCTestCase {
    func evaluate(precision: Precision, pooling: Pooling) throws -> (loss: LossParts, gradient: [Float]) {
        let gpu = try EngineTestDevice.library().gpu
        let library = KernelLibrary(gpu: gpu, precision: precision)
        let network = try TinyVGG(blockChannels: [16, 16, 24, 24, 16], seed: 21).network(library: library, pooling: pooling)
        let (height, width) = (24, 19)
        var random = TestRandom(seed: 22)
        let count = 3 * height * width
        let scalars = try DeviceScalars(library: library)
        let settings = LossSettings()
        // A small im2col limit forces several bands, and Grams built from several bands.
        let objective = try StyleObjective(
            library: library, scalars: scalars, network: network, height: height, width: width, scratchLimit: 700,
            settings: settings,
            content: gpu.buffer(random.array(count, scale: 40)),
            styles: [(try gpu.buffer(random.array(3 * 21 * 17, scale: 40)), 21, 17, 1)])
        let image = try gpu.buffer(random.array(count, scale: 40))
        let gradient = try gpu.buffer(Float.self, count: count)
        try objective.evaluate(image: image, gradient: gradient)
        return (objective.lossParts(from: try scalars.read()), try gradient.download(queue: gpu.queue))
    }

    /// Average pooling is smooth: half storage only rounds, and the gradient follows closely.
    func testHalfStorageMatchesFloatWithAveragePooling() throws {
        let single = try evaluate(precision: .fp32, pooling: .avg)
        let half = try evaluate(precision: .fp16, pooling: .avg)
        XCTAssertEqual(half.loss.total, single.loss.total, accuracy: 5e-3 * single.loss.total)
        XCTAssertEqual(half.loss.content, single.loss.content, accuracy: 1e-2 * single.loss.content)
        XCTAssertEqual(half.loss.totalVariation, single.loss.totalVariation, accuracy: 1e-6 * single.loss.totalVariation)
        assertClose(half.gradient, single.gradient, relative: 1e-2)
        XCTAssertNotEqual(half.gradient, single.gradient, "half storage should round somewhere")
    }

    /// With max pooling, values that half storage rounds to a tie send a window's gradient to
    /// another of its four elements: the loss still agrees, the gradient points the same way.
    func testHalfStorageWithMaxPoolingKeepsLossAndDirection() throws {
        let single = try evaluate(precision: .fp32, pooling: .max)
        let half = try evaluate(precision: .fp16, pooling: .max)
        XCTAssertEqual(half.loss.total, single.loss.total, accuracy: 1e-2 * single.loss.total)
        let dot = zip(half.gradient, single.gradient).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norms = [half.gradient, single.gradient].map { $0.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        XCTAssertGreaterThan(dot / (norms[0] * norms[1]), 0.95)
    }

    /// im2col and Winograd convolutions of a whole network pass in bands of one row (tile row),
    /// against the same pass unbanded. On CLBlast's GEMM, whose B needs no padding: padded to
    /// 48 columns, this image fits one band (LayerOpTests bands the packed GEMM's paths).
    /// 16 channels, so that conv1_2 takes the Winograd path. The direct convolution needs no scratch.
    func testBandedConvolutionMatchesUnbanded() throws {
        let gpu = try EngineTestDevice.library().gpu
        var random = TestRandom(seed: 24)
        let pixels = random.array(3 * 13 * 11, scale: 50)
        for algorithm in [ConvolutionAlgorithm.im2col, .winograd] {
            let library = KernelLibrary(gpu: gpu, convolution: algorithm, gemm: .clblast)
            let network = try TinyVGG(blockChannels: [16, 6, 8, 8, 8], seed: 23).network(library: library, count: 2)
            let image = try library.gpu.buffer(pixels)
            var results: [[Float]] = []
            // The whole image at once; the least scratch a layer accepts (one row per band).
            for limit in [1 << 20, Conv3x3.minimumScratch(channels: 16, width: 11, library: library)] {
                let pass = try NetworkPass(
                    network: network, height: 13, width: 11, layers: ["relu1_2"], scratchLimit: limit, backward: false)
                try pass.forward(image: image)
                results.append(try pass.activation("relu1_2").buffer.downloadFloats(library: library))
            }
            assertClose(results[1], results[0], relative: 1e-5, "\(algorithm)")
        }
    }
}
