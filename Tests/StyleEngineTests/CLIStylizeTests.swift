import Foundation
import StyleEngine
import XCTest

/// End-to-end runs of `stylize-gpu` on PoCL at ≤ 64 px.
final class CLIStylizeTests: CLITestCase {

    func stylize(_ extra: [String], output: String = "out.png", size: Int = 48, iterations: Int = 4) throws -> CLIResult {
        try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "\(size)",
             "--iterations", "\(iterations)", "-o", path(output), "--quiet"] + extra)
    }

    struct Report: Decodable {
        struct Iteration: Decodable {
            let iteration: Int
            let loss: Double
            let content: Double
            let style: Double
            let totalVariation: Double
        }
        struct Size: Decodable {
            let width: Int
            let height: Int
        }
        let iterations: [Iteration]
        let output: Size
        let peakDeviceBytes: Int
        let secondsPerIteration: Double
        let stopReason: String
        let precision: String
    }

    func report(_ name: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    func testLossDecreasesAndTheReportHasEveryIteration() throws {
        let result = try stylize(["--report", path("run.json")], iterations: 6)
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = try report("run.json")
        XCTAssertEqual(run.iterations.map(\.iteration), Array(0...6))
        XCTAssertLessThan(run.iterations.last!.loss, 0.5 * run.iterations[0].loss)
        for entry in run.iterations {
            XCTAssertEqual(entry.loss, entry.content + entry.style + entry.totalVariation, accuracy: 1e-9 * entry.loss)
        }
        XCTAssertEqual(run.stopReason, "completed")
        XCTAssertGreaterThan(run.peakDeviceBytes, 0)
        XCTAssertGreaterThan(run.secondsPerIteration, 0)
        let image = try ImageFile.read(path: path("out.png"))
        XCTAssertEqual(max(image.width, image.height), 48)
        XCTAssertEqual([image.width, image.height], [run.output.width, run.output.height])
    }

    func testSameSeedGivesByteIdenticalOutput() throws {
        for name in ["a.png", "b.png"] {
            let result = try stylize(["--init", "random", "--seed", "7"], output: name, size: 32, iterations: 3)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: path("a.png")))
        XCTAssertEqual(a, try Data(contentsOf: URL(fileURLWithPath: path("b.png"))))
        XCTAssertEqual(try stylize(["--init", "random", "--seed", "8"], output: "c.png", size: 32, iterations: 3).status, 0)
        XCTAssertNotEqual(a, try Data(contentsOf: URL(fileURLWithPath: path("c.png"))))
    }

    func testOriginalColorsKeepTheContentsChroma() throws {
        XCTAssertEqual(try stylize(["--original-colors"], size: 32, iterations: 3).status, 0)
        let output = try ImageFile.read(path: path("out.png"))
        let content = try ImageFile.read(path: CLI.sample("astronaut.png")).resized(longestSide: 32)
        var worst: Float = 0
        for index in stride(from: 0, to: output.pixels.count, by: 3) {
            let a = RGBImage.chroma(output.pixels, index), b = RGBImage.chroma(content.pixels, index)
            // Only where no channel clipped: there the chroma is exactly the content's.
            if output.pixels[index..<(index + 3)].allSatisfy({ $0 > 2 && $0 < 253 }) {
                worst = max(worst, abs(a.0 - b.0), abs(a.1 - b.1))
            }
        }
        XCTAssertLessThan(worst, 2.5)
    }

    func testSaveEveryWritesNumberedImages() throws {
        XCTAssertEqual(try stylize(["--save-every", "2"], size: 32, iterations: 5).status, 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["out.png", "out_0002.png", "out_0004.png"])
    }

    func testHalfPrecisionRunsAndReportsIt() throws {
        let result = try stylize(["--precision", "fp16", "--report", path("run.json")], size: 32, iterations: 3)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try report("run.json").precision, "fp16")
    }

    func testAdamOptimizes() throws {
        XCTAssertEqual(try stylize(["--optimizer", "adam", "--report", path("run.json")], size: 32, iterations: 5).status, 0)
        let run = try report("run.json")
        XCTAssertLessThan(run.iterations.last!.loss, run.iterations[0].loss)
    }

    func testInterruptWritesTheImageAndReport() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "32",
             "--iterations", "100000", "-o", path("out.png"), "--report", path("run.json"), "--print-every", "1"],
            interruptAfter: "iteration 2/")
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertEqual(try report("run.json").stopReason, "interrupted")
        XCTAssertNoThrow(try ImageFile.read(path: path("out.png")))
    }
}

extension RGBImage {
    /// I and Q of YIQ at a pixel (the chroma that original colours keep).
    static func chroma(_ pixels: [UInt8], _ index: Int) -> (Float, Float) {
        let (r, g, b) = (Float(pixels[index]), Float(pixels[index + 1]), Float(pixels[index + 2]))
        return (0.5959 * r - 0.2746 * g - 0.3213 * b, 0.2115 * r - 0.5227 * g + 0.3112 * b)
    }
}
