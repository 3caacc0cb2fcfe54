import Foundation
import StyleEngine
import XCTest

/// The coarse-to-fine ladder, how iterations are spread over it, and the bicubic resampling
/// that carries a result from one scale to the next.
final class ScaleScheduleTests: XCTestCase {
    func testAutoGrowsBySquareRootOfTwoFrom128() {
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 640), [160, 226, 320, 453, 640])
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 512), [128, 181, 256, 362, 512])
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 181), [128, 181])
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 180), [180])
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 182), [129, 182])
        XCTAssertEqual(ScaleSchedule.auto.sizes(for: 48), [48])
        XCTAssertEqual(ScaleSchedule.off.sizes(for: 640), [640])
        XCTAssertEqual(ScaleSchedule.sizes([256, 512]).sizes(for: 512), [256, 512])
    }

    func testTheLastScaleGetsThreeQuartersAndTheSmallerOnesShareTheRestInCost() {
        XCTAssertEqual(ScaleSchedule.iterations(total: 1000, sizes: [512]), [1000])
        XCTAssertEqual(ScaleSchedule.iterations(total: 1000, sizes: [128, 181, 256, 362, 512]), [1000, 500, 250, 125, 750])
        XCTAssertEqual(ScaleSchedule.iterations(total: 7, sizes: [32, 64]), [7, 5])
        XCTAssertEqual(ScaleSchedule.iterations(total: 1, sizes: [32, 64]), [1, 1])
        XCTAssertEqual(ScaleSchedule.iterations(total: 0, sizes: [32, 48, 64]), [0, 0, 0])
        // Priced at the result's size, the ladder costs about the total.
        let sizes = ScaleSchedule.auto.sizes(for: 640)
        let counts = ScaleSchedule.iterations(total: 400, sizes: sizes)
        let cost = zip(counts, sizes).reduce(0.0) { $0 + Double($1.0) * pow(Double($1.1) / 640, 2) }
        XCTAssertEqual(cost, 400, accuracy: 4)
    }

    func testParsing() throws {
        XCTAssertEqual(try ScaleSchedule.parse("auto"), .auto)
        XCTAssertEqual(try ScaleSchedule.parse("off"), .off)
        XCTAssertEqual(try ScaleSchedule.parse("256, 512,1024"), .sizes([256, 512, 1024]))
        for schedule in [ScaleSchedule.off, .auto, .sizes([128, 256])] {
            XCTAssertEqual(try ScaleSchedule.parse(schedule.description), schedule)
        }
        for bad in ["", "512,256", "256,256", "8,64", "a,b", "256,", "99999999"] {
            XCTAssertThrowsError(try ScaleSchedule.parse(bad), bad)
        }
    }

    func testBicubicKeepsConstantsAndLinearRampsAndInterpolatesSamples() {
        let constant = PreparedImage(pixels: Array(repeating: 7.5, count: 3 * 5 * 4), height: 5, width: 4)
        XCTAssertTrue(constant.resizedBicubic(width: 9, height: 11).pixels.allSatisfy { abs($0 - 7.5) < 1e-5 })
        // A horizontal ramp: upsampling 2× puts interior samples on the line between centres.
        let width = 8
        let row: [Float] = (0..<width).map { Float($0) * 10 }
        let ramp = PreparedImage(pixels: Array([[Float]](repeating: row, count: 6).joined()), height: 2, width: width)
        let up = ramp.resizedBicubic(width: 16, height: 2)
        for x in 4..<12 {
            // Output x samples the source at (x + 0.5) / 2 − 0.5.
            XCTAssertEqual(up.pixels[x], (Float(x) + 0.5) / 2 * 10 - 5, accuracy: 1e-3, "x = \(x)")
        }
        XCTAssertEqual(ramp.resizedBicubic(width: width, height: 2), ramp)
        // Shrinking averages: a checkerboard halves to its mean.
        let checker = PreparedImage(
            pixels: (0..<3 * 8 * 8).map { (index: Int) -> Float in Float((index % 8 + index / 8) % 2) * 100 }, height: 8,
            width: 8)
        let half = checker.resizedBicubic(width: 4, height: 4)
        XCTAssertTrue(half.pixels.allSatisfy { abs($0 - 50) < 15 }, "\(half.pixels.prefix(8))")
    }
}
