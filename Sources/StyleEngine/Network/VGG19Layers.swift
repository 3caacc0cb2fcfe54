/// VGG19's layer sequence up to pool5, by the names users give (`relu4_2`, `pool1`, …).
public enum VGG19Layers {
    /// Convolutions per block, and each block's output channels.
    public static let convolutionsPerBlock = [2, 2, 4, 4, 4]
    public static let blockChannels = [64, 128, 256, 512, 512]
    /// Output channels of each of the 16 convolutions of VGG19 itself (a pruned network's are
    /// its weights' `channels`).
    public static let channels = zip(convolutionsPerBlock, blockChannels).flatMap { Array(repeating: $1, count: $0) }

    public enum Kind: Equatable, Sendable {
        /// The n-th convolution (0 ..< 16).
        case convolution(Int)
        case relu
        case pool
    }

    public struct Layer: Equatable, Sendable {
        public let name: String
        public let kind: Kind
        /// 0 ... 4: which block, for sizes (each pool halves them).
        public let block: Int
        /// The output is 1/2^outputShift of the image's size (floor at each halving): the
        /// block, one more for the pool that ends it.
        public var outputShift: Int { kind == .pool ? block + 1 : block }
    }

    /// conv1_1 relu1_1 conv1_2 relu1_2 pool1 conv2_1 … relu5_4 pool5.
    public static let all: [Layer] = {
        var layers: [Layer] = []
        var convolution = 0
        for (block, count) in convolutionsPerBlock.enumerated() {
            for index in 1...count {
                layers.append(Layer(name: "conv\(block + 1)_\(index)", kind: .convolution(convolution), block: block))
                layers.append(Layer(name: "relu\(block + 1)_\(index)", kind: .relu, block: block))
                convolution += 1
            }
            layers.append(Layer(name: "pool\(block + 1)", kind: .pool, block: block))
        }
        return layers
    }()

    /// Position of a layer in `all`, or nil for an unknown name.
    public static func position(of name: String) -> Int? { all.firstIndex { $0.name == name } }

    /// `outputShift` of a valid layer name: its output is 1/2^shift of the image.
    public static func outputShift(of name: String) -> Int { all[position(of: name)!].outputShift }

    /// The engine's name of the n-th convolution (conv1_1 … conv5_4).
    public static func convolutionName(_ index: Int) -> String {
        all.first { $0.kind == .convolution(index) }!.name
    }

    public struct UnknownLayer: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown layer '\(name)': VGG19 layers are conv1_1 … conv5_4, relu1_1 … relu5_4, pool1 … pool5"
        }
    }

    /// Validates layer names, throwing `UnknownLayer` for the first one VGG19 lacks.
    public static func validate(_ names: [String]) throws {
        if let unknown = names.first(where: { position(of: $0) == nil }) { throw UnknownLayer(name: unknown) }
    }
}
