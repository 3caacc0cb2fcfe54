import Foundation

/// How one layer's weights are stored in 8 bits. Every encoding is, on the device, a code per
/// weight and a 256-entry table (one per output channel for per-channel scales), so one
/// dequantize kernel expands them all.
///
/// | encoding | file tensors | weight |
/// | --- | --- | --- |
/// | k-means | `weight_index` U8, `weight_table` F32 [256] | table[index] |
/// | int8 per tensor | `weight_q` I8, `weight_scale` F32 [1] | scale · q, q ∈ −127…127 |
/// | int8 per channel | `weight_q` I8, `weight_scale` F32 [out] | scale[k] · q |
/// | int8 asymmetric | `weight_q` U8, `weight_scale` F32 [1], `weight_zero_point` I32 [1] | scale · (q − zero point) |
public enum WeightEncoding: Sendable, Equatable {
    case kmeans
    case int8Tensor(scale: Float)
    case int8Channel(scales: [Float])
    case int8Asymmetric(scale: Float, zeroPoint: Int)

    /// The quantization method that produces this encoding.
    public var method: QuantizationMethod {
        switch self {
        case .kmeans: .kmeans
        case .int8Tensor: .int8Tensor
        case .int8Channel: .int8Channel
        case .int8Asymmetric: .int8Asymmetric
        }
    }

    /// The tensors of a layer named `name` with these codes, in a file's order.
    func tensors(of layer: VGG19Weights.Layer) -> [SafeTensorsWriter.Tensor] {
        let shape = [layer.outChannels, layer.inChannels, 3, 3]
        let name = layer.name
        var tensors: [SafeTensorsWriter.Tensor]
        switch self {
        case .kmeans:
            tensors = [
                .init(name: "\(name).weight_index", dtype: "U8", shape: shape, data: Data(layer.indices)),
                .init(floats: layer.table, name: "\(name).weight_table", shape: [256]),
            ]
        case .int8Tensor(let scale):
            tensors = [
                .init(name: "\(name).weight_q", dtype: "I8", shape: shape, data: Data(layer.indices.map { $0 ^ 0x80 })),
                .init(floats: [scale], name: "\(name).weight_scale", shape: [1]),
            ]
        case .int8Channel(let scales):
            tensors = [
                .init(name: "\(name).weight_q", dtype: "I8", shape: shape, data: Data(layer.indices.map { $0 ^ 0x80 })),
                .init(floats: scales, name: "\(name).weight_scale", shape: [scales.count]),
            ]
        case .int8Asymmetric(let scale, let zeroPoint):
            var zero = Int32(zeroPoint).littleEndian
            tensors = [
                .init(name: "\(name).weight_q", dtype: "U8", shape: shape, data: Data(layer.indices)),
                .init(floats: [scale], name: "\(name).weight_scale", shape: [1]),
                .init(name: "\(name).weight_zero_point", dtype: "I32", shape: [1], data: Data(bytes: &zero, count: 4)),
            ]
        }
        tensors.append(.init(floats: layer.bias, name: "\(name).bias", shape: [layer.outChannels]))
        return tensors
    }

    /// Reads layer `name` from `file`, its input channels required to be `inChannels`; its
    /// output channels are the weight tensor's first dimension. `invalid` makes the error.
    static func read(
        layer name: String, inChannels: Int, from file: SafeTensorsFile, invalid: (String) -> any Error
    ) throws -> VGG19Weights.Layer {
        func tensor(_ suffix: String) -> (key: String, tensor: SafeTensorsFile.Tensor)? {
            file.tensors["\(name).\(suffix)"].map { ("\(name).\(suffix)", $0) }
        }
        func require(_ suffix: String, _ dtypes: Set<String>, _ shape: [Int]) throws -> Data {
            let key = "\(name).\(suffix)"
            guard let tensor = file.tensors[key] else { throw invalid("tensor \(key) is missing") }
            guard dtypes.contains(tensor.dtype), tensor.shape == shape else {
                throw invalid(
                    "\(key) is \(tensor.dtype) \(tensor.shape), not \(dtypes.sorted().joined(separator: " or ")) \(shape)")
            }
            return file.bytes(of: key)!
        }
        guard let (weightKey, weight) = tensor("weight_index") ?? tensor("weight_q") else {
            throw invalid("tensor \(name).weight_index is missing")
        }
        guard weight.shape.count == 4, weight.shape[2] == 3, weight.shape[3] == 3, weight.shape[0] > 0 else {
            throw invalid("\(weightKey) has shape \(weight.shape), not [out, in, 3, 3]")
        }
        let outChannels = weight.shape[0]
        guard weight.shape[1] == inChannels else {
            let previous = inChannels == 3 ? "the RGB image has 3" : "the previous layer has \(inChannels) output channels"
            throw invalid("\(weightKey) has \(weight.shape[1]) input channels but \(previous)")
        }
        let shape = [outChannels, inChannels, 3, 3]
        _ = try require("bias", ["F32"], [outChannels])
        let biasValues = file.floats(of: "\(name).bias")!
        func make(_ indices: [UInt8], _ table: [Float], _ encoding: WeightEncoding) -> VGG19Weights.Layer {
            VGG19Weights.Layer(
                name: name, inChannels: inChannels, outChannels: outChannels, indices: indices, table: table,
                bias: biasValues, encoding: encoding)
        }
        if weightKey.hasSuffix("weight_index") {
            let indices = [UInt8](try require("weight_index", ["U8"], shape))
            _ = try require("weight_table", ["F32"], [256])
            return make(indices, file.floats(of: "\(name).weight_table")!, .kmeans)
        }
        guard let scaleTensor = file.tensors["\(name).weight_scale"] else {
            throw invalid("tensor \(name).weight_scale is missing")
        }
        let codes = try require("weight_q", ["I8", "U8"], shape)
        if weight.dtype == "U8" {
            _ = try require("weight_scale", ["F32"], [1])
            let zeroBytes = try require("weight_zero_point", ["I32"], [1])
            let zeroPoint = Int(zeroBytes.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) })
            guard (0...255).contains(zeroPoint) else { throw invalid("\(name).weight_zero_point \(zeroPoint) is outside 0…255") }
            let scale = file.floats(of: "\(name).weight_scale")![0]
            return make(
                [UInt8](codes), Quantizer.asymmetricTable(scale: scale, zeroPoint: zeroPoint),
                .int8Asymmetric(scale: scale, zeroPoint: zeroPoint))
        }
        guard scaleTensor.shape == [1] || scaleTensor.shape == [outChannels] else {
            throw invalid("\(name).weight_scale has shape \(scaleTensor.shape), not [1] or [\(outChannels)]")
        }
        _ = try require("weight_scale", ["F32"], scaleTensor.shape)
        let scales = file.floats(of: "\(name).weight_scale")!
        let indices = codes.map { $0 ^ 0x80 }
        let table = scales.flatMap { Quantizer.symmetricTable(scale: $0) }
        // A one-channel layer's scale is both per tensor and per channel: read as per tensor.
        return make(indices, table, scales.count == 1 ? .int8Tensor(scale: scales[0]) : .int8Channel(scales: scales))
    }
}
