import CImageIO
import Foundation
import StyleEngine
import XCTest

final class ImageIOTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appending(path: name).path }

    func gradientImage(width: Int, height: Int) -> RGBImage {
        let pixels: [UInt8] = (0..<(width * height * 3)).map { (index: Int) -> UInt8 in
            UInt8((index * 37 + index / 3 * 11) % 256)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Writes samples with libpng at a given colour type and bit depth.
    func writeRaw(_ name: String, _ samples: [UInt8], width: Int, height: Int, colorType: Int32, bitDepth: Int32) {
        var message = [CChar](repeating: 0, count: 128)
        let status = image_io_write_png_raw(path(name), samples, Int32(width), Int32(height), colorType, bitDepth, &message, 128)
        XCTAssertEqual(status, Int32(IMAGE_IO_OK))
    }

    func testPNGRoundTripIsExact() throws {
        let image = gradientImage(width: 13, height: 7)
        try ImageFile.writePNG(image, to: path("a.png"))
        XCTAssertEqual(try ImageFile.read(path: path("a.png")), image)
        // Written whole then renamed: no temporary is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["a.png"])
    }

    func testOtherPNGKindsBecomeRGB() throws {
        let (width, height) = (5, 3)
        let gray: [UInt8] = (0..<15).map { UInt8($0 * 17) }
        writeRaw("gray.png", gray, width: width, height: height, colorType: 0, bitDepth: 8)
        XCTAssertEqual(try ImageFile.read(path: path("gray.png")).pixels, gray.flatMap { [$0, $0, $0] })

        let rgba: [UInt8] = (0..<60).map { UInt8($0 * 4) }
        writeRaw("rgba.png", rgba, width: width, height: height, colorType: 6, bitDepth: 8)
        // Composited onto the neutral background (ImageNet's mean colour); the alpha is kept apart.
        let background = [124, 117, 104]
        var expected: [UInt8] = []
        for index in stride(from: 0, to: 60, by: 4) {
            let alpha = Int(rgba[index + 3])
            for c in 0..<3 {
                let mixed: Int = (Int(rgba[index + c]) * alpha + background[c] * (255 - alpha) + 127) / 255
                expected.append(UInt8(mixed))
            }
        }
        let decoded = try ImageFile.decode(path: path("rgba.png"))
        XCTAssertEqual(decoded.image.pixels, expected, "composited")
        XCTAssertEqual(decoded.alpha, stride(from: 3, to: 60, by: 4).map { rgba[$0] }, "alpha kept")

        // 16-bit RGB: big-endian pairs; the high byte survives.
        let rgb16: [UInt8] = (0..<45).flatMap { [UInt8($0 * 5), 0x80] }
        writeRaw("rgb16.png", rgb16, width: width, height: height, colorType: 2, bitDepth: 16)
        let high = try ImageFile.read(path: path("rgb16.png")).pixels
        XCTAssertEqual(high.count, 45)
        XCTAssertTrue(zip(high, (0..<45).map { UInt8($0 * 5) }).allSatisfy { abs(Int($0) - Int($1)) <= 1 })

        let indices: [UInt8] = (0..<15).map { UInt8($0 * 16) }
        writeRaw("palette.png", indices, width: width, height: height, colorType: 3, bitDepth: 8)
        XCTAssertEqual(
            try ImageFile.read(path: path("palette.png")).pixels, indices.flatMap { [$0, 255 - $0, $0 / 2] })
    }

    func testJPEGReads() throws {
        let image = gradientImage(width: 16, height: 16)
        try ImageFile.writeJPEGForTests(image, to: path("a.jpg"), quality: 100)
        let read = try ImageFile.read(path: path("a.jpg"))
        XCTAssertEqual([read.width, read.height], [16, 16])
        let meanError = zip(read.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / read.pixels.count
        XCTAssertLessThan(meanError, 40)
    }

    func testBadFilesThrowOneLineErrors() throws {
        XCTAssertThrowsError(try ImageFile.read(path: path("none.png"))) {
            XCTAssertEqual($0 as? ImageError, .missing(path: path("none.png")))
        }
        try Data().write(to: URL(fileURLWithPath: path("empty.jpg")))
        XCTAssertThrowsError(try ImageFile.read(path: path("empty.jpg"))) {
            XCTAssertEqual($0 as? ImageError, .empty(path: path("empty.jpg")))
        }
        try Data("GIF89a...".utf8).write(to: URL(fileURLWithPath: path("x.png")))
        XCTAssertThrowsError(try ImageFile.read(path: path("x.png"))) {
            XCTAssertEqual($0 as? ImageError, .unsupportedFormat(path: path("x.png")))
        }
        try ImageFile.writeJPEGForTests(gradientImage(width: 64, height: 64), to: path("full.jpg"))
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: path("full.jpg")))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: path("half.jpg")))
        XCTAssertThrowsError(try ImageFile.read(path: path("half.jpg"))) { error in
            guard case .corrupt(_, let reason) = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("Premature end of JPEG file"), reason)
        }
    }

    func testPreprocessingRoundTripsAndUsesBGRMinusMean() {
        let image = gradientImage(width: 4, height: 3)
        let planes = image.preprocessed()
        XCTAssertEqual(planes[0], Float(image.pixels[2]) - 103.939, accuracy: 1e-4)  // B of pixel 0
        XCTAssertEqual(planes[12 * 2], Float(image.pixels[0]) - 123.68, accuracy: 1e-4)  // R of pixel 0
        XCTAssertEqual(RGBImage(deprocessing: planes, width: 4, height: 3), image)
        let clamped = RGBImage(deprocessing: [Float](repeating: 1000, count: 36), width: 4, height: 3)
        XCTAssertTrue(clamped.pixels.allSatisfy { $0 == 255 })
    }

    func testResizeKeepsAspectAndLeavesTargetSizeAlone() {
        let image = gradientImage(width: 40, height: 30)
        XCTAssertEqual(image.resized(longestSide: 40), image)
        let small = image.resized(longestSide: 20)
        XCTAssertEqual([small.width, small.height], [20, 15])
        let large = image.resized(longestSide: 57)
        XCTAssertEqual([large.width, large.height], [57, 43])
        // Shrinking a flat image keeps it flat (weights sum to 1).
        let flat = RGBImage(width: 9, height: 7, pixels: [UInt8](repeating: 77, count: 9 * 7 * 3))
        XCTAssertTrue(flat.resized(longestSide: 4).pixels.allSatisfy { $0 == 77 })
        XCTAssertTrue(flat.resized(longestSide: 20).pixels.allSatisfy { $0 == 77 })
    }

    func testLuminanceTransferKeepsContentChroma() {
        let content = gradientImage(width: 8, height: 8)
        let stylized = RGBImage(width: 8, height: 8, pixels: (0..<192).map { UInt8(($0 * 91) % 200 + 30) })
        let result = content.withLuminance(of: stylized)
        for index in stride(from: 0, to: 192, by: 3) where result.pixels[index..<(index + 3)].allSatisfy({ $0 > 1 && $0 < 254 }) {
            let y = { (p: [UInt8]) in 0.299 * Float(p[index]) + 0.587 * Float(p[index + 1]) + 0.114 * Float(p[index + 2]) }
            XCTAssertEqual(y(result.pixels), y(stylized.pixels), accuracy: 1.5)
            let (i1, q1) = RGBImage.chroma(result.pixels, index), (i2, q2) = RGBImage.chroma(content.pixels, index)
            XCTAssertEqual(i1, i2, accuracy: 1.5)
            XCTAssertEqual(q1, q2, accuracy: 1.5)
        }
    }
}
