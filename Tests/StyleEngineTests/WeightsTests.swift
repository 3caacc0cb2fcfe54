import Foundation
import StyleEngine
import TestSupport
import XCTest

final class WeightsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLI.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A minimal safetensors writer for synthetic files.
    func writeSafeTensors(_ tensors: [(String, String, [Int], Data)], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": ["format": "test"]]
        var offset = 0
        for (name, dtype, shape, data) in tensors {
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [offset, offset + data.count]]
            offset += data.count
        }
        let json = try JSONSerialization.data(withJSONObject: header)
        var file = Data(withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) })
        file.append(json)
        for (_, _, _, data) in tensors { file.append(data) }
        try file.write(to: url)
    }

    func floatData(_ values: [Float]) -> Data { values.withUnsafeBytes { Data($0) } }

    func testSyntheticFileParses() throws {
        let url = directory.appending(path: "t.safetensors")
        try writeSafeTensors([("a", "F32", [2, 3], floatData([1, 2, 3, 4, 5, 6])), ("b", "U8", [4], Data([9, 8, 7, 6]))], to: url)
        let file = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(file.floats(of: "a"), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(file.bytes(of: "b"), Data([9, 8, 7, 6]))
        XCTAssertEqual(file.tensors["a"]?.shape, [2, 3])
        XCTAssertEqual(file.metadata["format"], "test")
    }

    func testHalfAndBFloat16AreWidenedExactly() throws {
        let url = directory.appending(path: "t.safetensors")
        let halves: [UInt16] = [0x3c00, 0xc000, 0x0001, 0x8400, 0x7c00, 0x3555]
        let bfloats: [UInt16] = [0x3f80, 0xc0a0, 0x0001]
        try writeSafeTensors(
            [("h", "F16", [6], halves.withUnsafeBytes { Data($0) }), ("b", "BF16", [3], bfloats.withUnsafeBytes { Data($0) }),
             ("i", "I32", [1], Data(count: 4))], to: url)
        let file = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(file.floats(of: "h"), [1, -2, 0x1p-24, -0x1p-14, .infinity, 0x1.554p-2])
        XCTAssertEqual(file.floats(of: "b"), [1, -5, Float(bitPattern: 0x0001_0000)])
        XCTAssertNil(file.floats(of: "i"))
    }

    func testTruncatedAndGarbageFilesAreClearErrors() throws {
        let url = directory.appending(path: "t.safetensors")
        try writeSafeTensors([("a", "F32", [1000], floatData([Float](repeating: 1, count: 1000)))], to: url)
        let whole = try Data(contentsOf: url)
        try whole.prefix(whole.count - 10).write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("is truncated"), "\(error)")
        }
        try Data("this is not a weights file at all".utf8).write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("is not a safetensors file") || "\(error)".contains("truncated"), "\(error)")
        }
        try Data([1, 2, 3]).write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(path: url.path)) { XCTAssertTrue("\($0)".contains("truncated")) }
        // A file of the right format but not VGG19.
        try writeSafeTensors([("a", "F32", [1], floatData([1]))], to: url)
        XCTAssertThrowsError(try VGG19Weights.load(from: url)) { error in
            XCTAssertEqual("\(error)", "weights file \(url.path) is not VGG19: tensor conv1_1.weight_index is missing")
        }
    }

    func testMissingWeightsNameTheFetchCommand() throws {
        XCTAssertThrowsError(try VGG19Weights.locate(explicitPath: directory.appending(path: "none").path)) { error in
            XCTAssertTrue("\(error)".contains("run scripts/fetch-weights"), "\(error)")
        }
    }

    func testFetchedWeightsLoadWithVGG19Shapes() throws {
        guard let url = try? VGG19Weights.locate(explicitPath: nil) else {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights); scripts/test fetches them")
        }
        let weights = try VGG19Weights.load(from: url)
        XCTAssertEqual(weights.layers.count, 16)
        XCTAssertEqual(weights.layers.map(\.outChannels), [64, 64, 128, 128, 256, 256, 256, 256] + Array(repeating: 512, count: 8))
        XCTAssertEqual(weights.layers[4].indices.count, 256 * 128 * 9)
        XCTAssertTrue(weights.layers.allSatisfy { $0.table.count == 256 && $0.bias.count == $0.outChannels })
        XCTAssertEqual(try SafeTensorsFile(path: url.path).metadata["format"], "stylize-gpu-vgg19-q8")
        // The 8-bit tables hold real filters: distinct values, small magnitudes.
        XCTAssertGreaterThan(Set(weights.layers[0].table).count, 200)
        XCTAssertLessThan(weights.layers[10].table.map(abs).max()!, 10)
    }
}
