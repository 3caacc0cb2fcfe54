/// Which input pixels one output position of a VGG19 layer depends on: position i of a layer
/// whose output is 1/`stride` of the image reads pixels [stride·i − before, stride·i + after]
/// (3×3 convolutions widen it by one input step each side, a 2×2 pool by one step after).
public struct ReceptiveField: Equatable, Sendable {
    public let stride: Int
    public let before: Int
    public let after: Int

    /// The field of the output of `VGG19Layers.all[position]`.
    public init(position: Int) {
        var (stride, before, after) = (1, 0, 0)
        for layer in VGG19Layers.all[...position] {
            switch layer.kind {
            case .convolution:
                before += stride
                after += stride
            case .relu: break
            case .pool:
                after += stride
                stride *= 2
            }
        }
        (self.stride, self.before, self.after) = (stride, before, after)
    }

    /// The field of the deepest of `layers` (valid names).
    public init(deepestOf layers: [String]) {
        self.init(position: layers.compactMap(VGG19Layers.position(of:)).max() ?? 0)
    }

    /// The smallest halo, in pixels and a multiple of `stride`, with which every output
    /// position of a tile's core (starting and ending on multiples of `stride`) is computed
    /// from the tile's region alone, exactly as over the whole image.
    public var exactHalo: Int {
        let needed = max(before, after - stride)
        return (needed + stride - 1) / stride * stride
    }
}
