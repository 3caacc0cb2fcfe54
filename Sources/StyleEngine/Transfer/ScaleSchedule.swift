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

    /// Iterations of each of `scaleCount` scales for `--iterations total`: all of them when there
    /// is one scale, else half (rounded up) at each. Each scale has about half the pixels of the
    /// next, so the smaller ones together cost less than the last, and the whole ladder about as
    /// much as `total` iterations at the result's size.
    public static func iterations(total: Int, scaleCount: Int) -> [Int] {
        scaleCount == 1 ? [total] : Array(repeating: (total + 1) / 2, count: scaleCount)
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
