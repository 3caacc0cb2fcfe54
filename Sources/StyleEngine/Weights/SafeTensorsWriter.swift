import Foundation

/// Writes safetensors files (the format `SafeTensorsFile` reads): tensors in the given order,
/// the header padded with spaces to a multiple of 8.
public enum SafeTensorsWriter {
    public struct Tensor: Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let data: Data

        public init(name: String, dtype: String, shape: [Int], data: Data) {
            precondition(data.count == shape.reduce(SafeTensorsFile.elementSizes[dtype]!, *))
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        /// Little-endian F32.
        public init(floats: [Float], name: String, shape: [Int]) {
            var data = Data(capacity: 4 * floats.count)
            for value in floats {
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
            self.init(name: name, dtype: "F32", shape: shape, data: data)
        }
    }

    /// The file's bytes.
    public static func encode(_ tensors: [Tensor], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for tensor in tensors {
            header[tensor.name] = [
                "dtype": tensor.dtype, "shape": tensor.shape, "data_offsets": [offset, offset + tensor.data.count],
            ]
            offset += tensor.data.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var file = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(json)
        for tensor in tensors { file.append(tensor.data) }
        return file
    }

    /// Writes atomically (a temporary file, then renamed).
    public static func write(_ tensors: [Tensor], metadata: [String: String], to url: URL) throws {
        try encode(tensors, metadata: metadata).write(to: url, options: .atomic)
    }
}

extension VGG19Weights {
    /// `__metadata__.format` of the engine's weights files.
    public static let fileFormat = "stylize-gpu-vgg19-q8"

    /// Writes these weights in their encodings (`docs/weights.md`); `metadata` is added to
    /// `format`, `quantization` (the methods used, comma-separated when layers differ) and `channels`.
    public func write(to url: URL, metadata: [String: String] = [:]) throws {
        var all = metadata
        all["format"] = Self.fileFormat
        var methods: [String] = []
        for layer in layers where !methods.contains(layer.encoding.method.rawValue) {
            methods.append(layer.encoding.method.rawValue)
        }
        all["quantization"] = methods.joined(separator: ",")
        all["channels"] = channels.map(String.init).joined(separator: ",")
        try SafeTensorsWriter.write(layers.flatMap { $0.encoding.tensors(of: $0) }, metadata: all, to: url)
    }
}
