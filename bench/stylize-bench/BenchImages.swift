import StyleEngine

/// The tensors one bench size starts from, fed alike to the engine and the PyTorch peer:
/// the content (also the initial image) and the styles at their sizes, with blend weights.
struct BenchImages {
    let content: PreparedImage
    let styles: [PreparedImage]
    let blendWeights: [Float]
}
