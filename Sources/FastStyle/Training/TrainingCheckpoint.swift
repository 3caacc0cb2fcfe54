import Foundation
import StyleEngine

/// Everything a training run needs to go on exactly where it stopped: the network's tensors,
/// Adam's moments and step count, the step reached and the settings, in one safetensors file
/// written atomically (so a killed run leaves the previous checkpoint or this one, whole).
struct TrainingCheckpoint {
    var step: Int
    var settings: TrainerSettings
    var tensors: [String: [Float]]
    var adamFirst: [Float]
    var adamSecond: [Float]
    var adamStep: Int

    static let format = "stylize-gpu training checkpoint"

    func write(to path: String, shapes: [String: [Int]]) throws {
        var entries = tensors.keys.sorted().map { name in
            SafeTensorsWriter.Tensor(floats: tensors[name]!, name: name, shape: shapes[name] ?? [tensors[name]!.count])
        }
        entries.append(.init(floats: adamFirst, name: "adam.first", shape: [adamFirst.count]))
        entries.append(.init(floats: adamSecond, name: "adam.second", shape: [adamSecond.count]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try SafeTensorsWriter.write(
            entries,
            metadata: [
                "format": Self.format, "step": "\(step)", "adam_step": "\(adamStep)",
                "settings": String(decoding: try encoder.encode(settings), as: UTF8.self),
            ], to: URL(fileURLWithPath: path))
    }

    static func read(path: String) throws -> TrainingCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw TrainingError.noCheckpoint(path) }
        do {
            let file = try SafeTensorsFile(path: path)
            guard file.metadata["format"] == format, let step = file.metadata["step"].flatMap(Int.init),
                let adamStep = file.metadata["adam_step"].flatMap(Int.init),
                let settingsText = file.metadata["settings"]
            else { throw TrainingError.damagedCheckpoint(path: path, reason: "not a training checkpoint") }
            let settings = try JSONDecoder().decode(TrainerSettings.self, from: Data(settingsText.utf8))
            var tensors: [String: [Float]] = [:]
            for name in file.tensors.keys where !name.hasPrefix("adam.") { tensors[name] = file.floats(of: name) }
            guard let first = file.floats(of: "adam.first"), let second = file.floats(of: "adam.second"),
                tensors.values.allSatisfy({ !$0.isEmpty })
            else { throw TrainingError.damagedCheckpoint(path: path, reason: "tensors missing") }
            return TrainingCheckpoint(
                step: step, settings: settings, tensors: tensors, adamFirst: first, adamSecond: second, adamStep: adamStep)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.damagedCheckpoint(path: path, reason: "\(error)")
        }
    }
}
