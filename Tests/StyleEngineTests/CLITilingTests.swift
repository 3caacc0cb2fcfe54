import Foundation
import StyleEngine
import XCTest

/// Tiled runs end to end as processes: the same losses as one pass, no seams, the printed
/// plan, every buffer under the memory limit, refusals only of what cannot run.
final class CLITilingTests: CLITestCase {
    /// Runs of a few hundred pixels in tiles or scales: minutes on a busy 2-core machine.
    override class var processTimeout: TimeInterval { 300 }


    struct Report: Decodable {
        struct Iteration: Decodable {
            let loss: Double
            let content: Double
            let style: Double
            let totalVariation: Double
        }
        struct Scale: Decodable {
            let width: Int
            let iterations: [Iteration]
            let plan: ScalePlan
        }
        let scales: [Scale]
        let peakDeviceBytes: Int
    }

    func report(_ name: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Mean |difference| of neighbouring pixels across the given column and row borders (the
    /// pixel pairs (b − 1, b)), and over every other pair.
    static func borderDifferences(_ image: RGBImage, columns: [Int], rows: [Int]) -> (borders: Double, elsewhere: Double) {
        var border = (sum: 0.0, count: 0), other = (sum: 0.0, count: 0)
        func add(_ a: Int, _ b: Int, atBorder: Bool) {
            for channel in 0..<3 {
                let d = abs(Double(image.pixels[a * 3 + channel]) - Double(image.pixels[b * 3 + channel]))
                if atBorder { border = (border.sum + d, border.count + 1) } else { other = (other.sum + d, other.count + 1) }
            }
        }
        for y in 0..<image.height {
            for x in 1..<image.width { add(y * image.width + x - 1, y * image.width + x, atBorder: columns.contains(x)) }
        }
        for y in 1..<image.height {
            for x in 0..<image.width { add((y - 1) * image.width + x, y * image.width + x, atBorder: rows.contains(y)) }
        }
        return (border.sum / Double(border.count), other.sum / Double(other.count))
    }

    /// 192 px in 2×2 tiles of 96 (regions cut 16 px inside the image), 20 Adam iterations.
    func testTiledRunMatchesOnePassAndShowsNoSeams() throws {
        let common = [
            "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "192", "--scales",
            "off", "--optimizer", "adam", "--iterations", "20", "--print-every", "0",
        ]
        let whole = try CLI.run(common + ["-o", path("whole.png"), "--report", path("whole.json")])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let tiled = try CLI.run(common + ["--tile-size", "96", "-o", path("tiled.png"), "--report", path("tiled.json")])
        XCTAssertEqual(tiled.status, 0, tiled.stderr)
        XCTAssertTrue(tiled.stderr.contains("plan 192×192: 4 tiles (2×2) of up to 96×96 px, halo 80 px"), tiled.stderr)

        let (a, b) = (try report("tiled.json"), try report("whole.json"))
        XCTAssertEqual(a.scales[0].plan.tiling?.tiles, 4)
        XCTAssertNil(b.scales[0].plan.tiling)
        let (first, reference) = (a.scales[0].iterations[0], b.scales[0].iterations[0])
        XCTAssertEqual(first.content, reference.content, accuracy: 1e-4 * max(reference.content, 1))
        XCTAssertEqual(first.style, reference.style, accuracy: 1e-4 * reference.style)
        XCTAssertEqual(first.totalVariation, reference.totalVariation, accuracy: 1e-4 * reference.totalVariation)
        let (last, referenceLast) = (a.scales[0].iterations.last!.loss, b.scales[0].iterations.last!.loss)
        XCTAssertEqual(last, referenceLast, accuracy: 0.01 * referenceLast)

        // Across the tile borders (x = 96, y = 96) neighbours differ no more than they do in
        // the one-pass result at the same place, relative to the rest of each image.
        let tiledImage = try ImageFile.read(path: path("tiled.png"))
        let wholeImage = try ImageFile.read(path: path("whole.png"))
        let t = Self.borderDifferences(tiledImage, columns: [96], rows: [96])
        let w = Self.borderDifferences(wholeImage, columns: [96], rows: [96])
        XCTAssertLessThan(t.borders / t.elsewhere - w.borders / w.elsewhere, 0.05, "tiled \(t), one pass \(w)")
    }

    /// Under a limit the larger scale is tiled and the smaller is not, the plan is printed
    /// before the first iteration, and the peak stays under the limit.
    func testMemoryLimitTilesOnlyTheScalesThatNeedIt() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "384", "--scales",
             "192,384", "--optimizer", "adam", "--iterations", "2", "--memory-limit", "300M", "-o", path("out.png"),
             "--report", path("run.json"), "--print-every", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = try report("run.json")
        XCTAssertNil(run.scales[0].plan.tiling)
        XCTAssertGreaterThan(run.scales[1].plan.tiling?.tiles ?? 0, 1)
        XCTAssertLessThanOrEqual(run.peakDeviceBytes, 300 << 20)
        let planLine = try XCTUnwrap(result.stderr.range(of: "plan 384×384: "), result.stderr)
        let firstIteration = try XCTUnwrap(result.stderr.range(of: "iteration 0/"), result.stderr)
        XCTAssertLessThan(planLine.lowerBound, firstIteration.lowerBound)
        XCTAssertTrue(result.stderr.contains("halo 80 px"), result.stderr)
    }

    /// L-BFGS's history is shortened to what fits, and the report says so.
    func testHistoryIsShortenedWhenItDoesNotFit() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "256", "--scales",
             "off", "--iterations", "1", "--memory-limit", "260M", "-o", path("out.png"), "--report", path("run.json"),
             "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let plan = try report("run.json").scales[0].plan
        XCTAssertEqual(plan.requestedHistorySize, 100)
        XCTAssertLessThan(plan.historySize ?? 100, 100)
        XCTAssertTrue(plan.summary.contains("L-BFGS history 100 → "), plan.summary)
    }
}

/// Two PoCL devices (the `basic` driver: one core each, computing in the thread that waits
/// for it) against one: the same losses. The time each takes is measured by
/// bench/multi-device, not here.
final class CLIMultiDeviceTests: XCTestCase {
    /// Whole runs of the network, several per test: minutes on a busy 2-core machine.
    override func setUp() { CLI.currentTimeout = 300 }
    override func tearDown() { CLI.currentTimeout = CLI.defaultTimeout }

    func testTwoDevicesGiveTheLossesOfOne() throws {
        guard (try? VGG19Weights.locate(explicitPath: nil)) != nil else {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights); scripts/test fetches them")
        }
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["POCL_DEVICES": "basic basic"]
        let listed = try CLI.run(["devices", "--device", "0,1"], environment: environment)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(listed.stdout.split(separator: "\n").count, 3, listed.stdout)

        func run(_ devices: String) throws -> CLITilingTests.Report {
            let report = directory.appending(path: "\(devices).json").path
            let result = try CLI.run(
                ["--device", devices, "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"),
                 "--size", "192", "--scales", "off", "--optimizer", "adam", "--iterations", "3", "--tile-size", "96",
                 "-o", directory.appending(path: "\(devices).png").path, "--report", report, "--print-every", "0"],
                environment: environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            if devices.contains(",") { XCTAssertTrue(result.stderr.contains("over 2 devices"), result.stderr) }
            return try JSONDecoder().decode(CLITilingTests.Report.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
        }
        let (one, two) = (try run("0"), try run("0,1"))
        XCTAssertEqual(two.scales[0].plan.devices, 2)
        let (a, b) = (two.scales[0].iterations, one.scales[0].iterations)
        XCTAssertEqual(a[0].loss, b[0].loss, accuracy: 1e-5 * b[0].loss)
        // Later iterations follow Adam's steps from gradients summed in another order.
        for (x, y) in zip(a, b) { XCTAssertEqual(x.loss, y.loss, accuracy: 1e-3 * y.loss) }
        let refused = try CLI.run(
            ["--device", "0,0", "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "-o",
             directory.appending(path: "x.png").path], environment: environment)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--device names a device twice"), refused.stderr)
    }
}
