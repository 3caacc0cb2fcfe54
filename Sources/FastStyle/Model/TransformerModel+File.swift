import Foundation
import StyleEngine

/// Model files: safetensors under the state dict's names (see `TransformerNetLayout`).
extension TransformerModel {
    /// Loads and checks a model file: every tensor present with its exact shape, F32, F16 or
    /// BF16 and finite; no unknown tensor (old checkpoints' `in*.running_mean`/`running_var`
    /// are skipped); readable metadata.
    public static func load(path: String) throws(FastModelError) -> TransformerModel {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: path)
        } catch let failure as SafeTensorsFile.Failure {
            switch failure {
            case .unreadable(_, let reason): throw .unreadable(file: path, reason: reason)
            case .notSafeTensors(_, let reason): throw .notSafeTensors(file: path, reason: reason)
            case .truncated(_, let expected, let actual):
                throw .truncated(file: path, expectedBytes: expected, actualBytes: actual)
            }
        } catch {
            throw .unreadable(file: path, reason: "\(error)")
        }
        // A known other kind of file says so, rather than listing the first tensor it lacks.
        if let format = file.metadata[MetadataKey.format], format == VGG19Weights.fileFormat {
            throw .otherFormat(file: path, format: format)
        }
        _ = try checkTensors(file.tensors.mapValues { (dtype: $0.dtype, shape: $0.shape) }, file: path)

        var tensors: [String: ModelTensor] = [:]
        for (name, entry) in file.tensors where !TransformerNetLayout.isIgnoredKey(name) {
            let values = file.floats(of: name)!
            guard values.allSatisfy(\.isFinite) else { throw .nonFinite(file: path, name: name) }
            tensors[name] = ModelTensor(shape: entry.shape, values: values)
        }

        var metadata = file.metadata
        let styleNames = try metadata.removeValue(forKey: MetadataKey.styles).map { json throws(FastModelError) in
            guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
                throw .badMetadata(file: path, key: MetadataKey.styles, reason: "is not a JSON list of names")
            }
            return names
        }
        let training = try metadata.removeValue(forKey: MetadataKey.training).map { json throws(FastModelError) in
            do {
                return try JSONDecoder().decode(TrainingSettings.self, from: Data(json.utf8))
            } catch {
                throw .badMetadata(file: path, key: MetadataKey.training, reason: "is not training settings: \(Self.reason(error))")
            }
        }
        let hash = metadata.removeValue(forKey: MetadataKey.vggWeightsHash)
        metadata.removeValue(forKey: MetadataKey.format)
        return try TransformerModel(
            tensors: tensors, styleNames: styleNames, training: training, vggWeightsHash: hash, metadata: metadata,
            file: path, valuesChecked: true)
    }

    /// Writes the model as F32 in the state dict's order with its metadata, atomically (a
    /// temporary file beside `path`, then renamed).
    public func write(to path: String) throws(FastModelError) {
        var all = metadata
        all[MetadataKey.format] = Self.fileFormat
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        all[MetadataKey.styles] = String(decoding: try! encoder.encode(styleNames), as: UTF8.self)
        if let training { all[MetadataKey.training] = String(decoding: try! encoder.encode(training), as: UTF8.self) }
        if let vggWeightsHash { all[MetadataKey.vggWeightsHash] = vggWeightsHash }
        let shapes = TransformerNetLayout.tensorShapes(conditionalStyles: isConditional ? styleCount : nil)
        let entries = shapes.map { SafeTensorsWriter.Tensor(floats: tensors[$0.name]!.values, name: $0.name, shape: $0.shape) }
        do {
            try writeAtomically(try SafeTensorsWriter.encode(entries, metadata: all), to: path)
        } catch let failure as AtomicWriteError {
            throw .unwritable(file: path, reason: failure.reason)
        } catch {
            throw .unwritable(file: path, reason: "\(error)")
        }
    }

    /// A decoding error in a few words.
    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: "not a JSON object"
        }
    }
}
