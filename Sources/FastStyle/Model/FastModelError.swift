import Foundation

/// Why a transform network's file cannot be used: one line naming the file and the problem.
public enum FastModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(file: String, reason: String)
    case notSafeTensors(file: String, reason: String)
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    /// A safetensors file of another kind (its metadata's `format`), such as the VGG19 weights.
    case otherFormat(file: String, format: String)
    case missingTensor(file: String, name: String)
    case unexpectedTensor(file: String, name: String)
    case unsupportedType(file: String, name: String, dtype: String)
    case wrongShape(file: String, name: String, shape: [Int], expected: String)
    case nonFinite(file: String, name: String)
    case badMetadata(file: String, key: String, reason: String)
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "cannot read model file \(file): \(reason)"
        case .notSafeTensors(let file, let reason): "model file \(file) is not a safetensors file: \(reason)"
        case .truncated(let file, let expected, let actual):
            "model file \(file) is truncated: \(actual) bytes where \(expected) are needed"
        case .otherFormat(let file, let format):
            "model file \(file) is not a transform network: its format is '\(format)'"
        case .missingTensor(let file, let name): "model file \(file) lacks tensor \(name)"
        case .unexpectedTensor(let file, let name):
            "model file \(file) has tensor \(name), which a transform network does not have"
        case .unsupportedType(let file, let name, let dtype):
            "model file \(file): tensor \(name) is \(dtype), expected F32, F16 or BF16"
        case .wrongShape(let file, let name, let shape, let expected):
            "model file \(file): tensor \(name) has shape \(shape), expected \(expected)"
        case .nonFinite(let file, let name): "model file \(file): tensor \(name) holds NaN or infinite values"
        case .badMetadata(let file, let key, let reason): "model file \(file): metadata '\(key)' \(reason)"
        case .unwritable(let file, let reason): "cannot write model file \(file): \(reason)"
        }
    }
}
