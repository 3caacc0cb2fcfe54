import Foundation

/// A transform network's parameters (pytorch/examples' `TransformerNet`, plain or with
/// conditional instance norms of several styles) and what its file says about it.
///
/// Every tensor of `TransformerNetLayout` is present with its exact shape: a plain model's
/// norms are [C], a conditional model's are [styles, C], all of them alike.
public struct TransformerModel: Sendable, Equatable {
    /// `format` in the metadata of the files this engine writes.
    public static let fileFormat = "stylize-gpu transformer net"

    /// Metadata keys (safetensors metadata is string to string; structured values are JSON).
    public enum MetadataKey {
        public static let format = "format"
        /// A JSON list of the style names, in style-index order.
        public static let styles = "styles"
        /// `TrainingSettings` as JSON.
        public static let training = "training"
        /// `ContentHash` of the VGG weights file the loss network used.
        public static let vggWeightsHash = "vgg_weights_hash"
    }

    /// By name (`conv1.conv2d.weight`, `res3.in2.bias`, …).
    public private(set) var tensors: [String: ModelTensor]
    /// 1 for a plain model.
    public let styleCount: Int
    /// Whether the norms hold one row per style ([styles, C]), even for one style.
    public let isConditional: Bool
    /// One per style; "style 0", "style 1", … where the file names none.
    public var styleNames: [String]
    public var training: TrainingSettings?
    public var vggWeightsHash: String?
    /// The file's other metadata (its source, …), written back as it is.
    public var metadata: [String: String]

    /// A model from tensors made in code; `file` names it in errors.
    public init(
        tensors: [String: ModelTensor], styleNames: [String]? = nil, training: TrainingSettings? = nil,
        vggWeightsHash: String? = nil, metadata: [String: String] = [:], file: String = "(in memory)"
    ) throws(FastModelError) {
        try self.init(
            tensors: tensors, styleNames: styleNames, training: training, vggWeightsHash: vggWeightsHash,
            metadata: metadata, file: file, valuesChecked: false)
    }

    /// `valuesChecked`: the loader has already refused non-finite values.
    init(
        tensors: [String: ModelTensor], styleNames: [String]?, training: TrainingSettings?, vggWeightsHash: String?,
        metadata: [String: String], file: String, valuesChecked: Bool
    ) throws(FastModelError) {
        let styles = try Self.checkTensors(tensors.mapValues { (dtype: "F32", shape: $0.shape) }, file: file)
        for (name, tensor) in tensors where !valuesChecked && !tensor.values.allSatisfy(\.isFinite) {
            throw .nonFinite(file: file, name: name)
        }
        self.tensors = tensors.filter { !TransformerNetLayout.isIgnoredKey($0.key) }
        styleCount = styles ?? 1
        isConditional = styles != nil
        if let styleNames, styleNames.count != styleCount {
            throw .badMetadata(
                file: file, key: MetadataKey.styles, reason: "names \(styleNames.count) styles, the norms hold \(styleCount)")
        }
        self.styleNames = styleNames ?? (0..<styleCount).map { "style \($0)" }
        self.training = training
        self.vggWeightsHash = vggWeightsHash
        self.metadata = metadata
    }

    /// Checks names, dtypes and shapes; returns the number of styles of a conditional model,
    /// nil for a plain one. Missing tensors are reported before unknown ones: a file of
    /// another network names what it lacks.
    static func checkTensors(_ found: [String: (dtype: String, shape: [Int])], file: String) throws(FastModelError) -> Int? {
        let first = TransformerNetLayout.norms[0]
        var styles: Int?
        if let in1 = found["\(first.name).weight"] {
            switch in1.shape.count {
            case 1 where in1.shape[0] == first.channels: styles = nil
            case 2 where in1.shape[1] == first.channels && in1.shape[0] >= 1: styles = in1.shape[0]
            default:
                throw .wrongShape(
                    file: file, name: "\(first.name).weight", shape: in1.shape,
                    expected: "[\(first.channels)] or [styles, \(first.channels)]")
            }
        }
        let expected = TransformerNetLayout.tensorShapes(conditionalStyles: styles)
        let normNames = Set(TransformerNetLayout.norms.flatMap { ["\($0.name).weight", "\($0.name).bias"] })
        for (name, shape) in expected {
            guard let tensor = found[name] else { throw .missingTensor(file: file, name: name) }
            guard ["F32", "F16", "BF16"].contains(tensor.dtype) else {
                throw .unsupportedType(file: file, name: name, dtype: tensor.dtype)
            }
            guard tensor.shape == shape else {
                let why =
                    !normNames.contains(name) ? ""
                    : styles.map { " (in1.weight makes every norm [\($0), C])" } ?? " (in1.weight makes every norm [C])"
                throw .wrongShape(file: file, name: name, shape: tensor.shape, expected: "\(shape)\(why)")
            }
        }
        let known = Set(expected.map(\.name))
        for name in found.keys.sorted() where !known.contains(name) && !TransformerNetLayout.isIgnoredKey(name) {
            throw .unexpectedTensor(file: file, name: name)
        }
        return styles
    }

    /// Replaces a tensor's values (a training step), keeping its shape.
    public mutating func setValues(_ values: [Float], of name: String) {
        precondition(tensors[name]?.values.count == values.count, "\(name): \(values.count) values")
        tensors[name]!.values = values
    }

    public func weight(of convolution: TransformerNetLayout.Convolution) -> [Float] {
        tensors["\(convolution.name).weight"]!.values
    }

    public func bias(of convolution: TransformerNetLayout.Convolution) -> [Float] {
        tensors["\(convolution.name).bias"]!.values
    }

    /// The selection as one weight per style, summing to 1.
    public func styleWeights(_ selection: StyleSelection) throws(StyleSelectionError) -> [Float] {
        switch selection {
        case .style(let index):
            guard (0..<styleCount).contains(index) else { throw .indexOutOfRange(index: index, styles: styleCount) }
            return (0..<styleCount).map { $0 == index ? 1 : 0 }
        case .blend(let weights):
            guard weights.count == styleCount else { throw .wrongWeightCount(count: weights.count, styles: styleCount) }
            let sum = weights.reduce(0, +)
            guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }), sum > 0, sum.isFinite else { throw .invalidWeights(weights) }
            return weights.map { $0 / sum }
        }
    }

    /// A norm's per-channel scale (γ) and shift (β) for the selected style or blend.
    public func normParameters(
        of norm: TransformerNetLayout.Norm, for selection: StyleSelection
    ) throws(StyleSelectionError) -> (scale: [Float], shift: [Float]) {
        let weights = try styleWeights(selection)
        func mix(_ values: [Float]) -> [Float] {
            if case .style(let index) = selection {
                return Array(values[(index * norm.channels)..<((index + 1) * norm.channels)])
            }
            return (0..<norm.channels).map { channel in
                var sum: Float = 0
                for style in 0..<styleCount { sum += weights[style] * values[style * norm.channels + channel] }
                return sum
            }
        }
        return (mix(tensors["\(norm.name).weight"]!.values), mix(tensors["\(norm.name).bias"]!.values))
    }
}
