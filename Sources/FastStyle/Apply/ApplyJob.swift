import CLRuntime
import Foundation
import StyleEngine

/// One photo through a transform network: the output checked against the inputs before any
/// work, the photo read (EXIF orientation, alpha, ICC profile) and resized to `size`, the
/// network applied on a `TransformerSession`, the result written atomically with every output
/// option (format by extension, JPEG quality, alpha, ICC profile).
public final class ApplyJob {
    public let settings: ApplySettings
    public let model: TransformerModel
    /// Names the model among the session's networks.
    public let modelKey: String

    public init(settings: ApplySettings, model: TransformerModel, modelKey: String) {
        self.settings = settings
        self.model = model
        self.modelKey = modelKey
    }

    /// What an apply did.
    public struct Report: Sendable, Codable {
        public var width: Int
        public var height: Int
        public var seconds: Double
        public var peakDeviceBytes: Int
        /// The tiles, when the photo ran tiled (`TilePlan`'s line).
        public var tiles: String?
    }

    /// `log` gets the tile plan's line before a tiled apply starts.
    public func run(on session: TransformerSession, log: ((String) -> Void)? = nil) throws -> Report {
        let start = Date()
        let selection = try settings.style.selection(in: model)
        try OutputCheck(
            inputs: [
                .init(role: "the content image", path: settings.contentPath),
                .init(role: "the model", path: settings.modelPath),
            ],
            outputs: [.init(role: "the output image", path: settings.outputPath)], numbered: nil
        ).run()
        let decoded = try ImageFile.decode(path: settings.contentPath, maxPixels: settings.maxImagePixels)
        let photo = settings.size.map { decoded.image.resized(longestSide: $0) } ?? decoded.image
        if photo.width < Self.minimumSide || photo.height < Self.minimumSide {
            throw ApplyError.imageTooSmall(
                path: settings.contentPath, width: photo.width, height: photo.height, minimum: Self.minimumSide)
        }
        let network = try session.network(for: model, key: modelKey)
        let applier = StyleApplier(network: network, bandRows: settings.tileRows)
        let plan = try applier.plan(height: photo.height, width: photo.width)
        if let plan { log?(plan.description) }
        let result = try applier.apply(photo, style: selection, plan: plan)
        try ImageFile.write(
            result, alpha: decoded.alpha(width: result.width, height: result.height), iccProfile: decoded.iccProfile,
            to: settings.outputPath, format: ImageFormat(outputPath: settings.outputPath) ?? .png,
            quality: settings.jpegQuality)
        return Report(
            width: result.width, height: result.height, seconds: Date().timeIntervalSince(start),
            peakDeviceBytes: session.peakAllocatedBytes, tiles: plan?.description)
    }

    /// Two stride-2 convolutions and a reflection pad of 1 need 5 px on each side.
    public static let minimumSide = 5
}
