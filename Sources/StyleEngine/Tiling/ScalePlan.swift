/// How one size of a run uses device memory, decided before anything is allocated: in one
/// pass or in tiles, and how much L-BFGS history fits.
public struct ScalePlan: Sendable, Codable, Equatable {
    public struct Tiling: Sendable, Codable, Equatable {
        /// Requested core side; cores are about this (aligned to the deepest layer's stride).
        public let tileSize: Int
        public let halo: Int
        public let alignment: Int
        public let rows: Int
        public let columns: Int
        /// The largest core.
        public let coreWidth: Int
        public let coreHeight: Int
        /// The largest region (core and halo) a pass runs on.
        public let regionWidth: Int
        public let regionHeight: Int
        public var tiles: Int { rows * columns }

        /// The tiles of an image of height × width.
        public func grid(height: Int, width: Int) -> TileGrid {
            TileGrid(height: height, width: width, tileSize: tileSize, halo: halo, alignment: alignment)
        }
    }

    public let width: Int
    public let height: Int
    /// nil: the whole image in one pass.
    public let tiling: Tiling?
    /// L-BFGS pairs kept (nil for Adam); less than asked when the history did not fit.
    public let historySize: Int?
    public let requestedHistorySize: Int?
    public let estimatedBytes: Int
    public let availableBytes: Int
    /// Devices the tiles are spread over.
    public var devices = 1

    public var historyShrunk: Bool { historySize != requestedHistorySize }

    /// The tiles of this plan's size (nil when untiled).
    public var grid: TileGrid? { tiling?.grid(height: height, width: width) }

    /// One line for the user: "1024×768: 6 tiles (3×2) of up to 352×384 px, halo 80 px, regions up
    /// to 512×544; L-BFGS history 100 → 20 (what fits); about 930 MiB of 1024 MiB device memory".
    public var summary: String {
        var parts = ["\(width)×\(height): "]
        if let tiling {
            parts.append(
                "\(tiling.tiles) tiles (\(tiling.columns)×\(tiling.rows)) of up to \(tiling.coreWidth)×\(tiling.coreHeight) px, "
                    + "halo \(tiling.halo) px, regions up to \(tiling.regionWidth)×\(tiling.regionHeight)")
            if devices > 1 { parts.append(" over \(devices) devices") }
        } else {
            parts.append("one pass")
        }
        if let historySize, let requestedHistorySize, historySize != requestedHistorySize {
            parts.append("; L-BFGS history \(requestedHistorySize) → \(historySize) (what fits)")
        }
        parts.append(
            "; about \(megabytes(estimatedBytes)) of \(megabytes(availableBytes)) device memory"
                + (devices > 1 ? " each" : ""))
        return parts.joined()
    }
}
