import Foundation
import CLRuntime
import StyleEngine
import XCTest

/// Adam's state carried between scales: resampled to the new size at the new size's gradient
/// scale, and adopted without the near-zero second moments that would make a pixel jump.
final class CarriedOptimizerStateTests: XCTestCase {
    func constant(_ value: Float, width: Int, height: Int) -> PreparedImage {
        PreparedImage(pixels: [Float](repeating: value, count: 3 * width * height), height: height, width: width)
    }

    func testResamplingBringsEachTensorToTheNewGradientScale() {
        // 4×4 → 8×8: four times the pixels, so a gradient is a quarter and its square a sixteenth.
        let state = CarriedOptimizerState(
            tensors: [constant(2, width: 4, height: 4), constant(8, width: 4, height: 4)], gradientPowers: [1, 2], step: 7)
        let resampled = state.resampled(width: 8, height: 8)
        XCTAssertEqual(resampled.step, 7)
        XCTAssertEqual(resampled.tensors.map { [$0.width, $0.height] }, [[8, 8], [8, 8]])
        for value in resampled.tensors[0].pixels { XCTAssertEqual(value, 0.5, accuracy: 1e-5) }
        for value in resampled.tensors[1].pixels { XCTAssertEqual(value, 0.5, accuracy: 1e-5) }
    }

    func testEvenPowersStayNonNegativeWhereTheCubicOvershoots() {
        // A sharp edge: bicubic interpolation undershoots below 0 beside it.
        let edge = PreparedImage(
            pixels: (0..<48).map { $0 % 4 < 2 ? Float(0) : 100 }, height: 4, width: 4)
        let state = CarriedOptimizerState(tensors: [edge, edge], gradientPowers: [1, 2], step: 1)
        let resampled = state.resampled(width: 16, height: 16)
        XCTAssertLessThan(resampled.tensors[0].pixels.min()!, 0, "the first moment keeps the overshoot")
        XCTAssertGreaterThanOrEqual(resampled.tensors[1].pixels.min()!, 0)
    }

    func testAdoptedSecondMomentsBoundTheFirstStep() throws {
        // A first moment of 1 beside a second moment of 0, as interpolation can leave them, at
        // step 10. Adopted as they are, the next step (gradient 1, learning rate 1) would be
        // m̂/√v̂ with v = 0.001: about 4.8. With v raised to m² = 1, about 0.15.
        let gpu = try EngineTestDevice.library().gpu
        let library = KernelLibrary(gpu: gpu, precision: .fp32)
        let count = 3 * 2 * 2
        let adam = try DeviceAdam(library: library, count: count, learningRate: 1)
        try adam.adopt(
            CarriedOptimizerState(
                tensors: [constant(1, width: 2, height: 2), constant(0, width: 2, height: 2)], gradientPowers: [1, 2],
                step: 10))
        let image = try gpu.buffer([Float](repeating: 0, count: count))
        let gradient = try gpu.buffer([Float](repeating: 1, count: count))
        try adam.update(image: image, gradient: gradient, scalars: [])
        let m = 0.9 * 1 + 0.1 * 1.0, v = 0.999 * 1 + 0.001 * 1.0
        let expected = (m / (1 - pow(0.9, 11))) / ((v / (1 - pow(0.999, 11))).squareRoot() + 1e-8)
        for value in try image.download(queue: gpu.queue) {
            XCTAssertEqual(Double(value), -expected, accuracy: 1e-4)
        }
    }
}
