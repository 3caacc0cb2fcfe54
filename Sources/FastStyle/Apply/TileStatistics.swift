/// Per-channel mean and variance of one activation reduced over tiles, in Double: each tile's
/// values are summed about the tile's own mean and merged with Chan et al.'s parallel update,
/// so no E[x²] − μ² cancellation and the order of tiles does not matter beyond rounding.
///
/// The variance is biased (divided by the count), as `InstanceNorm2d`'s.
public struct TileStatistics: Sendable, Equatable {
    public private(set) var counts: [Int]
    public private(set) var means: [Double]
    /// Σ (x − mean)² per channel.
    public private(set) var squares: [Double]

    public init(channels: Int) {
        precondition(channels > 0)
        counts = [Int](repeating: 0, count: channels)
        means = [Double](repeating: 0, count: channels)
        squares = [Double](repeating: 0, count: channels)
    }

    public var channels: Int { counts.count }

    /// Adds one tile of channel `channel`: `values` (not changed).
    public mutating func add(channel: Int, _ values: UnsafeBufferPointer<Float>) {
        guard !values.isEmpty else { return }
        var sum = 0.0
        for value in values { sum += Double(value) }
        let tileMean = sum / Double(values.count)
        var tileSquares = 0.0
        for value in values {
            let d = Double(value) - tileMean
            tileSquares += d * d
        }
        merge(channel: channel, count: values.count, mean: tileMean, squares: tileSquares)
    }

    /// Adds a tile of `channels` planes of `positions` values each, channel-major.
    public mutating func add(planes values: UnsafeBufferPointer<Float>, positions: Int) {
        precondition(values.count == channels * positions, "\(values.count) values for \(channels) planes of \(positions)")
        for channel in 0..<channels {
            add(channel: channel, UnsafeBufferPointer(rebasing: values[(channel * positions)..<((channel + 1) * positions)]))
        }
    }

    /// Merges another reduction of the same channels (another set of tiles).
    public mutating func merge(_ other: TileStatistics) {
        precondition(other.channels == channels, "statistics of \(other.channels) channels into \(channels)")
        for channel in 0..<channels {
            merge(channel: channel, count: other.counts[channel], mean: other.means[channel], squares: other.squares[channel])
        }
    }

    private mutating func merge(channel: Int, count: Int, mean: Double, squares: Double) {
        guard count > 0 else { return }
        let total = counts[channel] + count
        let delta = mean - means[channel]
        let weight = Double(count) / Double(total)
        means[channel] += delta * weight
        self.squares[channel] += squares + delta * delta * Double(counts[channel]) * weight
        counts[channel] = total
    }

    /// The biased variance of a channel (0 before any value).
    public func variance(_ channel: Int) -> Double {
        counts[channel] == 0 ? 0 : squares[channel] / Double(counts[channel])
    }

    /// 1/√(σ² + ε) of a channel, as the norm scales by.
    public func inverseStd(_ channel: Int, epsilon: Float = InstanceNorm.defaultEpsilon) -> Double {
        1 / (variance(channel) + Double(epsilon)).squareRoot()
    }
}
