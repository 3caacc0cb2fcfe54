import CLRuntime

/// Scratch the convolutions share at one image size: im2col bands (or Winograd's transformed
/// input); one layer's float weights (FP16 runs) or transformed weights (Winograd); the float
/// GEMM output band that FP16 runs store as half; Winograd's GEMM products.
public struct ConvScratch {
    public let columns: Buffer<Float>
    public let weights: Buffer<Float>?
    public let outputBand: Buffer<Float>?
    public let products: Buffer<Float>?

    public init(columns: Buffer<Float>, weights: Buffer<Float>?, outputBand: Buffer<Float>?, products: Buffer<Float>? = nil) {
        self.columns = columns
        self.weights = weights
        self.outputBand = outputBand
        self.products = products
    }

    /// Floats a convolution method needs beside `columns` (0: none).
    struct Needs {
        var weights = 0
        var outputBand = 0
        var products = 0
    }

    /// The scratch that covers every need, beside `columns` (the largest of each kind).
    init(library: KernelLibrary, columns: Buffer<Float>, needs: [Needs]) throws {
        func buffer(_ count: Int) throws -> Buffer<Float>? {
            count > 0 ? try library.gpu.buffer(Float.self, count: count) : nil
        }
        self.init(
            columns: columns, weights: try buffer(needs.map(\.weights).max() ?? 0),
            outputBand: try buffer(needs.map(\.outputBand).max() ?? 0),
            products: try buffer(needs.map(\.products).max() ?? 0))
    }
}
