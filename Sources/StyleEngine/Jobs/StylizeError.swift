/// Why a run cannot start or had to stop; each reads as one line for the user.
public enum StylizeError: Error, CustomStringConvertible, Equatable {
    case imageTooSmall(path: String, width: Int, height: Int, minimum: Int)
    case imageTooLarge(neededBytes: Int, availableBytes: Int, largestSize: Int)
    case blendWeightsMismatch(weights: Int, styles: Int)
    case nonFiniteLoss(iteration: Int, outputPath: String)
    case initAspectMismatch(path: String, width: Int, height: Int, contentWidth: Int, contentHeight: Int)
    case styleTooLarge(path: String, width: Int, height: Int, neededBytes: Int, availableBytes: Int, styleScale: Float, largestStyleScale: Float?)
    case cannotWriteReport(path: String, reason: String)

    public var description: String {
        switch self {
        case .imageTooSmall(let path, let width, let height, let minimum):
            "image \(path) is \(width)×\(height) after resizing: the chosen layers need at least \(minimum) px on each side"
        case .imageTooLarge(let needed, let available, let largest):
            "the image needs about \(megabytes(needed)) of device memory but \(megabytes(available)) are available: "
                + (largest >= 16 ? "--size \(largest) would fit" : "no size fits with these settings")
        case .blendWeightsMismatch(let weights, let styles):
            "\(weights) style blend weights for \(styles) style images"
        case .nonFiniteLoss(let iteration, let outputPath):
            "the loss became NaN or infinite at iteration \(iteration); the last good image was written to "
                + "\(outputPath); lower --learning-rate (or --style-weight)"
        case .initAspectMismatch(let path, let width, let height, let contentWidth, let contentHeight):
            "--init image \(path) is \(width)×\(height) but the result is \(contentWidth)×\(contentHeight): "
                + "the aspect ratios differ (it would be stretched); crop it to the content's aspect"
        case .styleTooLarge(let path, let width, let height, let needed, let available, let scale, let largest):
            "style image \(path) at --style-scale \(scale) is \(width)×\(height) and needs about \(megabytes(needed)) "
                + "of device memory but the device has \(megabytes(available)): "
                + (largest.map { "--style-scale \(String(format: "%.3g", $0)) would fit" } ?? "no style scale fits")
        case .cannotWriteReport(let path, let reason):
            "cannot write the report \(path): \(reason)"
        }
    }
}

/// A byte count as whole MiB, rounded, for messages.
public func megabytes(_ bytes: Int) -> String { "\((bytes + 524_287) / 1_048_576) MiB" }
