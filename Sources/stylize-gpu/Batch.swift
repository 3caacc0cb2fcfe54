import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

extension BatchRunner.Format: ExpressibleByArgument {}

/// The options of a batch (`--content` with several files or folders): where results go,
/// their format, the shard, and whether to redo what is done.
struct BatchOptions: ParsableArguments {
    @Option(
        name: .customLong("output-dir"),
        help: "Batch: write each result here, named after its input, with a manifest.jsonl of every image.")
    var outputDir: String?

    @Option(help: "Batch: png, jpg (at --jpeg-quality) or webp (lossless).")
    var format: BatchRunner.Format = .png

    @Option(
        help: ArgumentHelp(
            "Batch: take every N-th input from the I-th (default: from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX / STYLIZE_GPU_SHARD_COUNT).",
            valueName: "I/N"))
    var shard: String?

    @Flag(help: "Batch: redo images the manifest records as done with the same settings.")
    var force = false

    /// Several inputs, a folder, or --output-dir.
    func isBatch(content: [String]) -> Bool {
        outputDir != nil || content.count > 1
            || content.contains { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            }
    }

    /// The checks every command with batches makes of these options and its `--content`.
    func validate(content: [String]) throws {
        if content.isEmpty { throw InputError("give --content a photo (or several, or folders, with --output-dir)") }
        if isBatch(content: content) && outputDir == nil {
            throw InputError("several --content inputs or a folder need --output-dir DIR")
        }
        if let shard {
            do { _ = try Shard.parse(shard) } catch { throw InputError("\(error)") }
        }
    }

    /// The batch's loop over `content` with this fingerprint.
    func loop(content: [String], fingerprint: String) throws -> BatchLoop {
        var loop = BatchLoop(inputs: content, outputDirectory: outputDir!, format: format, fingerprint: fingerprint)
        loop.force = force
        do { loop.shard = try shard.map(Shard.parse) ?? Shard.fromEnvironment() } catch { throw InputError("\(error)") }
        return loop
    }
}

extension StyleOptions {
    /// The styles: the files, or the stored style of `--style @NAME` fitted to a run of these
    /// settings and style sides.
    func source(layers: [String], pooling: Pooling, precision: Precision, weightsURL: URL, sides: [Int]) throws
        -> StyleSource
    {
        guard let name = storedStyleName else {
            return StyleSource(images: try style.map { try ImageFile.read(path: $0) }, blendWeights: styleBlendWeights, layers: layers)
        }
        return try StyleLibrary.locate(explicitPath: library).source(
            name: name,
            requirements: StyleRequirements(
                layers: layers, pooling: pooling, precision: precision,
                weightsHash: ContentHash.ofFile(weightsURL.path) ?? "unreadable", sides: sides))
    }
}

extension Stylize {
    var isBatch: Bool { batchOptions.isBatch(content: content) }

    func validateBatch() throws {
        try batchOptions.validate(content: content)
        if isBatch && (report != nil || saveEvery > 0) {
            throw InputError("--report and --save-every are for one image; a batch records each in DIR/manifest.jsonl")
        }
    }

    /// The stored style of `--style @NAME` fitted to this run, or nil for style files.
    func storedStyleSource(weightsURL: URL) throws -> StyleSource? {
        guard styleOptions.storedStyleName != nil else { return nil }
        let settings = settings
        let transfer = settings.transfer
        return try styleOptions.source(
            layers: settings.loss.styleLayers, pooling: settings.pooling, precision: settings.precision,
            weightsURL: weightsURL, sides: transfer.scaleSizes.map(transfer.styleSide(forSize:)))
    }

    func runBatch(device: Device, helperDevices: [Device], weightsURL: URL, configuration: EngineConfiguration) throws {
        var batch = BatchRunner.Settings(stylize: settings, inputs: content, outputDirectory: batchOptions.outputDir!)
        batch.format = batchOptions.format
        batch.force = batchOptions.force
        do {
            batch.shard = try batchOptions.shard.map(Shard.parse) ?? Shard.fromEnvironment()
        } catch { throw InputError("\(error)") }
        let styles = try storedStyleSource(weightsURL: weightsURL)
        if let name = styleOptions.storedStyleName {
            let library = StyleLibrary.locate(explicitPath: styleOptions.library)
            batch.styleIdentity = "stored \(name) " + (ContentHash.ofFile(library.path(of: name)) ?? "")
        }
        let quiet = quiet
        let printer = ProgressPrinter(printEvery: 0, quiet: quiet)
        let runner = BatchRunner(
            settings: batch, device: device, weightsURL: weightsURL, configuration: configuration, styles: styles)
        runner.helperDevices = helperDevices
        let hooks = Interrupt.hooks(progress: { if printer.live { printer.show($0) } }, quiet: quiet)
        let summary = try runner.run(
            log: hooks.log, progress: hooks.progress, shouldStop: hooks.shouldStop, phaseChanged: hooks.phaseChanged)
        if !quiet {
            print(
                String(
                    format: "batch%@: %d images, %d done, %d skipped, %d failed in %.1f s; weights uploaded %d×, style targets computed %d×",
                    batch.shard.map { " shard \($0)" } ?? "", summary.total, summary.done, summary.skipped,
                    summary.failed, summary.seconds, summary.weightUploads, summary.styleTargetComputations))
        }
        if summary.interrupted { throw ExitCode(Interrupt.exitStatus) }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
