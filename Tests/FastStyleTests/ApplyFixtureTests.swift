import CLRuntime
import FastStyle
import StyleEngine
import XCTest

/// The must-show of the fast models: a TransformerNet made in PyTorch with random weights,
/// saved under its own names, applied here on the device, gives PyTorch's PNG (clamped and
/// rounded) within one level on at least 99.9 % of the values; the same for a 4-style CIN
/// model, per style index.
final class ApplyFixtureTests: XCTestCase {
    func applied(_ modelPath: String, style: StyleChoice = .index(0), precision: Precision = .fp32) throws -> RGBImage {
        let model = try TransformerModel.load(path: modelPath)
        let session = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index), precision: precision)
        let network = try session.network(for: model, key: modelPath)
        return try StyleApplier(network: network).apply(
            try ImageFile.read(path: FastFixtures.input), style: try style.selection(in: model))
    }

    func assertMatches(_ image: RGBImage, _ expectedPath: String, within fraction: Double = 0.999, _ label: String) throws {
        let expected = try ImageFile.read(path: expectedPath)
        XCTAssertEqual([image.width, image.height], [expected.width, expected.height], label)
        let agreement = FastFixtures.agreement(image, expected)
        XCTAssertGreaterThanOrEqual(agreement.withinOne, fraction, "\(label): \(agreement)")
    }

    func testThePlainModelGivesPyTorchsPicture() throws {
        try assertMatches(try applied(FastFixtures.plainModel), FastFixtures.plainOutput, "plain")
    }

    func testEachStyleOfTheConditionalModelGivesPyTorchsPicture() throws {
        for style in 0..<FastFixtures.cinStyles {
            try assertMatches(
                try applied(FastFixtures.cinModel, style: .index(style)), FastFixtures.cinOutput(style: style),
                "style \(style)")
        }
    }

    /// Half storage rounds every activation: close, not equal.
    func testHalfStorageStaysClose() throws {
        let image = try applied(FastFixtures.plainModel, precision: .fp16)
        let agreement = FastFixtures.agreement(image, try ImageFile.read(path: FastFixtures.plainOutput))
        XCTAssertGreaterThanOrEqual(agreement.withinOne, 0.99, "\(agreement)")
        XCTAssertLessThanOrEqual(agreement.maxDifference, 4, "\(agreement)")
    }

    /// A blend of one style alone is that style; an even blend of two lies between them.
    func testABlendOfOneStyleIsThatStyle() throws {
        let alone = try applied(FastFixtures.cinModel, style: .index(2))
        let blend = try applied(
            FastFixtures.cinModel, style: .blend([.init(style: "2", weight: 3)]))
        XCTAssertEqual(blend, alone)
        let even = try applied(FastFixtures.cinModel, style: .blend([.init(style: "0", weight: 1), .init(style: "1", weight: 1)]))
        XCTAssertNotEqual(even, try applied(FastFixtures.cinModel, style: .index(0)))
        XCTAssertNotEqual(even, try applied(FastFixtures.cinModel, style: .index(1)))
    }

    /// A photo whose sides are not multiples of 4 comes back at its own size.
    func testAnOddSizedPhotoKeepsItsSize() throws {
        let model = try TransformerModel.load(path: FastFixtures.plainModel)
        let session = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index))
        let photo = try ImageFile.read(path: FastFixtures.input).resized(width: 29, height: 18)
        let result = try StyleApplier(network: try session.network(for: model, key: "plain")).apply(photo)
        XCTAssertEqual([result.width, result.height], [29, 18])
    }
}
