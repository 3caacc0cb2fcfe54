/// A small, fast, seedable generator (Steele et al.'s SplitMix64), the same on every platform:
/// noise for `--init random`, a trainer's initialization and crops.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on [-1, 1).
    public mutating func symmetric() -> Float { Float(Double(next() >> 11) / Double(1 << 52)) - 1 }
}
