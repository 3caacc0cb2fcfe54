import FastStyle
import StyleEngine
import XCTest

/// The host reference against PyTorch's own output for the same weights and photo.
final class ReferenceTransformerNetTests: XCTestCase {
    /// The bar: within one level on at least 99.9 % of the values.
    let requiredAgreement = 0.999

    func stylize(_ model: TransformerModel, _ selection: StyleSelection, padding: ReferenceTransformerNet.Padding = .reflect) throws -> RGBImage {
        let input = ReferenceTransformerNet.input(try ImageFile.read(path: FastFixtures.input))
        return ReferenceTransformerNet.image(try ReferenceTransformerNet(model: model, padding: padding).forward(input, selection: selection))
    }

    func testPlainModelMatchesPyTorch() throws {
        let model = try TransformerModel.load(path: FastFixtures.plainModel)
        let result = try stylize(model, .style(0))
        let (withinOne, exact, maxDifference) = FastFixtures.agreement(result, try ImageFile.read(path: FastFixtures.plainOutput))
        print("plain: \(withinOne * 100) % within one level, \(exact * 100) % equal, largest difference \(maxDifference)")
        XCTAssertGreaterThanOrEqual(withinOne, requiredAgreement, "largest difference \(maxDifference)")
    }

    func testConditionalModelMatchesPyTorchForEveryStyle() throws {
        let model = try TransformerModel.load(path: FastFixtures.cinModel)
        for style in 0..<FastFixtures.cinStyles {
            let result = try stylize(model, .style(style))
            let (withinOne, exact, maxDifference) = FastFixtures.agreement(
                result, try ImageFile.read(path: FastFixtures.cinOutput(style: style)))
            print("CIN style \(style): \(withinOne * 100) % within one level, \(exact * 100) % equal, largest difference \(maxDifference)")
            XCTAssertGreaterThanOrEqual(withinOne, requiredAgreement, "style \(style): largest difference \(maxDifference)")
        }
    }

    /// The comparison is sharp enough to notice a wrong border rule (zeros instead of reflection).
    func testZeroPaddingFailsTheComparison() throws {
        let model = try TransformerModel.load(path: FastFixtures.plainModel)
        let result = try stylize(model, .style(0), padding: .zero)
        let (withinOne, _, _) = FastFixtures.agreement(result, try ImageFile.read(path: FastFixtures.plainOutput))
        XCTAssertLessThan(withinOne, 0.9)
    }

    /// A blend of two styles runs the norms with the mean of their scales and shifts: the same
    /// as a model whose norms hold that mean.
    func testBlendEqualsAModelWithMeanNorms() throws {
        let model = try TransformerModel.load(path: FastFixtures.cinModel)
        var tensors = model.tensors
        for norm in TransformerNetLayout.norms {
            let (scale, shift) = try model.normParameters(of: norm, for: .blend([1, 0, 3, 0]))
            tensors["\(norm.name).weight"] = ModelTensor(shape: [norm.channels], values: scale)
            tensors["\(norm.name).bias"] = ModelTensor(shape: [norm.channels], values: shift)
            let expected = (0..<norm.channels).map {
                0.25 * model.tensors["\(norm.name).weight"]!.values[$0] + 0.75 * model.tensors["\(norm.name).weight"]!.values[2 * norm.channels + $0]
            }
            for (a, b) in zip(scale, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
        let mean = try TransformerModel(tensors: tensors)
        XCTAssertFalse(mean.isConditional)
        // A 16×16 corner of the photo keeps this quick (16 is the least size every reflection pad allows).
        let photo = try ImageFile.read(path: FastFixtures.input)
        let corner = RGBImage(
            width: 16, height: 16, pixels: (0..<16).flatMap { row in photo.pixels[(row * photo.width * 3)..<((row * photo.width + 16) * 3)] })
        let input = ReferenceTransformerNet.input(corner)
        let blended = try ReferenceTransformerNet(model: model).forward(input, selection: .blend([1, 0, 3, 0]))
        let direct = try ReferenceTransformerNet(model: mean).forward(input)
        XCTAssertEqual(blended, direct)
        XCTAssertEqual(try model.styleWeights(.blend([1, 0, 3, 0])), [0.25, 0, 0.75, 0])
        XCTAssertEqual(try model.styleWeights(.style(2)), [0, 0, 1, 0])
    }

    func testSmallOpsAgainstHandValues() {
        // 1×3×3 reflection-padded 3×3 box filter: the corner sees its row/column mirrored.
        let x = ReferenceTransformerNet.Activation(channels: 1, height: 3, width: 3, values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let spec = TransformerNetLayout.Convolution(name: "t", inChannels: 1, outChannels: 1, kernel: 3, stride: 1, upsample: 1)
        let box = ReferenceTransformerNet.convolve(x, spec: spec, weight: [Float](repeating: 1, count: 9), bias: [0.5], padding: .reflect)
        // Top-left: rows (2,1,2) × columns (2,1,2) of the input → 5+4+5 + 2+1+2 + 5+4+5 = 33.
        XCTAssertEqual(box.values[0], 33.5)
        XCTAssertEqual(box.values[4], 45.5)
        let up = ReferenceTransformerNet.upsampleNearest(x, factor: 2)
        XCTAssertEqual(Array(up.values[0..<6]), [1, 1, 2, 2, 3, 3])
        let normed = ReferenceTransformerNet.instanceNorm(x, scale: [2], shift: [1], relu: true)
        XCTAssertEqual(normed.values[4], 1, accuracy: 1e-6)
        XCTAssertEqual(normed.values[0], 0)
    }
}
