import Foundation
import StyleEngine
import XCTest

/// `prune`, `quantize`, `--prune` and their files through `--weights`, end to end.
final class CLICompressionTests: XCTestCase {
    /// Whole runs of the network, several per test: minutes on a busy 2-core machine.
    override func setUp() { CLI.currentTimeout = 300 }
    override func tearDown() { CLI.currentTimeout = CLI.defaultTimeout }

    func testPruneQuantizeAndRunWithTheFileEqualsPruningInTheRun() throws {
        guard (try? VGG19Weights.locate(explicitPath: nil)) != nil else { throw XCTSkip("weights not fetched") }
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appending(path: name).path }
        let job = [
            "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "32", "--scales", "off",
            "--iterations", "2", "--quiet",
        ]
        var result = try CLI.run(["prune", "--prune", "0.5", "-o", path("p50.safetensors")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("channels 32,32,64,64,128"), result.stdout)
        result = try CLI.run(job + ["--weights", path("p50.safetensors"), "-o", path("file.png"), "--report", path("file.json")])
        XCTAssertEqual(result.status, 0, result.stderr)
        result = try CLI.run(job + ["--prune", "0.5", "-o", path("run.png"), "--report", path("run.json")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try Data(contentsOf: directory.appending(path: "file.png")), try Data(contentsOf: directory.appending(path: "run.png")))

        result = try CLI.run(
            ["quantize", "--method", "int8-channel", "--weights", path("p50.safetensors"), "-o", path("p50-i8c.safetensors")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let quantized = try VGG19Weights.load(from: directory.appending(path: "p50-i8c.safetensors"))
        XCTAssertEqual(quantized.channels.prefix(3), [32, 32, 64])
        XCTAssertEqual(quantized.layers[0].encoding.method, .int8Channel)
        result = try CLI.run(job + ["--weights", path("p50-i8c.safetensors"), "-o", path("q.png")])
        XCTAssertEqual(result.status, 0, result.stderr)

        for (arguments, message) in [
            (job + ["--prune", "1", "-o", path("bad.png")], "--prune must be at least 0 and below 1"),
            (["prune", "--prune", "0.5", "--prune-by", "activation", "-o", path("bad.safetensors")], "needs images"),
        ] {
            result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }
}
