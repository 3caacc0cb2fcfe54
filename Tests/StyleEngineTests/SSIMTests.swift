import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// SSIM on the device against the Double reference (CPUReference/ReferenceSSIM.swift).
final class SSIMTests: XCTestCase {
    var library: KernelLibrary!
    var random = TestRandom(seed: 2004)

    override func setUpWithError() throws { library = try EngineTestDevice.library() }

    func randomImage(width: Int, height: Int) -> RGBImage {
        RGBImage(
            width: width, height: height,
            pixels: (0..<width * height * 3).map { _ in UInt8(min(255, (random.next() + 1) * 128)) })
    }

    /// A smooth image (gradients and a blob), where windows have small variances.
    func smoothImage(width: Int, height: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for row in 0..<height {
            for col in 0..<width {
                let u = Double(col) / Double(width), v = Double(row) / Double(height)
                let blob = 80 * exp(-((u - 0.5) * (u - 0.5) + (v - 0.4) * (v - 0.4)) * 20)
                pixels += [UInt8(min(255, 20 + 150 * u + blob)), UInt8(30 + 120 * v + blob * 0.5), UInt8(200 - 100 * u * v)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// `image` plus uniform noise of ±amplitude per channel, clamped to 0…255.
    func noisy(_ image: RGBImage, amplitude: Float) -> RGBImage {
        var copy = image
        copy.pixels = image.pixels.map { UInt8(max(0, min(255, (Float($0) + random.next() * amplitude).rounded()))) }
        return copy
    }

    func testIdenticalImagesGiveOne() throws {
        for (width, height) in [(11, 11), (23, 17), (64, 48)] {
            let image = randomImage(width: width, height: height)
            XCTAssertEqual(try SSIM.compute(library: library, image, image), 1, accuracy: 1e-6, "\(width)×\(height)")
        }
        let smooth = smoothImage(width: 40, height: 30)
        XCTAssertEqual(try SSIM.compute(library: library, smooth, smooth), 1, accuracy: 1e-6)
    }

    func testRandomPairsMatchReference() throws {
        // 11×11: a single valid position; 23×17: a partial segment; 64×48 and 75×20: a full
        // 32-column segment and a partial one per row.
        for (width, height) in [(11, 11), (23, 17), (64, 48), (75, 20)] {
            let a = randomImage(width: width, height: height), b = randomImage(width: width, height: height)
            let device = try SSIM.compute(library: library, a, b)
            let reference = ReferenceSSIM.mean(a, b)
            XCTAssertEqual(device, reference, accuracy: 1e-5, "\(width)×\(height)")
            // Symmetric in its arguments.
            XCTAssertEqual(try SSIM.compute(library: library, b, a), reference, accuracy: 1e-5, "\(width)×\(height)")
        }
    }

    /// The metric kernels use float whatever the library's storage, so an fp16 library gives
    /// the same answer.
    func testHalfStorageLibraryGivesTheSameValue() throws {
        let half = KernelLibrary(gpu: library.gpu, precision: .fp16)
        let a = randomImage(width: 40, height: 33), b = noisy(a, amplitude: 20)
        XCTAssertEqual(try SSIM.compute(library: half, a, b), try SSIM.compute(library: library, a, b), accuracy: 1e-12)
        XCTAssertEqual(try SSIM.compute(library: half, a, b), ReferenceSSIM.mean(a, b), accuracy: 1e-5)
    }

    func testNoisyCopyIsBetweenZeroAndOneAndMatchesReference() throws {
        for image in [smoothImage(width: 64, height: 48), randomImage(width: 37, height: 29)] {
            for amplitude: Float in [4, 30] {
                let copy = noisy(image, amplitude: amplitude)
                let device = try SSIM.compute(library: library, image, copy)
                let reference = ReferenceSSIM.mean(image, copy)
                XCTAssertGreaterThan(device, 0)
                XCTAssertLessThan(device, 1)
                XCTAssertLessThan(reference, 0.9999)  // the noise really changed the image
                XCTAssertEqual(device, reference, accuracy: 1e-5, "\(image.width)×\(image.height) ±\(amplitude)")
            }
        }
        // More noise, lower similarity.
        let image = smoothImage(width: 64, height: 48)
        let light = try SSIM.compute(library: library, image, noisy(image, amplitude: 4))
        let heavy = try SSIM.compute(library: library, image, noisy(image, amplitude: 30))
        XCTAssertGreaterThan(light, heavy)
    }

    func testConstantAgainstOtherImages() throws {
        let (width, height) = (30, 21)
        let grey = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 128, count: width * height * 3))
        let black = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
        for other in [randomImage(width: width, height: height), smoothImage(width: width, height: height), black] {
            let device = try SSIM.compute(library: library, grey, other)
            XCTAssertEqual(device, ReferenceSSIM.mean(grey, other), accuracy: 1e-5)
            XCTAssertLessThan(device, 0.9)
        }
        // Two constants: no structure term, only luminance: (2·128·0 + C1) / (128² + C1).
        let c1 = (0.01 * 255.0) * (0.01 * 255.0)
        XCTAssertEqual(try SSIM.compute(library: library, grey, black), c1 / (128 * 128 + c1), accuracy: 1e-6)
    }

    func testMismatchedAndTooSmallImagesAreRejected() throws {
        let a = randomImage(width: 20, height: 20), b = randomImage(width: 20, height: 21)
        XCTAssertThrowsError(try SSIM.compute(library: library, a, b)) {
            XCTAssertEqual($0 as? SSIM.Error, .sizeMismatch(width: 20, height: 20, otherWidth: 20, otherHeight: 21))
            XCTAssertEqual("\($0)", "SSIM needs images of the same size, not 20×20 and 20×21")
        }
        for (width, height) in [(10, 30), (30, 10), (1, 1)] {
            let small = randomImage(width: width, height: height)
            XCTAssertThrowsError(try SSIM.compute(library: library, small, small)) {
                XCTAssertEqual($0 as? SSIM.Error, .imageTooSmall(width: width, height: height, minimum: 11))
            }
        }
        XCTAssertEqual(
            "\(SSIM.Error.imageTooSmall(width: 10, height: 30, minimum: 11))",
            "SSIM needs images of at least 11×11 px, not 10×30")
    }
}
