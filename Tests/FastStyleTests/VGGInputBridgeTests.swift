import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// The trainer's bridge between the network's RGB images and VGG19's input, against the
/// engine's own host preprocessing, and its backward against the transpose it must be.
final class VGGInputBridgeTests: XCTestCase {
    func testForwardIsTheEnginesPreprocessingAndBackwardItsTranspose() throws {
        let library = try FastTestDevice.library()
        let (height, width, images) = (3, 5, 2)
        let plane = height * width
        var random = TestRandom(seed: 7)
        let rgb = (0..<images * 3 * plane).map { _ in (random.next() + 1) * 127.5 }
        let vgg = try library.gpu.buffer(Float.self, count: 3 * plane)
        for index in 0..<images {
            try VGGInputBridge.forward(
                library: library, rgb: try library.gpu.buffer(rgb), index: index, height: height, width: width, vgg: vgg)
            // The same pixels as bytes through PixelConvention (values rounded to whole levels first).
            let part = Array(rgb[(index * 3 * plane)..<((index + 1) * 3 * plane)])
            var expected = [Float](repeating: 0, count: 3 * plane)
            for channel in 0..<3 {
                for i in 0..<plane {
                    expected[(2 - channel) * plane + i] = part[channel * plane + i] - PixelConvention.bgrMean[2 - channel]
                }
            }
            let got = try vgg.download(queue: library.queue)
            for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
            let bytes = RGBImage(
                width: width, height: height,
                pixels: (0..<plane).flatMap { i in (0..<3).map { UInt8(part[$0 * plane + i].rounded()) } })
            let rounded = (0..<3 * plane).map { i -> Float in
                let channel = 2 - i / plane
                return part[channel * plane + i % plane].rounded() - PixelConvention.bgrMean[2 - channel]
            }
            XCTAssertEqual(bytes.preprocessed(), rounded, "the engine's own convention")
        }
        // ⟨forward(x), g⟩ = ⟨x, backward(g)⟩ for the linear part: a permutation.
        let gradient = (0..<3 * plane).map { _ in random.next() }
        let gradRGB = try library.gpu.buffer([Float](repeating: 9, count: images * 3 * plane))
        try VGGInputBridge.backward(
            library: library, gradVGG: try library.gpu.buffer(gradient), index: 1, height: height, width: width,
            gradRGB: gradRGB)
        let back = try gradRGB.download(queue: library.queue)
        XCTAssertEqual(Array(back[..<(3 * plane)]), [Float](repeating: 9, count: 3 * plane), "image 0 untouched")
        for channel in 0..<3 {
            for i in 0..<plane {
                XCTAssertEqual(back[3 * plane + channel * plane + i], gradient[(2 - channel) * plane + i])
            }
        }
    }
}
