import Foundation

/// The sizes a coarse-to-fine run optimizes at, smallest first; the last is the result's.
///
/// Each scale starts from the previous result upsampled (bicubic) and has its own content and
/// style targets. `auto` grows by √2 from the first size ≥ `autoStart` (crowsonkb's
/// style-transfer-pytorch also starts at 128) up to the result's size.
public enum ScaleSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One scale: the result's size (the engine as it was before scales).
    case off
    /// A √2 ladder ending at the result's size.
    case auto
    /// These longest sides, strictly increasing; the last is the result's size.
    case sizes([Int])

    public static let autoStart = 128

    /// What `--scales` means when not given: the ladder for L-BFGS from noise, else one scale.
    /// In equal time the ladder gives L-BFGS from noise a result of far lower full-size loss;
    /// from the photo it is level (a little lower at short budgets, a little higher at longer
    /// ones), and Adam, whose steps are bounded and which needs full-size iterations, ends
    /// higher with it (README § Coarse to fine has the figures).
    public static func defaultSchedule(for optimizer: OptimizerKind, fromNoise: Bool) -> ScaleSchedule {
        optimizer == .lbfgs && fromNoise ? .auto : .off
    }

    /// As `--scales` takes it: off, auto, or the sizes joined by commas.
    public var description: String {
        switch self {
        case .off: "off"
        case .auto: "auto"
        case .sizes(let sizes): sizes.map(String.init).joined(separator: ",")
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Self.parse(text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The longest side of each scale for a result whose longest side is `size`.
    public func sizes(for size: Int) -> [Int] {
        switch self {
        case .off: return [size]
        case .sizes(let sizes): return sizes
        case .auto:
            var ladder = [size]
            var side = Double(size)
            while true {
                side /= 2.0.squareRoot()
                let rounded = Int(side.rounded())
                if rounded < Self.autoStart { break }
                ladder.insert(rounded, at: 0)
            }
            return ladder
        }
    }

    /// Iterations of each scale (longest sides `sizes`, the last the result's) for
    /// `--iterations total`, priced in iterations at the result's size (a scale's iteration
    /// costs its share of the result's pixels): the last scale gets three quarters of the
    /// total, and the smaller scales share the remaining quarter equally in cost, so each runs
    /// total / (4·(scales − 1)) × (its pixels / the result's)⁻¹ iterations. The whole ladder
    /// costs about as much as `total` iterations at the result's size.
    public static func iterations(total: Int, sizes: [Int]) -> [Int] {
        guard sizes.count > 1 else { return [total] }
        let last = Double(sizes.last!)
        let share = Double(total) / Double(4 * (sizes.count - 1))
        let smaller = sizes.dropLast().map { size -> Int in
            let ratio = last / Double(size)
            return total == 0 ? 0 : max(1, Int((share * ratio * ratio).rounded()))
        }
        return smaller + [Int((0.75 * Double(total)).rounded())]
    }

    /// A bad `--scales` value.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// `off`, `auto`, or a comma-separated list of increasing sizes (each at least 16).
    public static func parse(_ text: String) throws -> ScaleSchedule {
        switch text {
        case "off": return .off
        case "auto": return .auto
        default:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            var sizes: [Int] = []
            for part in parts {
                guard let size = Int(part), size >= 16, size <= 1 << 16 else {
                    throw ParseError(
                        description: "--scales takes off, auto or increasing sizes from 16 to 65536 like 256,512; not \(text)")
                }
                if let last = sizes.last, size <= last {
                    throw ParseError(description: "--scales sizes must increase: \(text)")
                }
                sizes.append(size)
            }
            return .sizes(sizes)
        }
    }
}
