/// Why a run cannot start or had to stop; each reads as one line for the user.
public enum StylizeError: Error, CustomStringConvertible, Equatable {
    case imageTooSmall(path: String, width: Int, height: Int, minimum: Int)
    case imageTooLarge(neededBytes: Int, availableBytes: Int, largestSize: Int)
    case blendWeightsMismatch(weights: Int, styles: Int)
    case nonFiniteLoss(iteration: Int, outputPath: String)

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
        }
    }
}

func megabytes(_ bytes: Int) -> String { "\((bytes + 524_287) / 1_048_576) MiB" }
