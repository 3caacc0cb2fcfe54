import Foundation
import StyleEngine
import XCTest

/// One job for every runner: each picture of a two-photo batch is byte for byte the single
/// run of that photo with the same options, and a photo the single run refuses is a failed
/// item of the batch with the same reason (and the batch exits non-zero).
final class BatchEquivalenceTests: CLITestCase {
    /// a: 40×32 (1280 px), b: 64×43 (2752 px); the style 48×48 (2304 px).
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: path("photos"), withIntermediateDirectories: false)
        let astronaut = try ImageFile.read(path: CLI.sample("astronaut.png")).resized(width: 40, height: 32)
        try ImageFile.writePNG(astronaut, to: path("photos/a.png"))
        try ImageFile.writePNG(try ImageFile.read(path: CLI.sample("chelsea.png")).resized(longestSide: 64), to: path("photos/b.png"))
        try ImageFile.writePNG(try ImageFile.read(path: CLI.sample("ihc.png")).resized(longestSide: 48), to: path("style.png"))
    }

    /// Runs each photo of `photos` alone (`-o single/NAME.EXT`), then all of them as a batch
    /// (`--output-dir batch --format EXT`), with `options`, and compares.
    func assertBatchEqualsSingles(
        _ options: [String], format: String = "png", photos: String = "photos", expectRefused: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let common = ["--style", path("style.png"), "--iterations", "3", "--print-every", "0"] + options
        let names = try FileManager.default.contentsOfDirectory(atPath: path(photos)).sorted()
        try FileManager.default.createDirectory(atPath: path("single"), withIntermediateDirectories: false)
        var refusals: [String: String] = [:]
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            let single = try CLI.run(
                ["--content", path("\(photos)/\(name)"), "-o", path("single/\(stem).\(format)")] + common, file: file,
                line: line)
            if single.status != 0 {
                XCTAssertLessThan(single.status, 128, single.stderr, file: file, line: line)
                refusals[name] = single.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        XCTAssertEqual(refusals.keys.sorted(), expectRefused, "refused alone: \(refusals)", file: file, line: line)
        let batch = try CLI.run(
            ["--content", path(photos), "--output-dir", path("batch"), "--format", format] + common, file: file, line: line)
        XCTAssertEqual(batch.status == 0, refusals.isEmpty, batch.stdout + batch.stderr, file: file, line: line)
        let records = Manifest.read(path: path("batch/manifest.jsonl"))
        XCTAssertEqual(records.count, names.count, file: file, line: line)
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            let record = records.first { $0.input == path("\(photos)/\(name)") }
            if let refusal = refusals[name] {
                XCTAssertEqual(record?.status, .failed, file: file, line: line)
                let reason = try XCTUnwrap(record?.error, file: file, line: line)
                XCTAssertTrue(refusal.hasSuffix(reason), "alone: \(refusal)\nin the batch: \(reason)", file: file, line: line)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path("batch/\(stem).\(format)")), file: file, line: line)
                continue
            }
            XCTAssertEqual(record?.status, .ok, record?.error ?? "", file: file, line: line)
            let alone = try Data(contentsOf: URL(fileURLWithPath: path("single/\(stem).\(format)")))
            let inBatch = try Data(contentsOf: URL(fileURLWithPath: path("batch/\(stem).\(format)")))
            XCTAssertEqual(alone, inBatch, "\(name) with \(options) differs in the batch", file: file, line: line)
        }
    }

    func testPruning() throws { try assertBatchEqualsSingles(["--size", "32", "--prune", "0.5"]) }

    func testPruningByActivation() throws {
        try assertBatchEqualsSingles(["--size", "32", "--prune", "0.5", "--prune-by", "activation"])
    }

    func testMaxImagePixels() throws {
        try assertBatchEqualsSingles(["--size", "32", "--max-image-pixels", "2400"], expectRefused: ["b.png"])
    }

    /// Two shallow layers keep the weights small, so that 18 MiB tiles a 64-px result.
    func testMemoryLimitSmallEnoughToTile() throws {
        let options = [
            "--size", "64", "--content-layers", "relu2_1", "--style-layers", "relu1_1,relu2_1", "--memory-limit", "18M",
        ]
        let alone = try CLI.run(
            ["--content", path("photos/a.png"), "--style", path("style.png"), "--iterations", "0", "-o", path("probe.png")]
                + options)
        XCTAssertTrue(alone.stderr.contains("tiles"), "the limit tiles: \(alone.stderr)")
        try assertBatchEqualsSingles(options)
    }

    func testHalfPrecision() throws { try assertBatchEqualsSingles(["--size", "32", "--precision", "fp16"]) }

    func testOriginalColors() throws { try assertBatchEqualsSingles(["--size", "32", "--original-colors"]) }

    func testRandomInitWithSeed() throws {
        try assertBatchEqualsSingles(["--size", "32", "--init", "random", "--seed", "3"])
    }

    func testScales() throws { try assertBatchEqualsSingles(["--scales", "64,96"]) }

    func testJPEGQuality() throws {
        try assertBatchEqualsSingles(["--size", "32", "--jpeg-quality", "50"], format: "jpg")
    }

    func testWebP() throws { try assertBatchEqualsSingles(["--size", "32"], format: "webp") }

    /// Transparency and an ICC profile reach the batch's results as the single run's.
    func testRGBAContentWithAnICCProfile() throws {
        try FileManager.default.createDirectory(atPath: path("cutouts"), withIntermediateDirectories: false)
        for name in ["a", "b"] {
            let image = try ImageFile.read(path: path("photos/\(name).png"))
            let alpha = (0..<image.width * image.height).map { UInt8(truncatingIfNeeded: ($0 % image.width) * 6) }
            try ImageFile.write(
                image, alpha: alpha, iccProfile: CLIRobustnessTests.iccProfile(), to: path("cutouts/\(name).png"))
        }
        try assertBatchEqualsSingles(["--size", "32"], photos: "cutouts")
        let written = try ImageFile.decode(path: path("batch/a.png"))
        XCTAssertNotNil(written.alpha)
        XCTAssertEqual(written.iccProfile, CLIRobustnessTests.iccProfile())
    }
}
