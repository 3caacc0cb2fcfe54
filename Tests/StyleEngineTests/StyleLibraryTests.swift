import CLRuntime
import Foundation
import StyleEngine
import XCTest

/// The style library: targets stored and read back bit for bit, settings checked, damaged
/// files reported by name.
final class StyleLibraryTests: XCTestCase {
    func settings() -> TransferSettings {
        var settings = TransferSettings()
        settings.size = 32
        settings.iterations = 0
        return settings
    }

    func storedSettings(sides: [Int], weightsHash: String = "w", sources: [String] = []) -> StoredStyleSettings {
        StoredStyleSettings(
            layers: settings().loss.styleLayers, pooling: .max, precision: .fp32, weightsHash: weightsHash,
            blendWeights: [1], sources: sources, sourceHashes: [], styleScale: 1, size: 32, scales: "off", sides: sides)
    }

    func testAStoredStyleGivesTheSameIterationZeroLossesAsThePaintingFile() throws {
        let session = try EngineTestDevice.session()
        let library = StyleLibrary(directory: try CLI.temporaryDirectory())
        let painting = StyleSource(images: [try EngineTestDevice.sample("ihc")], layers: settings().loss.styleLayers)
        let targets = try painting.targets(session: session, side: 32, scratchLimit: settings().scratchLimit)
        try library.save(
            name: "ihc", settings: storedSettings(sides: [32]),
            targets: [32: HostStyleTargets(targets, queue: session.library.queue)])

        let computations = EngineCounters.styleTargetComputations.load(ordering: .relaxed)
        let stored = try library.source(
            name: "ihc",
            requirements: StyleRequirements(
                layers: settings().loss.styleLayers, pooling: .max, precision: .fp32, weightsHash: "w", sides: [32]))
        let fromLibrary = try StyleTransfer(session: session, settings: settings(), styles: stored).run(
            content: EngineTestDevice.sample("astronaut"))
        XCTAssertEqual(EngineCounters.styleTargetComputations.load(ordering: .relaxed) - computations, 0)
        let fromFile = try StyleTransfer(session: session, settings: settings(), styles: painting).run(
            content: EngineTestDevice.sample("astronaut"))
        XCTAssertGreaterThan(fromFile.scales[0].losses[0].style, 0)
        XCTAssertEqual(fromLibrary.scales[0].losses[0], fromFile.scales[0].losses[0])
        let reloaded = try library.load(name: "ihc").targets[32]!
        XCTAssertTrue(reloaded.grams == (try targets.downloadGrams(queue: session.library.queue)), "the Grams changed on the way")
        XCTAssertEqual(reloaded.shape, targets.shape)
    }

    func testSettingsThatDifferAreRecomputedFromSourcesOrNamed() throws {
        let directory = try CLI.temporaryDirectory()
        let library = StyleLibrary(directory: directory)
        let grams = Dictionary(uniqueKeysWithValues: settings().loss.styleLayers.map { ($0, [Float](repeating: 1, count: 4)) })
        let channels = grams.mapValues { _ in 2 }
        let shape = StyleTargets.Shape(
            layers: settings().loss.styleLayers, pooling: .max, precision: .fp32,
            styleSizes: [StyleTargets.ImageSize(width: 32, height: 32)], blendWeights: [1])
        let host = HostStyleTargets(shape: shape, grams: grams, channels: channels)
        try library.save(
            name: "gone", settings: storedSettings(sides: [32], sources: ["/nonexistent/painting.png"]), targets: [32: host])
        let requirements = StyleRequirements(
            layers: settings().loss.styleLayers, pooling: .avg, precision: .fp32, weightsHash: "other", sides: [32, 45])
        XCTAssertThrowsError(try library.source(name: "gone", requirements: requirements)) { error in
            XCTAssertEqual(
                "\(error)",
                "stored style 'gone' does not fit this run (pooling max vs avg; another weights file; style sides 45 needed, "
                    + "32 stored) and its source image is gone (/nonexistent/painting.png): add it again with the run's settings")
        }
        // With its painting still there, the source computes what does not fit.
        let painting = CLI.sample("ihc.png")
        try library.save(name: "here", settings: storedSettings(sides: [32], sources: [painting]), targets: [32: host])
        let source = try library.source(name: "here", requirements: requirements)
        XCTAssertEqual(source.images.count, 1)
        XCTAssertEqual(source.storedSides, [])
        let sameSettings = StyleRequirements(
            layers: settings().loss.styleLayers, pooling: .max, precision: .fp32, weightsHash: "w", sides: [32, 45])
        XCTAssertEqual(try library.source(name: "here", requirements: sameSettings).storedSides, [32])
    }

    func testDamagedFilesAreNamedAndLeaveTheOthersReadable() throws {
        let directory = try CLI.temporaryDirectory()
        let library = StyleLibrary(directory: directory)
        let shape = StyleTargets.Shape(
            layers: ["relu1_1"], pooling: .max, precision: .fp32, styleSizes: [], blendWeights: [1])
        let host = HostStyleTargets(shape: shape, grams: ["relu1_1": [1, 2, 3, 4]], channels: ["relu1_1": 2])
        var settings = storedSettings(sides: [16])
        settings.layers = ["relu1_1"]
        try library.save(name: "good", settings: settings, targets: [16: host])
        let good = try Data(contentsOf: URL(fileURLWithPath: library.path(of: "good")))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: library.path(of: "noise")))
        try good.prefix(good.count - 3).write(to: URL(fileURLWithPath: library.path(of: "cut")))
        XCTAssertThrowsError(try library.load(name: "cut")) { error in
            XCTAssertEqual("\(error)", "style library file \(library.path(of: "cut")) is damaged: truncated (\(good.count - 3) of \(good.count) bytes); remove it or add the style again")
        }
        let listed = library.list()
        XCTAssertEqual(listed.map(\.name), ["cut", "good", "noise"])
        XCTAssertEqual(try listed[1].result.get().targets[16], host)
        XCTAssertThrowsError(try listed[2].result.get()) { error in
            XCTAssertTrue("\(error)".hasPrefix("style library file \(library.path(of: "noise")) is damaged: "), "\(error)")
        }
        XCTAssertThrowsError(try library.load(name: "../x")) { XCTAssertEqual($0 as? StyleLibraryError, .badName("../x")) }
        XCTAssertThrowsError(try library.load(name: "none")) {
            XCTAssertEqual($0 as? StyleLibraryError, .notFound(name: "none", directory: directory.path))
        }
        try library.remove(name: "good")
        XCTAssertEqual(library.list().map(\.name), ["cut", "noise"])
        // Saving leaves no temporary file behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }, [])
    }

    func testTheLibraryFolderComesFromTheOptionTheEnvironmentOrXDG() {
        XCTAssertEqual(StyleLibrary.locate(explicitPath: "/a", environment: ["STYLIZE_GPU_STYLE_LIBRARY": "/b"]).directory.path, "/a")
        XCTAssertEqual(StyleLibrary.locate(explicitPath: nil, environment: ["STYLIZE_GPU_STYLE_LIBRARY": "/b"]).directory.path, "/b")
        XCTAssertEqual(
            StyleLibrary.locate(explicitPath: nil, environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"]).directory.path,
            "/x/stylize-gpu/styles")
        XCTAssertEqual(
            StyleLibrary.locate(explicitPath: nil, environment: ["HOME": "/h"]).directory.path,
            "/h/.local/share/stylize-gpu/styles")
    }
}
