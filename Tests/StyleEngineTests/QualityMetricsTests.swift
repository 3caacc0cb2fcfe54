import CLRuntime
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The quality metrics of a result: style similarity against the CPU reference in Double,
/// and the loss and SSIM parts as the evaluator reports them.
final class QualityMetricsTests: XCTestCase {
    func sample(_ name: String, side: Int) throws -> RGBImage {
        try EngineTestDevice.sample(name).resized(width: side, height: side)
    }

    func testStyleSimilarityAndLossMatchTheCPUReference() throws {
        let weights = try EngineTestDevice.realWeights()
        let session = try EngineSession(device: DeviceInventory.device(at: EngineTestDevice.index), weights: weights)
        let settings = LossSettings()
        let content = try sample("astronaut", side: 32)
        let style = try sample("ihc", side: 24)
        // A result-like image: the content with noise, so that no metric is at its limit.
        var random = TestRandom(seed: 11)
        let image = RGBImage(
            width: 32, height: 32,
            pixels: content.pixels.map { UInt8(max(0, min(255, Float($0) + 40 * random.next()))) })
        let targets = try StyleTargets.compute(
            session: session, styles: [PreparedImage(style)], blendWeights: [1], layers: settings.styleLayers,
            scratchLimit: 1 << 20)
        let metrics = try session.scalars.scoped {
            try QualityEvaluator(session: session, targets: targets, content: content, settings: settings, scratchLimit: 1 << 20)
                .evaluate(image)
        }

        let reference = ReferenceVGG(weights)
        let deepest = VGG19Layers.position(of: "relu5_1")!
        let imageFeatures = reference.forward(image.preprocessed().map(Double.init), height: 32, width: 32, through: deepest)
        let styleFeatures = reference.forward(style.preprocessed().map(Double.init), height: 24, width: 24, through: deepest)
        var cosines: [Double] = []
        for name in settings.styleLayers {
            let position = VGG19Layers.position(of: name)!
            let a = ReferenceLayers.gram(imageFeatures[position].values, channels: imageFeatures[position].channels)
            let b = ReferenceLayers.gram(styleFeatures[position].values, channels: styleFeatures[position].channels)
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            let cosine = dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
            cosines.append(cosine)
            XCTAssertEqual(metrics.styleSimilarityByLayer[name]!, cosine, accuracy: 1e-4, name)
        }
        let expected = cosines.reduce(0, +) / Double(cosines.count)
        XCTAssertEqual(metrics.styleSimilarity, expected, accuracy: 1e-4)
        XCTAssertLessThan(expected, 0.999)

        let loss = reference.loss(
            image: image.preprocessed().map(Double.init), content: content.preprocessed().map(Double.init),
            styles: [(style.preprocessed().map(Double.init), 24, 24, 1)], height: 32, width: 32, settings: settings)
        XCTAssertEqual(metrics.loss.content, loss.content, accuracy: 1e-4 * loss.content)
        XCTAssertEqual(metrics.loss.style, loss.style, accuracy: 1e-4 * loss.style)
        XCTAssertEqual(metrics.loss.totalVariation, loss.totalVariation, accuracy: 1e-4 * loss.totalVariation)
        XCTAssertEqual(metrics.ssim, try SSIM.compute(library: session.library, content, image), accuracy: 1e-12)
        XCTAssertLessThan(metrics.ssim, 0.99)
    }

    func testTheContentAgainstItselfHasSSIMOneAndNoContentLoss() throws {
        let session = try EngineTestDevice.session()
        let content = try sample("astronaut", side: 32)
        let settings = LossSettings()
        let targets = try StyleTargets.compute(
            session: session, styles: [PreparedImage(content)], blendWeights: [1], layers: settings.styleLayers,
            scratchLimit: 1 << 20)
        let metrics = try session.scalars.scoped {
            try QualityEvaluator(session: session, targets: targets, content: content, settings: settings, scratchLimit: 1 << 20)
                .evaluate(content)
        }
        XCTAssertEqual(metrics.ssim, 1, accuracy: 1e-6)
        XCTAssertEqual(metrics.loss.content, 0)
        XCTAssertEqual(metrics.styleSimilarity, 1, accuracy: 1e-5)
        XCTAssertEqual(metrics.loss.style, 0, accuracy: 1e-3)
    }
}
