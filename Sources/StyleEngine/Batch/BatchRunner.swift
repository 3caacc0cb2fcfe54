import CLRuntime
import Foundation

/// Many content images, one style: each image is a `StylizeJob` with the batch's settings,
/// on one `SessionPool` (one session and one set of style targets for all of them unless the
/// network depends on the image), each result written atomically into a folder and recorded
/// in its manifest, a failure recorded with the job's own reason.
/// Resumable: an input whose output a manifest records as done with the same settings
/// fingerprint (and whose file is there) is skipped unless `force`.
public final class BatchRunner {
    /// The results' format: each output is named with its extension, which `StylizeJob`
    /// writes by (JPEG at the settings' `jpegQuality`, WebP lossless).
    public enum Format: String, Sendable, CaseIterable, Codable {
        case png, jpg, webp
    }

    public struct Settings: Sendable {
        /// The per-image settings (`contentPath` and `outputPath` are set per image).
        public var stylize: StylizeSettings
        /// Files, or folders whose PNG / JPEG / WebP files are taken, sorted by name.
        public var inputs: [String]
        public var outputDirectory: String
        public var format = Format.png
        public var shard: Shard?
        public var force = false
        /// What identifies the style beyond `stylize.stylePaths` (a stored style's settings);
        /// the file styles' contents are hashed here.
        public var styleIdentity = ""

        public init(stylize: StylizeSettings, inputs: [String], outputDirectory: String) {
            self.stylize = stylize
            self.inputs = inputs
            self.outputDirectory = outputDirectory
        }
    }

    /// One input and where its result goes.
    public struct Item: Sendable, Equatable {
        public let input: String
        public let output: String
    }

    public struct Summary: Sendable, Equatable {
        public var total = 0
        public var done = 0
        public var skipped = 0
        public var failed = 0
        public var interrupted = false
        public var weightUploads = 0
        public var styleTargetComputations = 0
        public var seconds = 0.0
    }

    public let settings: Settings
    public let device: Device
    public let weightsURL: URL
    public let configuration: EngineConfiguration
    /// The styles; nil: read from `settings.stylize.stylePaths`.
    public let styles: StyleSource?
    /// Devices that take a share of each image's tiles (`--device 0,1`).
    public var helperDevices: [Device] = []

    public init(
        settings: Settings, device: Device, weightsURL: URL, configuration: EngineConfiguration = .init(),
        styles: StyleSource? = nil
    ) {
        self.settings = settings
        self.device = device
        self.weightsURL = weightsURL
        self.configuration = configuration
        self.styles = styles
    }

    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "webp"]

    /// Every input (folders expanded, their images sorted) with its output name: the input's
    /// name with `format`'s extension, `-2`, `-3`, … after a name already taken. The same for
    /// every shard (sharding comes after).
    public static func items(inputs: [String], outputDirectory: String, format: Format) throws -> [Item] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input)
                    .filter { !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
                    .sorted()
                files += names.map { URL(fileURLWithPath: input).appending(path: $0).path }
            } else {
                files.append(input)
            }
        }
        var taken: Set<String> = []
        return files.map { file in
            let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            var name = "\(stem).\(format.rawValue)"
            var counter = 2
            while taken.contains(name) {
                name = "\(stem)-\(counter).\(format.rawValue)"
                counter += 1
            }
            taken.insert(name)
            return Item(input: file, output: URL(fileURLWithPath: outputDirectory).appending(path: name).path)
        }
    }

    /// Names the settings an output depends on: the per-image settings (paths left out), the
    /// style files' contents or the stored style, and the weights file.
    public static func fingerprint(settings: Settings, weightsHash: String) throws -> String {
        var stylize = settings.stylize
        stylize.contentPath = ""
        stylize.outputPath = ""
        stylize.saveEvery = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = String(decoding: try encoder.encode(stylize), as: UTF8.self)
        for path in settings.stylize.stylePaths where !path.hasPrefix("@") {
            text += "|style " + (ContentHash.ofFile(path) ?? "unreadable \(path)")
        }
        text += "|" + settings.styleIdentity + "|weights " + weightsHash + "|format " + settings.format.rawValue
        return ContentHash.of(string: text)
    }

    /// Runs this shard's inputs. `log` gets one line per image; `shouldStop` is polled as in
    /// `StylizeJob` (the image in progress is then dropped, neither written nor recorded).
    public func run(
        log: @escaping (String) -> Void = { _ in }, progress: @escaping (TransferProgress) -> Void = { _ in },
        shouldStop: @escaping () -> Bool = { false }, phaseChanged: @escaping (JobPhase) -> Void = { _ in }
    ) throws -> Summary {
        let hooks = JobHooks(progress: progress, shouldStop: shouldStop, log: log, phaseChanged: phaseChanged)
        let uploadsBefore = EngineCounters.weightUploads.load(ordering: .relaxed)
        let computationsBefore = EngineCounters.styleTargetComputations.load(ordering: .relaxed)
        let weightsHash = ContentHash.ofFile(weightsURL.path) ?? "unreadable"
        var loop = BatchLoop(
            inputs: settings.inputs, outputDirectory: settings.outputDirectory, format: settings.format,
            fingerprint: try Self.fingerprint(settings: settings, weightsHash: weightsHash))
        loop.shard = settings.shard
        loop.force = settings.force
        let pool = SessionPool(
            device: device, helperDevices: helperDevices, weightsURL: weightsURL, configuration: configuration)
        var summary = try loop.run(log: log) { item in
            var stylize = settings.stylize
            stylize.contentPath = item.input
            stylize.outputPath = item.output
            let job = StylizeJob(settings: stylize, styleSource: styles, unfinished: .drop)
            let report: RunReport
            do { report = try job.run(on: pool, hooks: hooks) } catch is StoppedBeforeFirstIteration { return .interrupted }
            if report.stopReason == .interrupted { return .interrupted }
            let last = report.iterations.last!
            return .done(
                .init(
                    width: report.output.width, height: report.output.height,
                    loss: LossParts(content: last.content, style: last.style, totalVariation: last.totalVariation),
                    metrics: report.metrics))
        }
        summary.weightUploads = EngineCounters.weightUploads.load(ordering: .relaxed) - uploadsBefore
        summary.styleTargetComputations =
            EngineCounters.styleTargetComputations.load(ordering: .relaxed) - computationsBefore
        return summary
    }
}
