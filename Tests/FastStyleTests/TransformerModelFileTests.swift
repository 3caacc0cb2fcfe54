import FastStyle
import Foundation
import StyleEngine
import XCTest

/// Model files: what loads, and the one-line error for each kind of bad file.
final class TransformerModelFileTests: XCTestCase {
    var directory: URL!
    var path: String { directory.appending(path: "model.safetensors").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "faststyle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The plain fixture's tensors, changed by `edit`, written to `path`.
    func writeEdited(
        from fixture: String = FastFixtures.plainModel, metadata: [String: String] = [:],
        _ edit: (inout [SafeTensorsWriter.Tensor]) -> Void
    ) throws {
        var entries = try FastFixtures.entries(of: fixture)
        edit(&entries)
        try SafeTensorsWriter.encode(entries, metadata: metadata).write(to: URL(fileURLWithPath: path))
    }

    func assertLoadFails(_ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TransformerModel.load(path: path), file: file, line: line) { error in
            XCTAssertTrue(error is FastModelError, file: file, line: line)
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testPlainFixtureLoads() throws {
        let model = try TransformerModel.load(path: FastFixtures.plainModel)
        XCTAssertEqual(model.styleCount, 1)
        XCTAssertFalse(model.isConditional)
        XCTAssertEqual(model.styleNames, ["style 0"])
        XCTAssertEqual(model.tensors.count, 2 * (TransformerNetLayout.convolutions.count + TransformerNetLayout.norms.count))
        XCTAssertEqual(model.tensors.values.map(\.values.count).reduce(0, +), 1_679_235)
        XCTAssertEqual(model.tensors["conv1.conv2d.weight"]?.shape, [32, 3, 9, 9])
        XCTAssertEqual(model.tensors["res5.in2.bias"]?.shape, [128])
        XCTAssertNil(model.training)
        XCTAssertNil(model.vggWeightsHash)
    }

    func testConditionalF16FixtureLoads() throws {
        let model = try TransformerModel.load(path: FastFixtures.cinModel)
        let plain = try TransformerModel.load(path: FastFixtures.plainModel)
        XCTAssertEqual(model.styleCount, 4)
        XCTAssertTrue(model.isConditional)
        XCTAssertEqual(model.styleNames, (0..<4).map { "random style \($0)" })
        XCTAssertEqual(model.tensors["in1.weight"]?.shape, [4, 32])
        XCTAssertEqual(model.tensors["res3.in1.bias"]?.shape, [4, 128])
        // Its convolutions are the plain model's, stored as half.
        let weights = plain.tensors["res2.conv1.conv2d.weight"]!.values
        XCTAssertEqual(model.tensors["res2.conv1.conv2d.weight"]!.values, weights.map { Float(Float16($0)) })
    }

    func testBF16Loads() throws {
        try writeEdited { entries in
            entries = entries.map { entry in
                let halves = entry.data.withUnsafeBytes { raw in
                    (0..<(entry.data.count / 4)).map { UInt16(raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self) >> 16) }
                }
                return SafeTensorsWriter.Tensor(name: entry.name, dtype: "BF16", shape: entry.shape, data: halves.withUnsafeBytes { Data($0) })
            }
        }
        let model = try TransformerModel.load(path: path)
        let plain = try TransformerModel.load(path: FastFixtures.plainModel)
        XCTAssertEqual(
            model.tensors["deconv3.conv2d.bias"]!.values,
            plain.tensors["deconv3.conv2d.bias"]!.values.map { Float(bitPattern: $0.bitPattern & 0xffff_0000) })
    }

    func testWriteAndLoadRoundTrip() throws {
        var model = try TransformerModel.load(path: FastFixtures.cinModel)
        model.styleNames = ["mosaic", "candy", "udnie", "rain princess"]
        model.training = TrainingSettings(
            trainer: "stylize-gpu", styleImages: ["a.jpg", "b.jpg", "c.jpg", "d.jpg"], imageSize: 256, batchSize: 4,
            learningRate: 1e-3, contentWeight: 1e5, styleWeight: 1e10, seed: 42)
        model.vggWeightsHash = "fnv1a64:0123456789abcdef"
        model.metadata["source"] = "unit test"
        try model.write(to: path)
        let loaded = try TransformerModel.load(path: path)
        XCTAssertEqual(loaded, model)
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata["format"], TransformerModel.fileFormat)
        XCTAssertEqual(file.tensors["in1.weight"]?.dtype, "F32")
        // Nothing but the file itself is left in the folder (the temporary file was renamed).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.safetensors"])
    }

    func testWriteIntoAMissingFolderIsOneLine() throws {
        let model = try TransformerModel.load(path: FastFixtures.plainModel)
        let target = directory.appending(path: "none/model.safetensors").path
        XCTAssertThrowsError(try model.write(to: target)) { error in
            XCTAssertEqual("\(error)", "cannot write model file \(target): No such file or directory")
        }
    }

    func testRunningStatisticsOfOldCheckpointsAreIgnored() throws {
        try writeEdited { entries in
            entries.append(SafeTensorsWriter.Tensor(floats: [Float](repeating: 1, count: 32), name: "in1.running_mean", shape: [32]))
            entries.append(SafeTensorsWriter.Tensor(floats: [Float](repeating: 2, count: 128), name: "res4.in2.running_var", shape: [128]))
        }
        let model = try TransformerModel.load(path: path)
        XCTAssertEqual(model, try TransformerModel.load(path: FastFixtures.plainModel))
    }

    func testTruncatedFile() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: FastFixtures.plainModel))
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: path))
        assertLoadFails("model file \(path) is truncated: \(whole.count - 100) bytes where \(whole.count) are needed")
        try whole.prefix(5).write(to: URL(fileURLWithPath: path))
        assertLoadFails("model file \(path) is truncated: 5 bytes where 8 are needed")
    }

    func testGarbledFiles() throws {
        try Data("this is a text file, not a model".utf8).write(to: URL(fileURLWithPath: path))
        assertLoadFails("model file \(path) is not a safetensors file: header length 2338328219631577204 is implausible")
        var whole = try Data(contentsOf: URL(fileURLWithPath: FastFixtures.plainModel))
        whole[8] = UInt8(ascii: "x")
        try whole.write(to: URL(fileURLWithPath: path))
        assertLoadFails("model file \(path) is not a safetensors file: the header is not a JSON object")
    }

    func testUnreadableFile() {
        let missing = directory.appending(path: "absent.safetensors").path
        XCTAssertThrowsError(try TransformerModel.load(path: missing)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot read model file \(missing): "), "\(error)")
        }
    }

    func testVGGWeightsAreNamedAsSuch() throws {
        try writeEdited(metadata: ["format": VGG19Weights.fileFormat]) { _ in }
        assertLoadFails("model file \(path) is not a transform network: its format is 'stylize-gpu-vgg19-q8'")
    }

    func testMissingTensor() throws {
        try writeEdited { $0.removeAll { $0.name == "res3.conv2.conv2d.bias" } }
        assertLoadFails("model file \(path) lacks tensor res3.conv2.conv2d.bias")
    }

    func testUnknownTensor() throws {
        try writeEdited { $0.append(SafeTensorsWriter.Tensor(floats: [1], name: "in1.num_batches_tracked", shape: [1])) }
        assertLoadFails("model file \(path) has tensor in1.num_batches_tracked, which a transform network does not have")
    }

    func testWrongConvolutionShape() throws {
        try writeEdited { entries in
            let index = entries.firstIndex { $0.name == "conv1.conv2d.weight" }!
            entries[index] = SafeTensorsWriter.Tensor(name: entries[index].name, dtype: "F32", shape: [32, 3, 3, 27], data: entries[index].data)
        }
        assertLoadFails("model file \(path): tensor conv1.conv2d.weight has shape [32, 3, 3, 27], expected [32, 3, 9, 9]")
    }

    func testNormsMixingPlainAndConditional() throws {
        // A plain model with one conditional norm.
        try writeEdited { entries in
            entries.removeAll { $0.name.hasPrefix("res2.in1.") }
            entries.append(SafeTensorsWriter.Tensor(floats: [Float](repeating: 1, count: 512), name: "res2.in1.weight", shape: [4, 128]))
            entries.append(SafeTensorsWriter.Tensor(floats: [Float](repeating: 0, count: 512), name: "res2.in1.bias", shape: [4, 128]))
        }
        assertLoadFails("model file \(path): tensor res2.in1.weight has shape [4, 128], expected [128] (in1.weight makes every norm [C])")
        // A conditional model with one plain norm.
        try writeEdited(from: FastFixtures.cinModel) { entries in
            entries.removeAll { $0.name == "in5.bias" }
            entries.append(SafeTensorsWriter.Tensor(name: "in5.bias", dtype: "F16", shape: [32], data: Data(count: 64)))
        }
        assertLoadFails("model file \(path): tensor in5.bias has shape [32], expected [4, 32] (in1.weight makes every norm [4, C])")
        // A conditional norm of another style count.
        try writeEdited(from: FastFixtures.cinModel) { entries in
            entries.removeAll { $0.name == "in4.weight" }
            entries.append(SafeTensorsWriter.Tensor(name: "in4.weight", dtype: "F16", shape: [3, 64], data: Data(count: 384)))
        }
        assertLoadFails("model file \(path): tensor in4.weight has shape [3, 64], expected [4, 64] (in1.weight makes every norm [4, C])")
        // A first norm that is neither.
        try writeEdited { entries in
            entries.removeAll { $0.name == "in1.weight" }
            entries.append(SafeTensorsWriter.Tensor(floats: [Float](repeating: 1, count: 64), name: "in1.weight", shape: [2, 1, 32]))
        }
        assertLoadFails("model file \(path): tensor in1.weight has shape [2, 1, 32], expected [32] or [styles, 32]")
    }

    func testUnsupportedDType() throws {
        try writeEdited { entries in
            let index = entries.firstIndex { $0.name == "deconv3.conv2d.bias" }!
            entries[index] = SafeTensorsWriter.Tensor(name: "deconv3.conv2d.bias", dtype: "I32", shape: [3], data: Data(count: 12))
        }
        assertLoadFails("model file \(path): tensor deconv3.conv2d.bias is I32, expected F32, F16 or BF16")
    }

    func testNonFiniteValues() throws {
        try writeEdited { entries in
            let index = entries.firstIndex { $0.name == "in3.bias" }!
            var values = [Float](repeating: 0, count: 128)
            values[7] = .nan
            entries[index] = SafeTensorsWriter.Tensor(floats: values, name: "in3.bias", shape: [128])
        }
        assertLoadFails("model file \(path): tensor in3.bias holds NaN or infinite values")
    }

    func testBadMetadata() throws {
        try writeEdited(from: FastFixtures.cinModel, metadata: ["styles": "mosaic, candy"]) { _ in }
        assertLoadFails("model file \(path): metadata 'styles' is not a JSON list of names")
        try writeEdited(from: FastFixtures.cinModel, metadata: ["styles": #"["a","b","c"]"#]) { _ in }
        assertLoadFails("model file \(path): metadata 'styles' names 3 styles, the norms hold 4")
        try writeEdited(metadata: ["training": #"{"epochs": 2}"#]) { _ in }
        assertLoadFails("model file \(path): metadata 'training' is not training settings: 'trainer' is missing")
        try writeEdited(metadata: ["training": #"{"trainer": "x", "epochs": "two"}"#]) { _ in }
        assertLoadFails("model file \(path): metadata 'training' is not training settings: 'epochs' has the wrong type")
    }

    func testStyleSelectionErrors() throws {
        let model = try TransformerModel.load(path: FastFixtures.cinModel)
        let norm = TransformerNetLayout.norms[0]
        XCTAssertThrowsError(try model.normParameters(of: norm, for: .style(4))) {
            XCTAssertEqual("\($0)", "style 4 does not exist: the model has 4 styles (0…3)")
        }
        XCTAssertThrowsError(try model.styleWeights(.blend([1, 1]))) {
            XCTAssertEqual("\($0)", "2 blend weights for a model of 4 styles")
        }
        XCTAssertThrowsError(try model.styleWeights(.blend([1, -1, 0, 0]))) {
            XCTAssertEqual("\($0)", "blend weights [1.0, -1.0, 0.0, 0.0] must be finite, non-negative and not all zero")
        }
        let plain = try TransformerModel.load(path: FastFixtures.plainModel)
        XCTAssertEqual(try plain.normParameters(of: norm, for: .style(0)).scale, plain.tensors["in1.weight"]!.values)
        XCTAssertThrowsError(try plain.styleWeights(.style(1))) {
            XCTAssertEqual("\($0)", "style 1 does not exist: the model has 1 style (0…0)")
        }
    }
}
