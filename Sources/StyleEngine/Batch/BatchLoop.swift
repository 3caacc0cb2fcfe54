import Foundation

/// What every batch shares, whatever its per-image job (a stylization, a fast model's apply):
/// the inputs listed and named, this shard's share, what a manifest records as done with the
/// same fingerprint skipped, a killed run's temporary files removed, one job per remaining
/// image, each recorded in the shard's manifest (a failure with the job's own reason).
public struct BatchLoop {
    public var inputs: [String]
    public var outputDirectory: String
    public var format: BatchRunner.Format
    public var shard: Shard?
    public var force = false
    /// `ContentHash` of every setting the outputs depend on.
    public var fingerprint: String

    public init(inputs: [String], outputDirectory: String, format: BatchRunner.Format, fingerprint: String) {
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.format = format
        self.fingerprint = fingerprint
    }

    /// What one image's job gave.
    public enum ItemResult {
        case done(ItemOutcome)
        /// Stopped on request: the image is neither written nor recorded, and the batch ends.
        case interrupted
    }

    /// What the manifest records of a finished image.
    public struct ItemOutcome {
        public var width: Int
        public var height: Int
        public var loss: LossParts?
        public var metrics: QualityMetrics?

        public init(width: Int, height: Int, loss: LossParts? = nil, metrics: QualityMetrics? = nil) {
            self.width = width
            self.height = height
            self.loss = loss
            self.metrics = metrics
        }
    }

    /// Runs `job` on each pending image of this shard; `log` gets one line per image.
    public func run(log: (String) -> Void, job: (BatchRunner.Item) throws -> ItemResult) throws -> BatchRunner.Summary {
        let start = Date()
        var summary = BatchRunner.Summary()
        let directory = outputDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let all = try BatchRunner.items(inputs: inputs, outputDirectory: directory, format: format)
        let items = shard?.select(all) ?? all
        summary.total = items.count
        let manifestPath = URL(fileURLWithPath: directory).appending(path: shard?.manifestName ?? Manifest.mergedName).path

        // What is done already, by any shard or an earlier run with these settings.
        var done: Set<String> = []
        if !force {
            for file in Manifest.files(in: directory) {
                for record in Manifest.read(path: file)
                where record.status == .ok && record.fingerprint == fingerprint
                    && FileManager.default.fileExists(atPath: record.output)
                {
                    done.insert(record.output)
                }
            }
        }
        // Temporary files a killed run left beside this shard's outputs.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for item in items {
            let name = URL(fileURLWithPath: item.output).lastPathComponent
            for file in leftovers where file.hasPrefix(".\(name).") && file.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).appending(path: file).path)
            }
        }
        let pending = items.filter { !done.contains($0.output) }
        summary.skipped = items.count - pending.count
        if summary.skipped > 0 { log("skipping \(summary.skipped) of \(items.count) already done with these settings") }

        for (number, item) in pending.enumerated() {
            let began = Date()
            let label = "[\(number + 1 + summary.skipped)/\(items.count)] \(item.input)"
            var record = ManifestRecord(
                input: item.input, output: item.output, status: .ok, seconds: 0, fingerprint: fingerprint,
                shard: shard?.description)
            do {
                guard case .done(let outcome) = try job(item) else {
                    summary.interrupted = true
                    log("\(label): interrupted, not written")
                    break
                }
                record.loss = outcome.loss
                record.metrics = outcome.metrics
                record.width = outcome.width
                record.height = outcome.height
                record.seconds = Date().timeIntervalSince(began)
                try Manifest.append(record, to: manifestPath)
                summary.done += 1
                log(
                    String(format: "%@ → %@  ok  %.1f s", label, item.output, record.seconds)
                        + (record.loss.map { String(format: "  loss %.6g", $0.total) } ?? "")
                        + (record.metrics.map {
                            String(format: "  SSIM %.4f  style similarity %.4f", $0.ssim, $0.styleSimilarity)
                        } ?? ""))
            } catch let error as AtomicWriteError where error.path == manifestPath {
                throw error
            } catch {
                record.status = .failed
                record.error = "\(error)"
                record.seconds = Date().timeIntervalSince(began)
                try Manifest.append(record, to: manifestPath)
                summary.failed += 1
                log("\(label): failed: \(error)")
            }
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}
