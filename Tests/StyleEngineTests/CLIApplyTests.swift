import Foundation
import StyleEngine
import TestSupport
import XCTest

/// `stylize-gpu apply` as a process: PyTorch's fixture models give PyTorch's pictures, styles
/// by index, name and blend, the output formats, and every bad input refused in one line
/// before any work, with no file written.
final class CLIApplyTests: CLITestCase {
    override class var needsWeights: Bool { false }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appending(path: "../FastStyleTests/Fixtures").standardized
    static func fixture(_ name: String) -> String { fixtures.appending(path: name).path }
    let plain = FastFixtureModels.plainPath
    let cin = FastFixtureModels.conditionalPath
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

    /// A folder in, a folder out: each picture is the single apply's, byte for byte; a rerun
    /// skips what is done; a broken photo is a failed record with the single run's reason.
    func testAFolderIsABatchOfTheSameJob() throws {
        try FileManager.default.createDirectory(atPath: path("photos"), withIntermediateDirectories: false)
        let photo = try ImageFile.read(path: input)
        try ImageFile.writePNG(photo, to: path("photos/a.png"))
        try ImageFile.writePNG(photo.resized(width: 30, height: 22), to: path("photos/b.png"))
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path("photos/c.png")))
        let options = ["--model", cin, "--style-index", "2", "--jpeg-quality", "70"]
        var reasons: [String: String] = [:]
        for name in ["a", "b", "c"] {
            let single = try CLI.run(["apply", "--content", path("photos/\(name).png"), "-o", path("\(name).jpg")] + options)
            if single.status != 0 { reasons[name] = single.stderr.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        XCTAssertEqual(reasons.keys.sorted(), ["c"])
        let arguments = ["apply", "--content", path("photos"), "--output-dir", path("out"), "--format", "jpg"] + options
        let batch = try CLI.run(arguments)
        XCTAssertEqual(batch.status, 1, batch.stderr)
        XCTAssertTrue(batch.stdout.contains("3 images, 2 done, 0 skipped, 1 failed"), batch.stdout)
        for name in ["a", "b"] {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: path("out/\(name).jpg"))),
                try Data(contentsOf: URL(fileURLWithPath: path("\(name).jpg"))), name)
        }
        let failed = Manifest.read(path: path("out/manifest.jsonl")).first { $0.status == .failed }
        XCTAssertTrue(reasons["c"]!.hasSuffix(try XCTUnwrap(failed?.error)), "\(reasons) \(String(describing: failed))")
        let again = try CLI.run(arguments)
        XCTAssertTrue(again.stdout.contains("3 images, 0 done, 2 skipped, 1 failed"), again.stdout)
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
            (["--model", plain, "--tile-size", "0"], "--tile-size must be 1 or more"),
            (["--model", path("model.png"), "-o", path("model.png")], "the output image \(path("model.png")) is the model"),
            (["--model", plain, "-o", path("out.gif")], "--output must name a .png"),
            (["--model", plain, "--content", path("nothing.png")], "nothing.png"),
        ]
        for (options, message) in cases {
            var arguments = ["apply", "-o", path("out.png")] + options
            if !options.contains("--content") { arguments += ["--content", input] }
            let result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(options)")
            XCTAssertLessThan(result.status, 128, "\(options)")
            XCTAssertTrue(result.stderr.contains(message), "\(options): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")), "\(options) wrote the output")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("model.png"))), bytes, "the model untouched")
    }

    /// A 256² photo under a memory limit its untiled pass would pass applies in tiles (the plan
    /// on stderr), its peak device memory under the limit, and equals the unlimited untiled
    /// result within one level; --tile-size forces tiles on the fixture and keeps PyTorch's picture.
    func testAMemoryLimitAppliesInTilesUnderIt() throws {
        try ImageFile.writePNG(try ImageFile.read(path: input).resized(width: 256, height: 256), to: path("big.png"))
        let untiled = try CLI.run(["apply", "--model", plain, "--content", path("big.png"), "-o", path("untiled.png")])
        XCTAssertEqual(untiled.status, 0, untiled.stderr)
        XCTAssertEqual(untiled.stderr, "", "no tiles without a limit")
        let tiled = try CLI.run(
            ["apply", "--model", plain, "--content", path("big.png"), "-o", path("tiled.png"), "--memory-limit", "16M"])
        XCTAssertEqual(tiled.status, 0, tiled.stderr)
        XCTAssertTrue(tiled.stderr.hasPrefix("tiled apply 256×256: 16 layers in bands of "), tiled.stderr)
        print(tiled.stderr + tiled.stdout + "untiled: " + untiled.stdout)
        let peak = { (stdout: String) in Int(stdout.split(separator: " ").dropLast().last ?? "") ?? .max }
        XCTAssertLessThanOrEqual(peak(tiled.stdout), 16, tiled.stdout)
        XCTAssertGreaterThan(peak(untiled.stdout), 16, "the untiled pass would pass the limit: \(untiled.stdout)")
        XCTAssertEqual(try withinOne(path("tiled.png"), path("untiled.png")), 1)

        let forced = try CLI.run(["apply", "--model", plain, "--content", input, "-o", path("out.png"), "--tile-size", "8"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("bands of 8 output rows"), forced.stderr)
        XCTAssertGreaterThanOrEqual(try withinOne(path("out.png"), Self.fixture("output-plain.png")), 0.999)
    }
}
