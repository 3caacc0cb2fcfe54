import Foundation
import StyleEngine
import XCTest

/// Coarse-to-fine runs, the quality metrics in the report, and `stylize-gpu evaluate`, end to
/// end as processes.
final class CLIScalesTests: CLITestCase {
    /// Runs of a few hundred pixels in tiles or scales: minutes on a busy 2-core machine.
    override class var processTimeout: TimeInterval { 300 }


    struct Report: Decodable {
        struct Iteration: Decodable {
            let iteration: Int
            let loss: Double
        }
        struct Scale: Decodable {
            let width: Int
            let height: Int
            let iterations: [Iteration]
        }
        struct Metrics: Decodable, Equatable {
            struct Loss: Decodable, Equatable {
                let content: Double
                let style: Double
                let totalVariation: Double
            }
            let ssim: Double
            let styleSimilarity: Double
            let loss: Loss
        }
        let scales: [Scale]
        let iterations: [Iteration]
        let metrics: Metrics?
        let totalSeconds: Double
        let stopReason: String
    }

    func report(_ name: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    func testExplicitScalesRunEachScaleAndReportIt() throws {
        let result = try CLI.run(
            ["--content", CLI.sample("hubble.png"), "--style", CLI.sample("ihc.png"), "--scales", "32,48,64",
             "--iterations", "4", "-o", path("out.png"), "--report", path("run.json"), "--print-every", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("scale 2/3 48×42  iteration 1/1"), result.stderr)
        let run = try report("run.json")
        XCTAssertEqual(run.scales.map { [$0.width, $0.height] }, [[32, 28], [48, 42], [64, 56]])
        XCTAssertEqual(run.scales.map { $0.iterations.count }, [3, 2, 4])
        XCTAssertEqual(run.iterations.map(\.loss), run.scales.last!.iterations.map(\.loss))
        XCTAssertGreaterThan(run.totalSeconds, 0)
        XCTAssertEqual(run.stopReason, "completed")
        let image = try ImageFile.read(path: path("out.png"))
        XCTAssertEqual([image.width, image.height], [64, 56])
        XCTAssertTrue(result.stdout.contains("over 3 scales"), result.stdout)
        XCTAssertTrue(result.stdout.contains("quality: SSIM"), result.stdout)
    }

    func testTheDefaultScalesAreTheLadderOnlyForLBFGSFromNoise() throws {
        // 184 px: auto is 130, 184 (README § Coarse to fine has the measurements behind the rule).
        let cases: [(name: String, options: [String], sides: [Int])] = [
            ("lbfgs-noise", ["--init", "random"], [130, 184]),
            ("lbfgs-photo", [], [184]),
            ("adam-noise", ["--optimizer", "adam", "--init", "random"], [184]),
        ]
        for (name, options, sides) in cases {
            let result = try CLI.run(
                ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "184",
                 "--iterations", "1", "-o", path("\(name).png"), "--report", path("\(name).json"), "--quiet"] + options)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try report("\(name).json").scales.map(\.width), sides, name)
        }
    }

    func testEvaluateAgreesWithTheReportAndWithARunThatStartsFromTheResult() throws {
        let common = ["--style", CLI.sample("ihc.png"), "--size", "40"]
        XCTAssertEqual(
            try CLI.run(
                ["--content", CLI.sample("astronaut.png")] + common + [
                    "--iterations", "3", "-o", path("out.png"), "--report", path("run.json"), "--quiet",
                ]
            ).status, 0)
        let metrics = try XCTUnwrap(try report("run.json").metrics)
        XCTAssertGreaterThan(metrics.ssim, 0)
        XCTAssertLessThan(metrics.ssim, 1)
        XCTAssertGreaterThan(metrics.styleSimilarity, 0)
        XCTAssertLessThan(metrics.styleSimilarity, 1)

        try ImageFile.writePNG(
            try ImageFile.read(path: CLI.sample("astronaut.png")).resized(longestSide: 40), to: path("content40.png"))
        let evaluated = try CLI.run(
            ["evaluate", path("out.png"), path("content40.png"), "--content", CLI.sample("astronaut.png"), "--style",
             CLI.sample("ihc.png"), "--json"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        struct Record: Decodable {
            let image: String
            let width: Int
            let metrics: Report.Metrics
        }
        let records = try JSONDecoder().decode([Record].self, from: Data(evaluated.stdout.utf8))
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0].metrics, metrics)
        // The content measured against itself.
        XCTAssertEqual(records[1].width, 40)
        XCTAssertEqual(records[1].metrics.ssim, 1, accuracy: 1e-6)
        XCTAssertEqual(records[1].metrics.loss.content, 0)

        // The same loss as a run that starts from the result and does not update it.
        XCTAssertEqual(
            try CLI.run(
                ["--content", CLI.sample("astronaut.png")] + common + [
                    "--init", path("out.png"), "--iterations", "0", "--scales", "off", "-o", path("again.png"),
                    "--report", path("again.json"), "--quiet",
                ]
            ).status, 0)
        let again = try report("again.json").iterations[0]
        XCTAssertEqual(again.loss, metrics.loss.content + metrics.loss.style + metrics.loss.totalVariation)

        let table = try CLI.run(
            ["evaluate", "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--", path("out.png")])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("SSIM"), table.stdout)
        XCTAssertTrue(table.stdout.contains(String(format: "%.4f", metrics.ssim)), table.stdout)
    }

    func testAMemoryLimitThatFitsIsKeptByEveryBuffer() throws {
        struct Peak: Decodable { let peakDeviceBytes: Int }
        let result = try CLI.run(
            ["--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png"), "--size", "48", "--iterations",
             "2", "--memory-limit", "256M", "-o", path("out.png"), "--report", path("run.json"), "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let peak = try JSONDecoder().decode(Peak.self, from: Data(contentsOf: URL(fileURLWithPath: path("run.json"))))
        XCTAssertGreaterThan(peak.peakDeviceBytes, 0)
        XCTAssertLessThanOrEqual(peak.peakDeviceBytes, 256 << 20)
    }

    func testEvaluateWithoutImagesSaysWhereTheyGo() throws {
        let result = try CLI.run(["evaluate", "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.stderr, "Error: name the images to measure first: stylize-gpu evaluate IMAGE… --content C --style S…\n")
    }

    func testEvaluateRejectsAMissingImageInOneLine() throws {
        let result = try CLI.run(
            ["evaluate", path("nothing.png"), "--content", CLI.sample("astronaut.png"), "--style", CLI.sample("ihc.png")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("nothing.png"), result.stderr)
    }
}
