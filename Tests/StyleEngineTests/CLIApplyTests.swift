import Foundation
import StyleEngine
import XCTest

/// `stylize-gpu apply` as a process: PyTorch's fixture models give PyTorch's pictures, styles
/// by index, name and blend, the output formats, and every bad input refused in one line
/// before any work, with no file written.
final class CLIApplyTests: CLITestCase {
    override class var needsWeights: Bool { false }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appending(path: "../FastStyleTests/Fixtures").standardized
    static func fixture(_ name: String) -> String { fixtures.appending(path: name).path }
    let plain = fixture("transformer-plain.safetensors")
    let cin = fixture("transformer-cin4.safetensors")
    let input = fixture("input.png")

    /// The fraction of 8-bit values within one level of the expected picture's.
    func withinOne(_ path: String, _ expected: String) throws -> Double {
        let (a, b) = (try ImageFile.read(path: path), try ImageFile.read(path: expected))
        XCTAssertEqual([a.width, a.height], [b.width, b.height])
        return Double(zip(a.pixels, b.pixels).filter { abs(Int($0) - Int($1)) <= 1 }.count) / Double(a.pixels.count)
    }

    func testAPyTorchModelGivesPyTorchsPicture() throws {
        let result = try CLI.run(["apply", "--model", plain, "--content", input, "-o", path("out.png")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("wrote \(path("out.png")) (48×32)"), result.stdout)
        XCTAssertGreaterThanOrEqual(try withinOne(path("out.png"), Self.fixture("output-plain.png")), 0.999)
    }

    func testStylesByIndexNameAndBlend() throws {
        for (options, expected) in [
            (["--style-index", "3"], "output-cin4-style3.png"), (["--style", "random style 1"], "output-cin4-style1.png"),
            (["--blend", "random style 2:1"], "output-cin4-style2.png"),
        ] {
            let result = try CLI.run(["apply", "--model", cin, "--content", input, "-o", path("out.png"), "-q"] + options)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "")
            XCTAssertGreaterThanOrEqual(try withinOne(path("out.png"), Self.fixture(expected)), 0.999, "\(options)")
        }
    }

    func testJPEGAndWebPResultsAndSize() throws {
        for name in ["out.jpg", "out.webp"] {
            let result = try CLI.run(
                ["apply", "--model", plain, "--content", input, "-o", path(name), "--size", "24", "--jpeg-quality", "60"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let written = try ImageFile.decode(path: path(name))
            XCTAssertEqual([written.image.width, written.image.height], [24, 16], name)
        }
    }

    /// Each refusal: one line, a status below 128, nothing written.
    func testBadInputsAreRefusedInOneLine() throws {
        let truncated = path("truncated.safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        try bytes.write(to: URL(fileURLWithPath: path("model.png")))
        let cases: [([String], String)] = [
            (["--model", truncated], "truncated"),
            (["--model", input], "is not a safetensors file"),
            (["--model", path("missing.safetensors")], "missing.safetensors"),
            (["--model", cin, "--style", "nope"], "the model has no style nope: its styles are random style 0"),
            (["--model", cin, "--style-index", "4"], "style 4 does not exist: the model has 4 styles"),
            (["--model", cin, "--style-index", "1", "--style", "x"], "give one of --style-index, --style and --blend"),
            (["--model", cin, "--blend", "a=1"], "--blend takes NAME:WEIGHT pairs"),
            (["--model", plain, "--size", "3"], "--size must be 5 to 65536"),
            (["--model", path("model.png"), "-o", path("model.png")], "the output image \(path("model.png")) is the model"),
            (["--model", plain, "-o", path("out.gif")], "--output must name a .png"),
            (["--model", plain, "--content", path("nothing.png")], "nothing.png"),
        ]
        for (options, message) in cases {
            var arguments = ["apply", "--content", input, "-o", path("out.png")]
            arguments += options
            let result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(options)")
            XCTAssertLessThan(result.status, 128, "\(options)")
            XCTAssertTrue(result.stderr.contains(message), "\(options): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")), "\(options) wrote the output")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("model.png"))), bytes, "the model untouched")
    }
}
