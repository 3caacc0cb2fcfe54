import Foundation

/// Standard normal samples from a seeded generator (Box–Muller over SplitMix64), identical on
/// every platform so that a seed always gives the same image.
struct NormalGenerator {
    private var bits: SplitMix64
    private var spare: Float?

    init(seed: UInt64) { bits = SplitMix64(seed: seed) }

    /// Uniform on (0, 1): never 0, whose log Box–Muller takes.
    mutating func nextUniform() -> Double { (Double(bits.next() >> 11) + 0.5) / Double(1 << 53) }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let radius = (-2 * Foundation.log(nextUniform())).squareRoot()
        let angle = 2 * Double.pi * nextUniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
