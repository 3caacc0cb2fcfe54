import Foundation
import StyleEngine
import XCTest

/// Every bad input gets a one-line error, a non-zero exit, and leaves no output file behind.
final class CLIBadInputTests: CLITestCase {
    /// Most refusals come before the weights are read; the tests that need them skip alone.
    override class var needsWeights: Bool { false }

    func write(_ name: String, _ bytes: Data) throws -> String {
        try bytes.write(to: directory.appending(path: name))
        return path(name)
    }

    /// Runs a small job with the given overrides; asserts failure, the message, one line, and
    /// that no output (nor a temporary) was left in the directory.
    func assertFails(
        content: String? = nil, style: [String]? = nil, extra: [String] = [], message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        let result = try CLI.run(
            ["--content", content ?? CLI.sample("astronaut.png"), "--style"] + (style ?? [CLI.sample("ihc.png")])
                + ["--size", "32", "--iterations", "2", "-o", path("out.png"), "--quiet"] + extra)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(message), "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), file: file, line: line)
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        XCTAssertEqual(after, before, "no output file", file: file, line: line)
    }

    func sampleBytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: CLI.sample(name))) }

    func testMissingImage() throws {
        try assertFails(content: path("nowhere.png"), message: "no such image file: \(path("nowhere.png"))")
    }

    func testDirectoryInsteadOfImage() throws {
        try assertFails(style: [directory.path], message: "cannot read image \(directory.path)")
    }

    func testEmptyImage() throws {
        let empty = try write("empty.png", Data())
        try assertFails(content: empty, message: "image file \(empty) is empty")
    }

    func testUnsupportedFormat() throws {
        let text = try write("notes.png", Data("just some text, not an image\n".utf8))
        try assertFails(content: text, message: "is not in a supported format (PNG, JPEG or WebP)")
    }

    func testTruncatedPNG() throws {
        let bytes = try sampleBytes("chelsea.png")
        let truncated = try write("truncated.png", bytes.prefix(bytes.count / 2))
        try assertFails(style: [truncated], message: "image \(truncated) is corrupt or truncated")
    }

    func testCorruptPNG() throws {
        var bytes = try sampleBytes("chelsea.png")
        for index in stride(from: 100, to: 400, by: 7) { bytes[index] ^= 0x5A }
        let corrupt = try write("corrupt.png", bytes)
        try assertFails(content: corrupt, message: "is corrupt or truncated")
    }

    func testTruncatedJPEG() throws {
        let image = try ImageFile.read(path: CLI.sample("chelsea.png"))
        let jpeg = path("photo.jpg")
        try ImageFile.writeJPEGForTests(image, to: jpeg)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: jpeg))
        let truncated = try write("truncated.jpg", bytes.prefix(bytes.count / 3))
        try FileManager.default.removeItem(atPath: jpeg)
        try assertFails(content: truncated, message: "is corrupt or truncated")
    }

    func testImageTooLargeForTheDeviceSaysWhatFits() throws {
        try assertFails(extra: ["--size", "30000"], message: "would fit")
    }

    func testMemoryLimitRefusesWhatCannotFitBeforeAnyWork() throws {
        try assertFails(extra: ["--size", "256", "--memory-limit", "150M"], message: "MiB of device memory but 150 MiB are available: --size ")
        try assertFails(extra: ["--size", "256", "--memory-limit", "64M"], message: "but 64 MiB are available: no size fits")
    }

    func testBadMemoryLimit() throws {
        try assertFails(extra: ["--memory-limit", "lots"], message: "--memory-limit takes a size like 512M")
        try assertFails(extra: ["--memory-limit", "0"], message: "--memory-limit")
        try assertFails(extra: ["--memory-limit", "99999999999T"], message: "--memory-limit")
    }

    func testBadScales() throws {
        try assertFails(extra: ["--scales", "512,256"], message: "--scales sizes must increase")
        try assertFails(extra: ["--scales", "fine"], message: "--scales takes off, auto or increasing sizes")
        try assertFails(extra: ["--scales", "16,24"], message: "--scales ends at 24 but --size is 32")
    }

    func testBadEnvironmentOverrideIsOneLineBeforeAnyWork() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "32", "-o",
             path("out.png")], environment: ["STYLIZE_GPU_CONV": "fft"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "Error: STYLIZE_GPU_CONV=fft is not one of im2col, winograd, direct, winograd4\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.png")))
    }

    func testUnknownLayer() throws {
        try assertFails(extra: ["--style-layers", "relu1_1,relu9_9"], message: "unknown layer 'relu9_9'")
    }

    func testBlendWeightsThatDoNotMatchTheStyles() throws {
        try assertFails(
            style: [CLI.sample("ihc.png"), CLI.sample("hubble.png")], extra: ["--style-blend-weights", "1"],
            message: "--style-blend-weights has 1 values for 2 style images")
    }

    func testOutputDirectoryMissing() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "32",
             "--iterations", "1", "-o", path("missing/out.png"), "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no such folder"), result.stderr)
    }

    /// A diverging run stops at the first non-finite loss, keeps the last good image (the
    /// one written), and names the setting to lower.
    func testNonFiniteLossStopsAndKeepsTheLastGoodImage() throws {
        guard (try? VGG19Weights.locate(explicitPath: nil)) != nil else { throw XCTSkip("weights not fetched") }
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "32",
             "--iterations", "5", "--optimizer", "adam", "--learning-rate", "1e38", "-o", path("out.png"),
             "--report", path("run.json"), "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("NaN or infinite at iteration 1"), result.stderr)
        XCTAssertTrue(result.stderr.contains("lower --learning-rate"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        // The last good image is the content itself (iteration 0).
        let written = try ImageFile.read(path: path("out.png"))
        let content = try ImageFile.read(path: CLI.sample("astronaut.png")).resized(longestSide: 32)
        XCTAssertEqual(written, content)
    }
}
