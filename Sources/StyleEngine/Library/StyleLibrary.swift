import CLRuntime
import Foundation

/// What shaped a stored style's targets: a run whose settings differ cannot use them.
public struct StoredStyleSettings: Sendable, Codable, Equatable {
    public var layers: [String]
    public var pooling: Pooling
    public var precision: Precision
    /// `ContentHash` of the VGG19 weights file.
    public var weightsHash: String
    /// Normalised, one per source.
    public var blendWeights: [Float]
    /// The paintings, as absolute paths, and their `ContentHash`es when stored.
    public var sources: [String]
    public var sourceHashes: [String]
    public var styleScale: Float
    /// The result size (`--size`) and scales (`--scales`) the targets were made for.
    public var size: Int
    public var scales: String
    /// Style sides stored (style scale × each scale's size), ascending.
    public var sides: [Int]

    public init(
        layers: [String], pooling: Pooling, precision: Precision, weightsHash: String, blendWeights: [Float],
        sources: [String], sourceHashes: [String], styleScale: Float, size: Int, scales: String, sides: [Int]
    ) {
        self.layers = layers
        self.pooling = pooling
        self.precision = precision
        self.weightsHash = weightsHash
        self.blendWeights = blendWeights
        self.sources = sources
        self.sourceHashes = sourceHashes
        self.styleScale = styleScale
        self.size = size
        self.scales = scales
        self.sides = sides
    }
}

/// One style of the library, read back.
public struct StoredStyle: Sendable {
    public let name: String
    public let path: String
    public let settings: StoredStyleSettings
    public let bytes: Int
    /// By style side.
    public let targets: [Int: HostStyleTargets]
}

/// What a run needs of a stored style.
public struct StyleRequirements: Sendable, Equatable {
    public var layers: [String]
    public var pooling: Pooling
    public var precision: Precision
    public var weightsHash: String
    public var sides: [Int]

    public init(layers: [String], pooling: Pooling, precision: Precision, weightsHash: String, sides: [Int]) {
        self.layers = layers
        self.pooling = pooling
        self.precision = precision
        self.weightsHash = weightsHash
        self.sides = sides
    }
}

public enum StyleLibraryError: Error, CustomStringConvertible, Equatable {
    case badName(String)
    case notFound(name: String, directory: String)
    case damaged(path: String, reason: String)
    case mismatch(name: String, differences: [String], missingSources: [String])

    public var description: String {
        switch self {
        case .badName(let name):
            "style name '\(name)' must be letters, digits, '.', '_' or '-' (not starting with '.')"
        case .notFound(let name, let directory):
            "no stored style '\(name)' in \(directory) (stylize-gpu styles list shows them)"
        case .damaged(let path, let reason):
            "style library file \(path) is damaged: \(reason); remove it or add the style again"
        case .mismatch(let name, let differences, let missing):
            "stored style '\(name)' does not fit this run (\(differences.joined(separator: "; "))) and its source "
                + "\(missing.count == 1 ? "image is" : "images are") gone (\(missing.joined(separator: ", "))): "
                + "add it again with the run's settings"
        }
    }
}

/// A folder of stored styles, one safetensors file each (`NAME.safetensors`): per style side
/// and style layer the blended Gram target (`side<S>/<layer>`, F32 C×C), and in the metadata
/// (`stylize-gpu.settings`, JSON) everything that shaped them.
public struct StyleLibrary: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `--library`, else `$STYLIZE_GPU_STYLE_LIBRARY`, else `${XDG_DATA_HOME:-~/.local/share}/stylize-gpu/styles`.
    public static func locate(explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> StyleLibrary
    {
        if let explicitPath, !explicitPath.isEmpty { return StyleLibrary(directory: URL(fileURLWithPath: explicitPath)) }
        if let path = environment["STYLIZE_GPU_STYLE_LIBRARY"], !path.isEmpty {
            return StyleLibrary(directory: URL(fileURLWithPath: path))
        }
        let data =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appending(path: ".local/share")
        return StyleLibrary(directory: data.appending(path: "stylize-gpu/styles"))
    }

    static let suffix = ".safetensors"
    static let settingsKey = "stylize-gpu.settings"

    public static func validate(name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        if name.isEmpty || name.hasPrefix(".") || !name.allSatisfy(allowed.contains) || name.count > 200 {
            throw StyleLibraryError.badName(name)
        }
    }

    public func path(of name: String) -> String { directory.appending(path: name + Self.suffix).path }

    /// Stores `targets` (by style side) under `name`, replacing a style of that name atomically.
    public func save(name: String, settings: StoredStyleSettings, targets: [Int: HostStyleTargets]) throws {
        try Self.validate(name: name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tensors: [SafeTensorsWriter.Tensor] = []
        for side in targets.keys.sorted() {
            let host = targets[side]!
            for layer in host.shape.layers {
                let c = host.channels[layer]!
                tensors.append(.init(floats: host.grams[layer]!, name: "side\(side)/\(layer)", shape: [c, c]))
            }
        }
        let sizes = targets.mapValues { $0.shape.styleSizes }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            Self.settingsKey: String(decoding: try encoder.encode(settings), as: UTF8.self),
            "stylize-gpu.style-sizes": String(decoding: try encoder.encode(sizes.map { [String($0.key): $0.value] }.reduce(into: [:]) { $0.merge($1) { a, _ in a } }), as: UTF8.self),
            "format": "stylize-gpu style targets 1",
        ]
        try writeAtomically(try SafeTensorsWriter.encode(tensors, metadata: metadata), to: path(of: name))
    }

    /// The stored style `name`; a file that is not one is `.damaged`, naming it.
    public func load(name: String) throws -> StoredStyle {
        try Self.validate(name: name)
        let path = path(of: name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StyleLibraryError.notFound(name: name, directory: directory.path)
        }
        return try Self.read(path: path, name: name)
    }

    static func read(path: String, name: String) throws -> StoredStyle {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch let failure as SafeTensorsFile.Failure {
            let reason: String
            switch failure {
            case .unreadable(_, let why): reason = "unreadable (\(why))"
            case .notSafeTensors(_, let why): reason = why
            case .truncated(_, let expected, let actual): reason = "truncated (\(actual) of \(expected) bytes)"
            }
            throw StyleLibraryError.damaged(path: path, reason: reason)
        }
        guard let json = file.metadata[settingsKey],
            let settings = try? JSONDecoder().decode(StoredStyleSettings.self, from: Data(json.utf8))
        else { throw StyleLibraryError.damaged(path: path, reason: "no readable '\(settingsKey)' metadata") }
        let sizes =
            file.metadata["stylize-gpu.style-sizes"].flatMap {
                try? JSONDecoder().decode([String: [StyleTargets.ImageSize]].self, from: Data($0.utf8))
            } ?? [:]
        var targets: [Int: HostStyleTargets] = [:]
        for side in settings.sides {
            var grams: [String: [Float]] = [:]
            var channels: [String: Int] = [:]
            for layer in settings.layers {
                let key = "side\(side)/\(layer)"
                guard let tensor = file.tensors[key], tensor.dtype == "F32", tensor.shape.count == 2,
                    tensor.shape[0] == tensor.shape[1],
                    let values = file.floats(of: key)
                else { throw StyleLibraryError.damaged(path: path, reason: "tensor \(key) is missing or not F32 C×C") }
                grams[layer] = values
                channels[layer] = tensor.shape[0]
            }
            let shape = StyleTargets.Shape(
                layers: settings.layers, pooling: settings.pooling, precision: settings.precision,
                styleSizes: sizes[String(side)] ?? [], blendWeights: settings.blendWeights)
            targets[side] = HostStyleTargets(shape: shape, grams: grams, channels: channels)
        }
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        return StoredStyle(name: name, path: path, settings: settings, bytes: bytes, targets: targets)
    }

    /// Every stored style by name, each read on its own: a damaged file is its own failure.
    public func list() -> [(name: String, result: Result<StoredStyle, Error>)] {
        let names =
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(Self.suffix) && !$0.hasPrefix(".") }
            .map { String($0.dropLast(Self.suffix.count)) }.sorted()
        return names.map { name in (name, Result { try Self.read(path: path(of: name), name: name) }) }
    }

    public func remove(name: String) throws {
        try Self.validate(name: name)
        let path = path(of: name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StyleLibraryError.notFound(name: name, directory: directory.path)
        }
        try FileManager.default.removeItem(atPath: path)
    }

    /// A style source for a run of `requirements` from the stored style `name`: its stored
    /// targets where they fit; where they do not (other layers, pooling, precision or weights,
    /// or a style side not stored) computed from its sources if they still exist, else
    /// `.mismatch` saying what differs.
    public func source(name: String, requirements: StyleRequirements) throws -> StyleSource {
        let style = try load(name: name)
        let stored = style.settings
        var differences: [String] = []
        if stored.layers != requirements.layers {
            differences.append("style layers \(stored.layers.joined(separator: ",")) vs \(requirements.layers.joined(separator: ","))")
        }
        if stored.pooling != requirements.pooling { differences.append("pooling \(stored.pooling) vs \(requirements.pooling)") }
        if stored.precision != requirements.precision {
            differences.append("precision \(stored.precision) vs \(requirements.precision)")
        }
        if stored.weightsHash != requirements.weightsHash { differences.append("another weights file") }
        let missingSides = Set(requirements.sides).subtracting(stored.sides).sorted()
        if differences.isEmpty && missingSides.isEmpty {
            return StyleSource(stored: style.targets, images: [], blendWeights: stored.blendWeights, layers: stored.layers)
        }
        if !missingSides.isEmpty {
            differences.append(
                "style sides \(missingSides.map(String.init).joined(separator: ",")) needed, "
                    + "\(stored.sides.map(String.init).joined(separator: ",")) stored")
        }
        let missing = stored.sources.filter { !FileManager.default.isReadableFile(atPath: $0) }
        guard missing.isEmpty else {
            throw StyleLibraryError.mismatch(name: name, differences: differences, missingSources: missing)
        }
        let images = try stored.sources.map { try ImageFile.read(path: $0) }
        // Same settings, other sides: keep what is stored, compute the rest.
        let usable = differences.count == 1 && !missingSides.isEmpty ? style.targets : [:]
        return StyleSource(stored: usable, images: images, blendWeights: stored.blendWeights, layers: requirements.layers)
    }
}
