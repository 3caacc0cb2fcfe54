import CLRuntime

/// ReLU and 2×2 stride-2 pooling (max or average), forward and backward. Activations are
/// stored in the run's precision; gradients are float.
public enum ReLU {
    /// y = max(x, 0), out of place. Shapes: n elements.
    public static func forward(library: KernelLibrary, input: StoredBuffer, output: StoredBuffer, count: Int) throws {
        try library.kernel("relu", "relu_forward").enqueue(on: library.queue, global: [count], count, input, output)
    }

    /// gradient ← gradient · [y > 0], in place, from the forward output y. Shapes: n elements.
    public static func backward(library: KernelLibrary, output: StoredBuffer, gradient: Buffer<Float>, count: Int)
        throws
    {
        try library.kernel("relu", "relu_backward").enqueue(on: library.queue, global: [count], count, output, gradient)
    }
}

public enum Pooling: String, Sendable, CaseIterable, Codable {
    case max, avg
}

public enum Pool2x2 {
    /// output[C × H/2 × W/2] from input[C×H×W] (odd trailing rows and columns dropped).
    public static func forward(
        library: KernelLibrary, kind: Pooling, input: StoredBuffer, channels: Int, height: Int, width: Int,
        output: StoredBuffer
    ) throws {
        try library.kernel("pool", kind == .max ? "max_pool_forward" : "avg_pool_forward").enqueue(
            on: library.queue, global: [width / 2, height / 2, channels], channels, height, width, input, output)
    }

    /// gradInput[C×H×W] (every element written) from gradOutput[C × H/2 × W/2]; max pooling
    /// reads the forward input to find each window's first maximum.
    public static func backward(
        library: KernelLibrary, kind: Pooling, input: StoredBuffer, gradOutput: Buffer<Float>, channels: Int,
        height: Int, width: Int, gradInput: Buffer<Float>
    ) throws {
        let global = [width, height, channels]
        switch kind {
        case .max:
            try library.kernel("pool", "max_pool_backward").enqueue(
                on: library.queue, global: [((width + 1) / 2 + 7) / 8, (height + 1) / 2, channels], channels, height,
                width, input, gradOutput, gradInput)
        case .avg:
            try library.kernel("pool", "avg_pool_backward").enqueue(
                on: library.queue, global: global, channels, height, width, gradOutput, gradInput)
        }
    }
}
