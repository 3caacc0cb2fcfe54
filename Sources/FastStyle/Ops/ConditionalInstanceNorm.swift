import CLRuntime
import StyleEngine

/// Conditional instance norm's γ and β (Dumoulin et al.): tables of [styles × C] floats,
/// one row per style. Training picks a style's row per image (`row`, or a per-image
/// `InstanceNormAffine` over rows gathered by the caller); apply may blend rows (`blend`).
public enum ConditionalInstanceNorm {
    /// The row of `style` in a [styles × channels] table (no copy).
    public static func row(of table: ParameterSlice, style: Int, channels: Int) -> ParameterSlice {
        table.slice(from: style * channels, count: channels)
    }

    /// row[c] = Σ_s weights[s] · table[s][c], OVERWRITING `row` (`channels` values): a style
    /// mix for apply, from a table of `weights.count` styles. The weights are not normalized.
    public static func blend(
        library: KernelLibrary, table: ParameterSlice, channels: Int, weights: [Float], into row: ParameterSlice
    ) throws {
        precondition(!weights.isEmpty && table.count >= weights.count * channels, "table under \(weights.count) styles")
        precondition(row.count == channels, "blended row of \(row.count) values for \(channels) channels")
        let weightBuffer = try library.gpu.buffer(weights)
        try library.kernel("instance_norm", "blend_rows").enqueue(
            on: library.queue, global: [channels], weights.count, channels, table.buffer, table.offset, weightBuffer,
            row.buffer, row.offset)
    }
}
