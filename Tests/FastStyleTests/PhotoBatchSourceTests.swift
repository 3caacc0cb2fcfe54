import FastStyle
import Foundation
import StyleEngine
import XCTest

/// The training batches: a function of the seed and the step alone, whether the step's batch
/// was made ahead in the background or asked for cold, and whichever order steps are asked in.
final class PhotoBatchSourceTests: XCTestCase {
    func testPrefetchedBatchesEqualColdOnesAskedBackToBack() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "photo-batches-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, name) in ["input.png"].enumerated() {
            let image = try ImageFile.read(path: FastFixtures.directory.appending(path: name).path)
            try ImageFile.writePNG(image, to: folder.appending(path: "a\(index).png").path)
            try ImageFile.writePNG(image.resized(width: 40, height: 30), to: folder.appending(path: "b\(index).png").path)
        }
        let source = try PhotoBatchSource(directory: folder.path, side: 16, batchSize: 3, seed: 9)
        // Each step asked for the moment the last returned: the prefetch may still be running.
        let ahead = try (0..<12).map { try source.batch(step: $0) }
        for step in [5, 0, 11, 3] {
            let cold = try PhotoBatchSource(directory: folder.path, side: 16, batchSize: 3, seed: 9).batch(step: step)
            XCTAssertEqual(cold.rgb, ahead[step].rgb, "step \(step)")
            XCTAssertEqual(cold.vgg, ahead[step].vgg, "step \(step)")
        }
        XCTAssertNotEqual(ahead[0].rgb, ahead[1].rgb, "steps differ")
        XCTAssertEqual(try source.batch(step: 4).rgb, ahead[4].rgb, "out of order")
    }
}
