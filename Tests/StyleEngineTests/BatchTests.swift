import CLRuntime
import Foundation
import StyleEngine
import XCTest

/// Batches: one session and one style source for every image, shards, the manifest, and a
/// batch killed mid-way that a rerun finishes without redoing anything.
final class BatchTests: XCTestCase {
    /// `count` small content images (copies of the samples, under distinct names) in a folder.
    func contentFolder(_ count: Int) throws -> URL {
        let folder = try CLI.temporaryDirectory().appending(path: "in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let samples = ["astronaut", "chelsea", "hubble"]
        for index in 0..<count {
            let image = try EngineTestDevice.sample(samples[index % samples.count]).resized(longestSide: 40)
            try ImageFile.writePNG(image, to: folder.appending(path: String(format: "photo%02d.png", index)).path)
        }
        return folder
    }

    func stylizeSettings() -> StylizeSettings {
        var settings = StylizeSettings(contentPath: "", stylePaths: [CLI.sample("ihc.png")], outputPath: "")
        settings.size = 32
        settings.iterations = 2
        return settings
    }

    func testABatchLoadsTheWeightsOnceAndComputesTheStyleTargetsOnce() throws {
        guard let weightsURL = try? VGG19Weights.locate(explicitPath: nil) else {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights)")
        }
        let folder = try contentFolder(4)
        let output = folder.deletingLastPathComponent().appending(path: "out").path
        var settings = BatchRunner.Settings(
            stylize: stylizeSettings(), inputs: [folder.path, "/nonexistent/photo.png"], outputDirectory: output)
        settings.stylize.scales = .off
        let uploads = EngineCounters.weightUploads.load(ordering: .relaxed)
        let computations = EngineCounters.styleTargetComputations.load(ordering: .relaxed)
        var lines: [String] = []
        let summary = try BatchRunner(
            settings: settings, device: DeviceInventory.device(at: EngineTestDevice.index), weightsURL: weightsURL
        ).run(log: { lines.append($0) })
        XCTAssertEqual(EngineCounters.weightUploads.load(ordering: .relaxed) - uploads, 1)
        XCTAssertEqual(EngineCounters.styleTargetComputations.load(ordering: .relaxed) - computations, 1)
        XCTAssertEqual(summary.weightUploads, 1)
        XCTAssertEqual(summary.styleTargetComputations, 1)
        XCTAssertEqual([summary.total, summary.done, summary.skipped, summary.failed], [5, 4, 0, 1])
        XCTAssertEqual(lines.filter { $0.contains("  ok  ") }.count, 4, lines.joined(separator: "\n"))
        let records = Manifest.read(path: output + "/manifest.jsonl")
        XCTAssertEqual(records.map(\.status), [.ok, .ok, .ok, .ok, .failed])
        XCTAssertEqual(records.last?.error, "no such image file: /nonexistent/photo.png")
        for record in records.prefix(4) {
            XCTAssertEqual(try ImageFile.read(path: record.output).width, 32)
            XCTAssertNotNil(record.metrics)
            XCTAssertEqual(record.fingerprint, records[0].fingerprint)
        }
        // Again: everything done is skipped, the failure retried; nothing is put on the device
        // again for an input that is done.
        let again = try BatchRunner(
            settings: settings, device: DeviceInventory.device(at: EngineTestDevice.index), weightsURL: weightsURL
        ).run()
        XCTAssertEqual([again.done, again.skipped, again.failed], [0, 4, 1])
        // Other settings, another fingerprint: done again.
        settings.stylize.iterations = 1
        settings.inputs = [folder.path]
        XCTAssertNotEqual(
            try BatchRunner.fingerprint(settings: settings, weightsHash: "w"),
            try BatchRunner.fingerprint(settings: { var s = settings; s.stylize.iterations = 2; return s }(), weightsHash: "w"))
    }

    func testShardsSplitTheInputsAndComeFromTheScheduler() throws {
        XCTAssertEqual(try Shard.parse("1/3").select(Array(0..<8)), [1, 4, 7])
        XCTAssertEqual(try Shard.parse("0/1").select(Array(0..<3)), [0, 1, 2])
        XCTAssertThrowsError(try Shard.parse("3/3"))
        XCTAssertThrowsError(try Shard.parse("a/b"))
        XCTAssertEqual(
            try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "2"]),
            try Shard(index: 1, count: 2))
        XCTAssertEqual(
            try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"]),
            try Shard(index: 2, count: 4))
        XCTAssertEqual(
            try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "3", "STYLIZE_GPU_SHARD_COUNT": "8"]), try Shard(index: 3, count: 8))
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "3"]))
        XCTAssertNil(try Shard.fromEnvironment(["SLURM_JOB_ID": "7"]))
        XCTAssertEqual(try Shard(index: 1, count: 2).manifestName, "manifest.1-of-2.jsonl")
        // Output names: from the inputs, unique, the same for every shard.
        let items = try BatchRunner.items(inputs: ["/a/x.png", "/b/x.jpg", "/c/y.webp"], outputDirectory: "/o", format: .jpg)
        XCTAssertEqual(items.map(\.output), ["/o/x.jpg", "/o/x-2.jpg", "/o/y.jpg"])
    }

    func testManifestMergeKeepsOneRecordPerOutput() throws {
        let directory = try CLI.temporaryDirectory().path
        let a = ManifestRecord(input: "a", output: "\(directory)/a.png", status: .failed, seconds: 1, fingerprint: "f", finished: "2026-01-01T00:00:00Z")
        var a2 = a
        a2.status = .ok
        a2.finished = "2026-01-01T00:00:05Z"
        let b = ManifestRecord(input: "b", output: "\(directory)/b.png", status: .ok, seconds: 1, fingerprint: "f", finished: "2026-01-01T00:00:01Z")
        try Manifest.append(a, to: "\(directory)/manifest.0-of-2.jsonl")
        try Manifest.append(b, to: "\(directory)/manifest.1-of-2.jsonl")
        try Manifest.append(a2, to: "\(directory)/manifest.0-of-2.jsonl")
        // A torn line (a power loss mid-append) is skipped, and the next append starts afresh.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/manifest.1-of-2.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"input\":\"tor".utf8))
        try handle.close()
        XCTAssertEqual(Manifest.read(path: "\(directory)/manifest.1-of-2.jsonl"), [b])
        try Manifest.append(b, to: "\(directory)/manifest.1-of-2.jsonl")
        XCTAssertEqual(Manifest.read(path: "\(directory)/manifest.1-of-2.jsonl"), [b, b])
        XCTAssertEqual(try Manifest.merge(directory: directory), [a2, b])
        XCTAssertEqual(Manifest.read(path: "\(directory)/manifest.jsonl"), [a2, b])
        XCTAssertThrowsError(try Manifest.merge(directory: try CLI.temporaryDirectory().path))
    }

    /// SIGKILL mid-batch, then the same command again: it finishes the rest, redoes nothing
    /// recorded as done, and no output or manifest line is ever half-written.
    func testAKilledBatchResumesWhereItStopped() throws {
        let folder = try contentFolder(6)
        let output = folder.deletingLastPathComponent().appending(path: "out").path
        let arguments = [
            "--content", folder.path, "--style", CLI.sample("ihc.png"), "--size", "32", "--iterations", "2",
            "--scales", "off", "--output-dir", output,
        ]
        let running = try CLIProcess(arguments, timeout: CLI.defaultTimeout)
        let err = running.stderr
        var collected = ""
        while collected.components(separatedBy: "  ok  ").count - 1 < 2 {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected += String(decoding: chunk, as: UTF8.self)
        }
        kill(running.process.processIdentifier, SIGKILL)
        running.wait()
        XCTAssertEqual(
            running.process.terminationReason, .uncaughtSignal, "the batch ended before it was killed:\n\(collected)")

        let manifest = output + "/manifest.jsonl"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"), "a half-written manifest line")
        let before = Manifest.read(path: manifest)
        XCTAssertEqual(before.count, text.split(separator: "\n").count, "a manifest line that does not parse")
        XCTAssertGreaterThanOrEqual(before.count, 2)
        XCTAssertLessThan(before.count, 6)
        for name in try FileManager.default.contentsOfDirectory(atPath: output) where name.hasSuffix(".png") && !name.hasPrefix(".") {
            XCTAssertNoThrow(try ImageFile.read(path: output + "/" + name), "half-written \(name)")
        }

        let rerun = try CLI.run(arguments)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(
            rerun.stdout.contains("6 images, \(6 - before.count) done, \(before.count) skipped, 0 failed"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("weights uploaded 1×, style targets computed 1×"), rerun.stdout)
        let after = Manifest.read(path: manifest)
        XCTAssertEqual(Array(after.prefix(before.count)), before)
        XCTAssertEqual(Set(after.map(\.output)).count, 6, "an image was redone or left out")
        XCTAssertEqual(after.count, 6)
        XCTAssertTrue(after.allSatisfy { $0.status == .ok })
        for record in after { XCTAssertEqual(try ImageFile.read(path: record.output).width, 32) }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".tmp") }, [],
            "a temporary file was left behind")
        // --force redoes them all.
        let forced = try CLI.run(arguments + ["--force", "--shard", "1/2"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("batch shard 1/2: 3 images, 3 done, 0 skipped"), forced.stdout)
        XCTAssertEqual(Manifest.read(path: output + "/manifest.1-of-2.jsonl").map { URL(fileURLWithPath: $0.input).lastPathComponent }, ["photo01.png", "photo03.png", "photo05.png"])
    }

    func testAStoredStyleOnTheCommandLineMatchesThePaintingFile() throws {
        let directory = try CLI.temporaryDirectory()
        let library = directory.appending(path: "lib").path
        let add = try CLI.run(["styles", "add", "ihc", CLI.sample("ihc.png"), "--size", "32", "--library", library])
        XCTAssertEqual(add.status, 0, add.stderr)
        XCTAssertTrue(add.stdout.hasPrefix("stored 'ihc' in \(library)/ihc.safetensors: style sides 32"), add.stdout)
        var losses: [[String: Double]] = []
        for style in ["@ihc", CLI.sample("ihc.png")] {
            let report = directory.appending(path: "report.json").path
            let run = try CLI.run([
                "--content", CLI.sample("astronaut.png"), "--style", style, "--library", library, "--size", "32",
                "--iterations", "0", "-o", directory.appending(path: "out.png").path, "--report", report, "-q",
            ])
            XCTAssertEqual(run.status, 0, run.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
            var first = (json["iterations"] as! [[String: Double]])[0]
            first["elapsedSeconds"] = nil
            losses.append(first)
        }
        XCTAssertEqual(losses[0], losses[1])
        let list = try CLI.run(["styles", "list", "--library", library])
        XCTAssertTrue(list.stdout.contains("ihc   ihc.png  32"), list.stdout)
        // Settings that differ, sources gone: one line naming what differs.
        try FileManager.default.copyItem(atPath: CLI.sample("ihc.png"), toPath: directory.appending(path: "p.png").path)
        XCTAssertEqual(try CLI.run(["styles", "add", "p", directory.appending(path: "p.png").path, "--size", "32", "--library", library]).status, 0)
        try FileManager.default.removeItem(atPath: directory.appending(path: "p.png").path)
        let mismatch = try CLI.run([
            "--content", CLI.sample("astronaut.png"), "--style", "@p", "--library", library, "--size", "32",
            "--pooling", "avg", "--iterations", "0", "-o", directory.appending(path: "out.png").path,
        ])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertEqual(
            mismatch.stderr,
            "Error: stored style 'p' does not fit this run (pooling max vs avg) and its source image is gone "
                + "(\(directory.appending(path: "p.png").path)): add it again with the run's settings\n")
        try Data("broken".utf8).write(to: URL(fileURLWithPath: library + "/bad.safetensors"))
        let damaged = try CLI.run(["styles", "list", "--library", library])
        XCTAssertEqual(damaged.status, 1)
        XCTAssertTrue(damaged.stdout.contains("ihc"), damaged.stdout)
        XCTAssertTrue(damaged.stderr.hasPrefix("Error: style library file \(library)/bad.safetensors is damaged: "), damaged.stderr)
        XCTAssertEqual(damaged.stderr.split(separator: "\n").count, 1)
    }
}
