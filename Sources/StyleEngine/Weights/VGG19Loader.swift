import CLRuntime
import Foundation

/// Puts VGG19 (or a pruned one: any channel counts) on a device: the 8-bit codes and tables
/// travel, and a kernel expands them there (`table[index]`), so only the compressed form
/// crosses the bus.
public enum VGG19Loader {
    /// The network of `weights`' layers on the library's device (counted in
    /// `EngineCounters.weightUploads`).
    public static func network(library: KernelLibrary, weights: VGG19Weights, pooling: Pooling) throws -> VGG19Network {
        EngineCounters.weightUploads.add(1, ordering: .relaxed)
        let convolutions = try weights.layers.map { layer in
            try DeviceConvLayer(
                library: library, inChannels: layer.inChannels, outChannels: layer.outChannels,
                weights: dequantize(
                    library: library, indices: layer.indices, table: layer.table, rowLength: layer.tableRowLength),
                bias: library.gpu.buffer(layer.bias))
        }
        try library.queue.finish()
        return VGG19Network(library: library, convolutions: convolutions, pooling: pooling)
    }

    /// out[i] = table[indices[i]] on the device.
    public static func dequantize(library: KernelLibrary, indices: [UInt8], table: [Float]) throws -> Buffer<Float> {
        precondition(table.count == 256)
        return try dequantize(library: library, indices: indices, table: table, rowLength: indices.count)
    }

    /// out[i] = table[(i / rowLength) · 256 + indices[i]] on the device: one table per row.
    public static func dequantize(library: KernelLibrary, indices: [UInt8], table: [Float], rowLength: Int) throws
        -> Buffer<Float>
    {
        precondition(rowLength > 0 && table.count == 256 * ((indices.count + rowLength - 1) / rowLength))
        let gpu = library.gpu
        let indexBuffer = try gpu.buffer(indices)
        let tableBuffer = try gpu.buffer(table)
        let output = try gpu.buffer(Float.self, count: indices.count)
        try library.kernel("dequantize", "dequantize_u8_rows").enqueue(
            on: library.queue, global: [indices.count], indices.count, rowLength, indexBuffer, tableBuffer, output)
        // Done before the index and table buffers are released on return.
        try library.queue.finish()
        return output
    }
}
