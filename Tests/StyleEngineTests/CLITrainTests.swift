import Foundation
import StyleEngine
import XCTest

/// `stylize-gpu train` as a process: a model that `apply` runs, a report of every step, a
/// killed run that resumes and ends byte for byte where an unbroken one does, and every bad
/// input refused in one line before any work.
final class CLITrainTests: CLITestCase {
    /// Several training runs of a few steps each: minutes on a busy 2-core machine.
    override class var processTimeout: TimeInterval { 300 }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: path("photos"), withIntermediateDirectories: false)
        for name in ["astronaut", "chelsea", "hubble"] {
            try ImageFile.writePNG(
                try ImageFile.read(path: CLI.sample("\(name).png")).resized(longestSide: 48), to: path("photos/\(name).png"))
        }
        try ImageFile.writePNG(try ImageFile.read(path: CLI.sample("ihc.png")).resized(longestSide: 48), to: path("style.png"))
    }

    func train(_ model: String, _ extra: [String] = []) -> [String] {
        ["train", "--style", path("style.png"), "--images", path("photos"), "-o", path(model), "--size", "32", "--batch", "2",
         "--checkpoint-every", "2", "--seed", "5"] + extra
    }

    func testAModelThatApplyRunsAndAReportOfEveryStep() throws {
        try FileManager.default.createDirectory(atPath: path("held"), withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: path("photos/chelsea.png"), toPath: path("held/chelsea.png"))
        let result = try CLI.run(
            train("m.safetensors", ["--steps", "3", "--report", path("train.json"), "--held-out", path("held"), "--evaluate-every", "2"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("wrote \(path("m.safetensors")) after 3 steps"), result.stdout)
        XCTAssertEqual(result.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("step ") }.count, 3, result.stderr)
        struct Report: Decodable {
            struct Step: Decodable { let step: Int; let loss: Double }
            struct Evaluation: Decodable { let step: Int; let ssim: Double; let styleSimilarity: Double }
            let steps: [Step]
            let evaluations: [Evaluation]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path("train.json"))))
        XCTAssertEqual(report.steps.map(\.step), [1, 2, 3])
        XCTAssertTrue(report.steps.allSatisfy { $0.loss.isFinite && $0.loss > 0 })
        XCTAssertEqual(report.evaluations.map(\.step), [2, 3], "held-out photos measured every 2 steps and at the end")
        XCTAssertTrue(report.evaluations.allSatisfy { (-1...1).contains($0.ssim) && (-1...1).contains($0.styleSimilarity) })
        XCTAssertTrue(result.stderr.contains("held-out at step 2: SSIM to the photos"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("m.checkpoint.safetensors")))
        let applied = try CLI.run(["apply", "--model", path("m.safetensors"), "--content", path("photos/chelsea.png"), "-o", path("a.png")])
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertEqual(try ImageFile.read(path: path("a.png")).width, 48)
    }

    /// SIGKILL after the step-2 checkpoint, then --resume: the model of 4 steps is the
    /// unbroken run's, byte for byte.
    func testAKilledRunResumesAndEndsWhereAnUnbrokenOneDoes() throws {
        XCTAssertEqual(try CLI.run(train("unbroken.safetensors", ["--steps", "4", "-q"])).status, 0)
        let running = try CLIProcess(train("resumed.safetensors", ["--steps", "4"]), timeout: CLI.currentTimeout)
        var said = ""
        while !said.contains("step 3/4") {
            let chunk = running.stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        kill(running.process.processIdentifier, SIGKILL)
        running.wait()
        XCTAssertEqual(running.process.terminationReason, .uncaughtSignal, "it ended before it was killed: \(said)")
        let resumed = try CLI.run(train("resumed.safetensors", ["--steps", "4", "--resume"]))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming at step 2 of 4"), resumed.stderr)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: path("resumed.safetensors"))),
            try Data(contentsOf: URL(fileURLWithPath: path("unbroken.safetensors"))), "the resumed model differs")
        let other = try CLI.run(train("resumed.safetensors", ["--steps", "6", "--resume", "--lr", "0.01"]))
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("was made with other settings (learningRate was 0.001"), other.stderr)
    }

    /// Two --style images: one multi-style model whose styles are named after them and differ.
    func testTwoStylesMakeOneMultiStyleModel() throws {
        try ImageFile.writePNG(try ImageFile.read(path: CLI.sample("hubble.png")).resized(longestSide: 48), to: path("second.png"))
        let result = try CLI.run(
            ["train", "--style", path("style.png"), "--style", path("second.png"), "--images", path("photos"), "-o",
             path("two.safetensors"), "--size", "32", "--batch", "2", "--steps", "2", "-q"])
        XCTAssertEqual(result.status, 0, result.stderr)
        var pictures: [Data] = []
        for (index, options) in [["--style", "style.png"], ["--style-index", "1"]].enumerated() {
            let applied = try CLI.run(
                ["apply", "--model", path("two.safetensors"), "--content", path("photos/chelsea.png"), "-o", path("s\(index).png")]
                    + options)
            XCTAssertEqual(applied.status, 0, applied.stderr)
            pictures.append(try Data(contentsOf: URL(fileURLWithPath: path("s\(index).png"))))
        }
        XCTAssertNotEqual(pictures[0], pictures[1], "each style its own picture")
        let missing = try CLI.run(
            ["apply", "--model", path("two.safetensors"), "--content", path("photos/chelsea.png"), "-o", path("x.png"), "--style-index", "2"])
        XCTAssertTrue(missing.stderr.contains("the model has 2 styles"), missing.stderr)
    }

    func testBadInputsAreRefusedInOneLine() throws {
        try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: false)
        let cases: [([String], String)] = [
            (["train", "--images", path("photos"), "-o", path("m.safetensors")], "give --style a style image"),
            (train("m.safetensors").map { $0 == path("photos") ? path("missing") : $0 }, "--images \(path("missing")) is not a folder"),
            (train("m.safetensors").map { $0 == path("photos") ? path("empty") : $0 }, "holds no PNG, JPEG or WebP photo"),
            (train("m.png"), "-o must name a .safetensors file"),
            (train("m.safetensors", ["--resume"]), "there is no checkpoint \(path("m.checkpoint.safetensors"))"),
            (train("m.safetensors", ["--batch", "0"]), "--batch must be 1 to 256"),
            (train("m.safetensors", ["--style", path("style.png"), "--batch", "3"]), "--batch must be a multiple of the 2 styles"),
            (train("m.safetensors", ["--lr", "0"]), "--lr must be positive"),
            (train("m.safetensors", ["--init-model", path("photos/chelsea.png")]), "is not a safetensors file"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertLessThan(result.status, 128, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("m.safetensors")), "\(arguments) wrote a model")
        }
    }
}
