import FastStyle
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The pictures scripts/make-fast-fixtures wrote with PyTorch (Fixtures/README.md), and the models.
enum FastFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Fixtures")
    /// The models PyTorch made the pictures with, written by the tests from their seed.
    static var plainModel: String { FastFixtureModels.plainPath }
    static var cinModel: String { FastFixtureModels.conditionalPath }
    static let cinStyles = FastFixtureModels.styles
    static let input = directory.appending(path: "input.png").path
    static let plainOutput = directory.appending(path: "output-plain.png").path
    static func cinOutput(style: Int) -> String { directory.appending(path: "output-cin4-style\(style).png").path }

    /// The fractions of 8-bit values equal to and within one level of the expected image's, and
    /// the largest difference.
    static func agreement(_ image: RGBImage, _ expected: RGBImage) -> (withinOne: Double, exact: Double, maxDifference: Int) {
        precondition(image.width == expected.width && image.height == expected.height)
        let differences = zip(image.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }
        let count = Double(differences.count)
        return (
            Double(differences.filter { $0 <= 1 }.count) / count, Double(differences.filter { $0 == 0 }.count) / count,
            differences.max() ?? 0
        )
    }

    /// A fixture model's file as (name, dtype, shape, bytes), to rewrite with changes.
    static func entries(of path: String) throws -> [SafeTensorsWriter.Tensor] {
        let file = try SafeTensorsFile(path: path)
        return file.tensors.keys.sorted().map { name in
            let tensor = file.tensors[name]!
            return SafeTensorsWriter.Tensor(name: name, dtype: tensor.dtype, shape: tensor.shape, data: file.bytes(of: name)!)
        }
    }
}
