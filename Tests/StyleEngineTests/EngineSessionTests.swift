import CLRuntime
import Foundation
import StyleEngine
import XCTest

/// One session, many runs: the network and the style targets are made once and reused, and a
/// reused session gives the same numbers as a fresh one.
final class EngineSessionTests: XCTestCase {
    func settings() -> TransferSettings {
        var settings = TransferSettings()
        settings.size = 32
        settings.iterations = 2
        return settings
    }

    func testTwoContentImagesShareTheNetworkAndTheStyleTargets() throws {
        let weights = try EngineTestDevice.realWeights()
        let device = try DeviceInventory.device(at: EngineTestDevice.index)
        let uploads = EngineCounters.weightUploads.load(ordering: .relaxed)
        let computations = EngineCounters.styleTargetComputations.load(ordering: .relaxed)

        let session = try EngineSession(device: device, weights: weights)
        let styles = StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings().loss.styleLayers)
        let transfer = StyleTransfer(session: session, settings: settings(), styles: styles)
        let first = try transfer.run(content: EngineTestDevice.sample("astronaut"))
        let slots = session.scalars.capacity
        let second = try transfer.run(content: EngineTestDevice.sample("chelsea"))

        XCTAssertEqual(EngineCounters.weightUploads.load(ordering: .relaxed) - uploads, 1, "the network was re-created")
        XCTAssertEqual(
            EngineCounters.styleTargetComputations.load(ordering: .relaxed) - computations, 1,
            "the style targets were recomputed")
        XCTAssertEqual(session.scalars.capacity, slots, "a run left device scalar slots reserved")
        XCTAssertEqual(first.stopReason, .completed)
        XCTAssertEqual(second.stopReason, .completed)
        XCTAssertNotEqual(first.scales[0].losses[0], second.scales[0].losses[0])

        // The reused session computes exactly what a fresh one does.
        let fresh = try StyleTransfer(
            session: EngineSession(device: device, weights: weights), settings: settings(),
            styles: StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings().loss.styleLayers)
        ).run(content: EngineTestDevice.sample("chelsea"))
        XCTAssertEqual(fresh.scales[0].losses, second.scales[0].losses)
        XCTAssertEqual(fresh.image, second.image)
    }

    func testStyleTargetsAreReusedAcrossScalesOfTheSameStyleSize() throws {
        let session = try EngineTestDevice.session()
        let styles = StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings().loss.styleLayers)
        let computations = EngineCounters.styleTargetComputations.load(ordering: .relaxed)
        let a = try styles.targets(session: session, side: 24, scratchLimit: 1 << 20)
        let b = try styles.targets(session: session, side: 24, scratchLimit: 1 << 20)
        _ = try styles.targets(session: session, side: 32, scratchLimit: 1 << 20)
        XCTAssertEqual(EngineCounters.styleTargetComputations.load(ordering: .relaxed) - computations, 2)
        XCTAssertTrue(a.grams["relu1_1"]! === b.grams["relu1_1"]!)
        XCTAssertEqual(a.shape.styleSizes, [StyleTargets.ImageSize(width: 24, height: 24)])
        XCTAssertEqual(a.shape.layers, settings().loss.styleLayers)
    }

    func testCoarseToFineRunsEveryScaleAndEndsAtTheRequestedSize() throws {
        let session = try EngineTestDevice.session()
        var settings = settings()
        settings.size = 48
        settings.scales = .sizes([32, 40, 48])
        settings.iterations = 4
        let styles = StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings.loss.styleLayers)
        var seen: [(Int, Int)] = []
        var hooks = StyleTransfer.Hooks()
        hooks.progress = { seen.append(($0.scale, $0.iteration)) }
        let result = try StyleTransfer(session: session, settings: settings, styles: styles).run(
            content: EngineTestDevice.sample("astronaut"), hooks: hooks)
        XCTAssertEqual(result.scales.map(\.width), [32, 40, 48])
        XCTAssertEqual(result.scales.map { $0.losses.count }, [2, 2, 4])
        XCTAssertEqual(seen.count, 8)
        XCTAssertEqual([result.image.width, result.image.height], [48, 48])
        // Each scale starts from the previous result, not from the content: its first loss is
        // far below what the content image starts at.
        let single = try StyleTransfer(
            session: session, settings: { var s = settings; s.scales = .off; s.iterations = 0; return s }(), styles: styles
        ).run(content: EngineTestDevice.sample("astronaut"))
        XCTAssertLessThan(result.scales[2].losses[0].total, 0.8 * single.scales[0].losses[0].total)
    }

    func testAnInterruptedScaleStillGivesAnImageOfTheRequestedSize() throws {
        let session = try EngineTestDevice.session()
        var settings = settings()
        settings.size = 48
        settings.scales = .sizes([32, 48])
        let styles = StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings.loss.styleLayers)
        var hooks = StyleTransfer.Hooks()
        hooks.shouldStop = { true }
        let result = try StyleTransfer(session: session, settings: settings, styles: styles).run(
            content: EngineTestDevice.sample("astronaut"), hooks: hooks)
        XCTAssertEqual(result.stopReason, .interrupted)
        XCTAssertEqual(result.scales.count, 1)
        XCTAssertEqual([result.image.width, result.image.height], [48, 48])
    }

    func testEnvironmentOverridesAreReadOnceAndChecked() throws {
        let configuration = try EngineConfiguration.fromEnvironment([
            "STYLIZE_GPU_CONV": "im2col", "STYLIZE_GPU_GEMM": "clblast", "STYLIZE_GPU_GEMM_TUNING": "off",
        ])
        XCTAssertEqual(configuration, EngineConfiguration(convolution: .im2col, gemm: .clblast, gemmTuning: .off))
        XCTAssertEqual(try EngineConfiguration.fromEnvironment([:]), EngineConfiguration())
        XCTAssertThrowsError(try EngineConfiguration.fromEnvironment(["STYLIZE_GPU_CONV": "fft"])) { error in
            XCTAssertEqual("\(error)", "STYLIZE_GPU_CONV=fft is not one of im2col, winograd, direct, winograd4")
        }
    }
}
